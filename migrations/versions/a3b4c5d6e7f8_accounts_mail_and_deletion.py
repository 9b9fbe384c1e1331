"""Readers' accounts: a confirmed address, mail preferences and deletion (users), single-use mailed links
(account_tokens), and the names of deleted accounts held back for a while (retired_usernames)

Revision ID: a3b4c5d6e7f8
Revises: 9a1b2c3d4e5f
Create Date: 2026-12-01 23:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "a3b4c5d6e7f8"
down_revision = "9a1b2c3d4e5f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("mail_reply", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column("mail_decision", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column("mail_followed", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Enum("password_reset", "email_change", "email_verification",
                                     name="account_token_purpose", native_enum=False, length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_account_tokens_user_id", "account_tokens", ["user_id"])
    op.create_table(
        "retired_usernames",
        sa.Column("username_key", sa.String(length=30), nullable=False),
        sa.Column("free_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username_key"),
    )


def downgrade():
    op.drop_table("retired_usernames")
    op.drop_index("ix_account_tokens_user_id", table_name="account_tokens")
    op.drop_table("account_tokens")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("mail_followed")
        batch.drop_column("mail_decision")
        batch.drop_column("mail_reply")
        batch.drop_column("email_verified_at")
