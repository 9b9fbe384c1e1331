"""Article URLs with their scheme and host in lower case, as the API now stores them

Scheme and host are case-insensitive (RFC 3986, 6.2.2.1), and the publisher API now folds them
(forum.validation.normalise_url) before it stores a URL and compares its digest. A URL stored
before with capitals in its host would otherwise keep a digest no folded URL has, and another
article could then take the same address in lower case.

Revision ID: d9e0f1a2b3c4
Revises: c8d9e0f1a2b3
Create Date: 2026-12-04 02:00:00
"""
import hashlib
import re
import string

import sqlalchemy as sa
from alembic import op

revision = "d9e0f1a2b3c4"
down_revision = "c8d9e0f1a2b3"
branch_labels = None
depends_on = None

# The rule as it stood when this revision was written (a migration keeps its own copy).
_URL_PARTS_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(.*)\Z", re.DOTALL)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _folded(url: str) -> str:
    match = _URL_PARTS_RE.match(url)
    if match is None:
        return url
    scheme, authority, rest = match.groups()
    userinfo, at, host = authority.rpartition("@")
    return f"{scheme.translate(_ASCII_LOWER)}://{userinfo}{at}{host.translate(_ASCII_LOWER)}{rest}"


def upgrade():
    articles = sa.table("articles", sa.column("id", sa.Integer()), sa.column("external_id", sa.String()),
                        sa.column("url", sa.String()), sa.column("url_hash", sa.String()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(articles.c.id, articles.c.external_id, articles.c.url)
                        .order_by(articles.c.external_id)).all()
    owners: dict[str, list[str]] = {}
    for _, external_id, url in rows:
        owners.setdefault(_folded(url), []).append(external_id)
    shared = {url: ids for url, ids in owners.items() if len(ids) > 1}
    if shared:
        # Before any change: which article keeps the address is the newsroom's call.
        raise RuntimeError(
            "These URLs differ only in the case of their scheme or host, and so are one address, but "
            "belong to several articles each: "
            + "; ".join(f"{url} ({', '.join(ids)})" for url, ids in shared.items())
            + ". Give all but one of each its own URL (PUT /api/v1/articles/ID from the CMS), then run "
            "`flask --app wsgi db upgrade` again."
        )
    for article_id, _, url in rows:
        folded = _folded(url)
        if folded != url:
            bind.execute(articles.update().where(articles.c.id == article_id).values(
                url=folded, url_hash=hashlib.sha256(folded.encode()).hexdigest()))


def downgrade():
    # The folded URLs are as valid under the previous revision: nothing to undo.
    pass
