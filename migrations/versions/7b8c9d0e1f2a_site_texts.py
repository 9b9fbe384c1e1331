"""The texts of the site that admins edit (site_texts): the community guidelines; why a decision
notification's comment was rejected (notifications.reason); comments posted after the guidelines
nudge (comments.posted_after_nudge)

Revision ID: 7b8c9d0e1f2a
Revises: 7c3d2e1f0a9b
Create Date: 2026-12-01 15:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7b8c9d0e1f2a"
down_revision = "7c3d2e1f0a9b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_texts",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=200), nullable=True))
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("posted_after_nudge", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("posted_after_nudge")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("reason")
    op.drop_table("site_texts")
