"""The /login sign-in that waits for its second factor: kept in the signed session for five minutes.

It names the account and when it lapses, and is not a sign-in: Flask-Login knows nothing of it
until the code is right and ``forum.security.sign_in`` makes the session.
"""
import time

from flask import session

from forum.accounts.two_factor import PENDING_SIGN_IN_SECONDS
from forum.extensions import db
from forum.models import User

_KEY = "two_factor_sign_in"


def hold_sign_in(user: User) -> None:
    """Remember that ``user`` gave the right password, until the code comes or five minutes pass."""
    session[_KEY] = {"user_id": user.id, "username": user.username,
                     "until": int(time.time()) + PENDING_SIGN_IN_SECONDS}


def _held() -> dict | None:
    held = session.get(_KEY)
    if not isinstance(held, dict) or held.get("until", 0) <= time.time():
        return None
    return held


def held_username() -> str | None:
    """Return the username of the sign-in waiting for its code, or None (for the login budget per account)."""
    held = _held()
    return held["username"] if held else None


def held_user() -> User | None:
    """Return the account whose sign-in waits for its code, or None when none waits or it lapsed."""
    held = _held()
    user = db.session.get(User, held["user_id"]) if held else None
    if user is None or user.deleted_at is not None or not user.two_factor_enabled:
        return None
    return user


def drop_sign_in() -> None:
    session.pop(_KEY, None)
