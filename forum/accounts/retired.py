"""Deleted accounts' usernames, held back for a cooling-off period so that nobody can take over a
deleted reader's name at once and pass for them (``ACCOUNT_NAME_COOLING_OFF_DAYS``)."""
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from forum.extensions import db
from forum.models import RetiredUsername, fold_username, utcnow


def retire(username: str) -> None:
    """Hold ``username`` back from registration and SSO until the cooling-off period ends."""
    now = utcnow()
    # Names whose time is over are swept here, so the table holds only names still held back.
    db.session.execute(delete(RetiredUsername).where(RetiredUsername.free_at <= now))
    free_at = now + timedelta(days=int(current_app.config["ACCOUNT_NAME_COOLING_OFF_DAYS"]))
    # merge: a name freed, taken again and deleted again is held back once more from now.
    db.session.merge(RetiredUsername(username_key=fold_username(username), free_at=free_at))


def held_back(usernames: Iterable[str]) -> set[str]:
    """Return the folded forms of those of ``usernames`` that are still held back."""
    keys = {fold_username(name) for name in usernames}
    if not keys:
        return set()
    return set(db.session.scalars(select(RetiredUsername.username_key).where(
        RetiredUsername.username_key.in_(keys), RetiredUsername.free_at > utcnow())))
