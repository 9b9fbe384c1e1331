"""Accounts linked to the newsroom's sign-in (users.sso_id); one URL belongs to one article

Revision ID: 6b2e1d0c9a8f
Revises: 5c1e2a9d7b40
Create Date: 2026-12-01 13:40:00

"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = '6b2e1d0c9a8f'
down_revision = '5c1e2a9d7b40'
branch_labels = None
depends_on = None


def upgrade():
    # First: SQLite runs DDL outside the transaction, so a refusal must come before any change.
    _refuse_shared_urls()
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_id', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_sso_id'), ['sso_id'])
        # An SSO account whose newsroom email belongs to another account here has none.
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('url_hash', sa.String(length=64), nullable=True))
    _hash_existing_urls()
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.alter_column('url_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_articles_url_hash'), ['url_hash'])


def _refuse_shared_urls():
    """Stop, naming them, if several articles share a URL: which one keeps it is the newsroom's call."""
    rows = op.get_bind().execute(sa.text(
        "SELECT url, external_id FROM articles WHERE url IN "
        "(SELECT url FROM articles GROUP BY url HAVING count(*) > 1) ORDER BY url, external_id"
    )).all()
    if not rows:
        return
    shared: dict[str, list[str]] = {}
    for url, external_id in rows:
        shared.setdefault(url, []).append(external_id)
    raise RuntimeError(
        "These URLs belong to several articles each: "
        + "; ".join(f"{url} ({', '.join(ids)})" for url, ids in shared.items())
        + ". Give all but one of each its own URL (PUT /api/v1/articles/ID from the CMS, or "
        "UPDATE articles SET url = ... WHERE external_id = ...), then run `flask --app wsgi db upgrade` again."
    )


def _hash_existing_urls():
    articles = sa.table('articles', sa.column('id', sa.Integer()), sa.column('url', sa.String()),
                        sa.column('url_hash', sa.String()))
    bind = op.get_bind()
    for article_id, url in bind.execute(sa.select(articles.c.id, articles.c.url)).all():
        digest = hashlib.sha256(url.encode()).hexdigest()
        bind.execute(articles.update().where(articles.c.id == article_id).values(url_hash=digest))


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_articles_url_hash'), type_='unique')
        batch_op.drop_column('url_hash')
    # The old schema needs an email on every account: a reserved, undeliverable one (RFC 2606).
    op.execute("UPDATE users SET email = 'sso-' || CAST(id AS VARCHAR) || '@users.invalid' WHERE email IS NULL")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_users_sso_id'), type_='unique')
        batch_op.drop_column('sso_id')
