"""Indexes that serve the thread's reads in order: top-level comments by (article, depth) for each
sort, and the latest published comments of an article or a conversation, newest first

With 100,000 comments in one article, PostgreSQL read every top-level comment and sorted them for a
page (the old indexes began (article_id, root_id): ``root_id IS NULL`` is no equality, so the order
of the columns after it was of no use), and the screen's context of a POST sorted the whole thread
on SQLite (bench/growth.py). ``ix_comments_root`` (root_id, created_at, id) had no reader left but
the conversation's context, which ``ix_comments_root_status`` serves in its order.

Revision ID: b7c8d9e0f1a2
Revises: f5a6b7c8d9e0
Create Date: 2026-12-02 07:00:00
"""
from alembic import op

revision = "b7c8d9e0f1a2"
down_revision = "f5a6b7c8d9e0"
branch_labels = None
depends_on = None

BEFORE = {
    "ix_comments_thread": ["article_id", "root_id", "created_at", "id"],
    "ix_comments_article_top": ["article_id", "root_id", "reaction_count", "id"],
    "ix_comments_root": ["root_id", "created_at", "id"],
}
AFTER = {
    "ix_comments_thread": ["article_id", "depth", "created_at", "id"],
    "ix_comments_article_top": ["article_id", "depth", "reaction_count", "id"],
    "ix_comments_article_status": ["article_id", "status", "created_at", "id"],
    "ix_comments_root_status": ["root_id", "status", "created_at", "id"],
}


def _replace(old: dict, new: dict) -> None:
    for name in old:
        op.drop_index(name, table_name="comments")
    for name, columns in new.items():
        op.create_index(name, "comments", columns)


def upgrade():
    _replace(BEFORE, AFTER)


def downgrade():
    _replace(AFTER, BEFORE)
