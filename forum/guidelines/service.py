"""Read and change the guidelines; every worker reads the same row, so an edit shows at once everywhere."""
from datetime import datetime
from functools import cache
from pathlib import Path

from forum.extensions import db
from forum.guidelines.models import SiteText
from forum.models import User, utcnow

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
    row = db.session.get(SiteText, NAME) or SiteText(name=NAME)
    row.body, row.updated_by_id, row.updated_at = text, admin.id, utcnow()
    db.session.add(row)
    db.session.flush()
    return row.body, row.updated_at
