"""Read and change the guidelines; every worker reads the same row, so an edit shows at once everywhere."""
from datetime import datetime
from functools import cache
from pathlib import Path

from forum.extensions import db
from forum.guidelines.models import SiteText
from forum.models import User, utcnow
from forum.sql import upsert

NAME = "guidelines"
#: The longest text an admin may save (a page of rules, not a book).
MAX_LENGTH = 20_000


@cache
def default_text() -> str:
    """Return the guidelines Parley ships, for a newsroom that has not written its own."""
    return (Path(__file__).with_name("default.txt")).read_text(encoding="utf-8").strip()


def current() -> tuple[str, datetime | None]:
    """Return the guidelines in force and when an admin last changed them (None: the default)."""
    row = db.session.get(SiteText, NAME)
    return (row.body, row.updated_at) if row is not None else (default_text(), None)


def replace_text(text: str, admin: User) -> tuple[str, datetime]:
    """Store ``text`` (validated) as the guidelines, in the current transaction."""
    now = utcnow()
    # An upsert: two admins first replacing the default at once both succeed (the later wins), where
    # an INSERT of each failed one on the primary key.
    upsert(SiteText, name=NAME, body=text, updated_by_id=admin.id, updated_at=now)
    return text, now
