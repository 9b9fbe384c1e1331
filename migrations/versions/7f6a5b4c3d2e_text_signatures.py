"""The last day's comment text signatures and their LSH bands (moderation_text_signatures, moderation_text_bands)

Revision ID: 7f6a5b4c3d2e
Revises: 7d4e3f2a1b0c
Create Date: 2026-12-01 15:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7f6a5b4c3d2e"
down_revision = "7d4e3f2a1b0c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "moderation_text_signatures",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("minhash", sa.LargeBinary(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    op.create_index("ix_moderation_text_signatures_created_at", "moderation_text_signatures", ["created_at"])
    op.create_table(
        "moderation_text_bands",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("band_hash", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("comment_id", "band"),
    )
    op.create_index("ix_moderation_text_bands_lookup", "moderation_text_bands", ["band_hash", "created_at"])


def downgrade():
    op.drop_index("ix_moderation_text_bands_lookup", table_name="moderation_text_bands")
    op.drop_table("moderation_text_bands")
    op.drop_index("ix_moderation_text_signatures_created_at", table_name="moderation_text_signatures")
    op.drop_table("moderation_text_signatures")
