"""The moderators' banned and suspect word lists (moderation_wordlists), each with its version

Revision ID: 7d4e3f2a1b0c
Revises: 7e5f4a3b2c1d
Create Date: 2026-12-01 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7d4e3f2a1b0c"
down_revision = "7e5f4a3b2c1d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "moderation_wordlists",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_moderation_wordlists")),
    )


def downgrade():
    op.drop_table("moderation_wordlists")
