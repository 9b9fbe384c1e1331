"""The rule behind a comment's hold (comments.hold_rule), and the desk's settings (moderation_settings)

Revision ID: 7c3d2e1f0a9b
Revises: 6a1f0e2d3c4b
Create Date: 2026-12-01 14:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7c3d2e1f0a9b"
down_revision = "6a1f0e2d3c4b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hold_rule", sa.String(length=200), nullable=True))
    op.create_table(
        "moderation_settings",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade():
    op.drop_table("moderation_settings")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("hold_rule")
