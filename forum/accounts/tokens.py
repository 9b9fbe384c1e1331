"""Single-use links mailed to a reader (password reset, confirming an address): 32 random bytes in
the link, only their SHA-256 in ``account_tokens``, with the address the link was sent to."""
import secrets
from datetime import timedelta

from sqlalchemy import delete, or_, select, update

from forum.extensions import db
from forum.models import AccountToken, AccountTokenPurpose, User, utcnow
from forum.security import digest

#: Far longer than any token made here (43 characters); a longer one is not even hashed.
TOKEN_MAX_LENGTH = 100


def issue_account_token(user: User, purpose: AccountTokenPurpose, lifetime: timedelta, *,
                        email: str | None = None) -> str:
    """Make a link token for ``user`` valid for ``lifetime``, sent to ``email`` (theirs by default).

    Earlier links of the same purpose stay valid until they expire or one is used (unless the
    caller withdraws them, ``withdraw_account_tokens``); the account's dead ones (expired or used)
    are swept here, so the table does not grow for ever.
    """
    now = utcnow()
    db.session.execute(delete(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose,
        or_(AccountToken.expires_at <= now, AccountToken.used_at.is_not(None))))
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=digest(token),
                                email=email or user.email, created_at=now, expires_at=now + lifetime))
    return token


def find_account_token(token, purpose: AccountTokenPurpose) -> AccountToken | None:
    """Return the unused, unexpired token row of ``purpose`` for ``token``, or None."""
    # Not a string, or too long to be one of ours: nothing to look up (and a lone surrogate
    # cannot even be encoded to be hashed).
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH or not token.isascii():
        return None
    return db.session.scalar(select(AccountToken).where(
        AccountToken.token_hash == digest(token), AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow()))


def mailed_account(token, purpose: AccountTokenPurpose) -> tuple[AccountToken, User] | None:
    """Return the token row and its account for a usable link: unused, unexpired, of an account that
    still exists and still has the address the link was mailed to (else None)."""
    row = find_account_token(token, purpose)
    user = db.session.get(User, row.user_id) if row is not None else None
    if user is None or user.deleted_at is not None or user.email != row.email:
        return None
    return row, user


def open_account_token(user: User, purpose: AccountTokenPurpose) -> AccountToken | None:
    """Return the newest unused, unexpired token of ``purpose`` of ``user``, or None."""
    return db.session.scalar(select(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None),
        AccountToken.expires_at > utcnow()).order_by(AccountToken.id.desc()).limit(1))


def withdraw_account_tokens(user: User, purpose: AccountTokenPurpose) -> None:
    """Spend every open token of ``purpose`` of ``user``, so that only a link issued after this works."""
    db.session.execute(update(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=utcnow()))


def use_account_tokens(row: AccountToken) -> bool:
    """Mark ``row`` used, with every other unused link of its account and purpose; return whether
    ``row`` was still unused (of two requests racing with one link, only one wins)."""
    now = utcnow()
    claimed = db.session.execute(update(AccountToken).where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
                                 .values(used_at=now))
    if claimed.rowcount != 1:
        return False
    db.session.execute(update(AccountToken).where(
        AccountToken.user_id == row.user_id, AccountToken.purpose == row.purpose, AccountToken.used_at.is_(None))
        .values(used_at=now))
    return True
