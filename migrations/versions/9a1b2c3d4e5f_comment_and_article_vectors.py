"""The stored sentence-encoder vectors of comments and articles (moderation_comment_vectors, moderation_article_vectors)

Revision ID: 9a1b2c3d4e5f
Revises: 8c4d5e6f7a8b
Create Date: 2026-12-01 20:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "9a1b2c3d4e5f"
down_revision = "8c4d5e6f7a8b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "moderation_comment_vectors",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(length=384), nullable=False),
        sa.Column("encoder", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    op.create_table(
        "moderation_article_vectors",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("text_digest", sa.String(length=16), nullable=False),
        sa.Column("vector", sa.LargeBinary(length=384), nullable=False),
        sa.Column("encoder", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id"),
    )


def downgrade():
    op.drop_table("moderation_article_vectors")
    op.drop_table("moderation_comment_vectors")
