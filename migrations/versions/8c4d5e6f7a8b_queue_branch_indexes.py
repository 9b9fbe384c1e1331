"""Indexes for the queue's branches: comments by (status, decided_at), (status, hold_reason), (status, report_count)

Without them "waits for a moderator" reads every published comment to find the few escalated or
reported ones (bench/queue.py: the queue page's counts went from about 250 ms to under 10 ms each
on SQLite with 50,000 comments).

Revision ID: 8c4d5e6f7a8b
Revises: 7f6a5b4c3d2e
Create Date: 2026-12-01 16:55:00
"""
from alembic import op

revision = "8c4d5e6f7a8b"
down_revision = "7f6a5b4c3d2e"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_comments_status_decided": ["status", "decided_at"],
    "ix_comments_status_hold": ["status", "hold_reason"],
    "ix_comments_status_reports": ["status", "report_count"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "comments", columns)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="comments")
