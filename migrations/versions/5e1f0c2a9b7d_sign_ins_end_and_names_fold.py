"""Sign-ins end: page sessions on the server, tokens that expire; usernames unique in any case

Revision ID: 5e1f0c2a9b7d
Revises: 13aa71b721ce
Create Date: 2026-12-01 11:20:00

"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = '5e1f0c2a9b7d'
down_revision = '5c1e0d2a9b47'
branch_labels = None
depends_on = None

# Tokens issued before tokens expired get the default lifetime, counted from when they were made.
EXISTING_TOKEN_LIFETIME = timedelta(days=30)


def upgrade():
    _refuse_clashing_usernames()
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username_key', sa.String(length=30), nullable=True))
    op.execute("UPDATE users SET username_key = lower(username)")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('username_key', existing_type=sa.String(length=30), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_username_key'), ['username_key'])
        batch_op.create_check_constraint(op.f('ck_users_username_key_folded'), 'username_key = lower(username)')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    _expire_existing_tokens()
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(), nullable=False)

    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)


def _refuse_clashing_usernames():
    """Stop, naming them, if existing usernames differ only in letter case: a person must choose."""
    clashes = op.get_bind().execute(sa.text(
        "SELECT lower(username) FROM users GROUP BY lower(username) HAVING count(*) > 1 ORDER BY 1"
    )).scalars().all()
    if clashes:
        raise RuntimeError(
            "These usernames are held by several accounts that differ only in letter case: "
            + ", ".join(clashes)
            + ". Rename all but one of each (UPDATE users SET username = ... WHERE id = ...), "
            "then run `flask --app wsgi db upgrade` again."
        )


def _expire_existing_tokens():
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer()), sa.column('created_at', sa.DateTime()),
                      sa.column('expires_at', sa.DateTime()))
    bind = op.get_bind()
    for token_id, created_at in bind.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        bind.execute(tokens.update().where(tokens.c.id == token_id)
                     .values(expires_at=created_at + EXISTING_TOKEN_LIFETIME))


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_username_key_folded'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_users_username_key'), type_='unique')
        batch_op.drop_column('username_key')
