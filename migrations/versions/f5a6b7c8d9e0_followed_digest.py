"""The daily digest of followed readers: where each reader's last one ended (users.digest_through),
and an index for a reader's notifications of one day

Revision ID: f5a6b7c8d9e0
Revises: e4f5a6b7c8d9
Create Date: 2026-12-03 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "f5a6b7c8d9e0"
down_revision = "e4f5a6b7c8d9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("digest_through", sa.DateTime(), nullable=True))
    op.create_index("ix_notifications_recipient_created", "notifications", ["recipient_id", "created_at"])


def downgrade():
    op.drop_index("ix_notifications_recipient_created", table_name="notifications")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("digest_through")
