"""Single-use links mailed to a reader (``AccountToken``): issued, counted and redeemed by purpose.

The link carries 32 random bytes (urlsafe base64); only their SHA-256 is stored, with the address
the link was sent to, so a database leak gives nobody a working link.
"""
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from forum.extensions import db
from forum.models import AccountToken, AccountTokenPurpose, User, utcnow
from forum.security import digest

#: What ``secrets.token_urlsafe(32)`` gives: 43 characters of the urlsafe base64 alphabet. Anything
#: else opens nothing, and is never hashed (a lone surrogate cannot even be encoded).
LINK_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}\Z")


def issue_account_token(user: User, purpose: AccountTokenPurpose, email: str, lifetime: timedelta) -> str:
    """Create a link token of ``purpose`` for ``user``, sent to ``email``; return the secret to mail.

    The user's expired tokens of that purpose go first, so the table does not grow for ever.
    """
    now = utcnow()
    db.session.execute(delete(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.expires_at <= now))
    secret = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=digest(secret), email=email,
                                created_at=now, expires_at=now + lifetime))
    return secret


def withdraw_account_tokens(user: User, purpose: AccountTokenPurpose) -> None:
    """Spend every open token of ``purpose`` of ``user``, so that only a newer link works."""
    db.session.execute(update(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=utcnow()))


def open_account_token(user: User, purpose: AccountTokenPurpose) -> AccountToken | None:
    """Return the newest unused, unexpired token of ``purpose`` of ``user``, or None."""
    return db.session.scalar(select(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None),
        AccountToken.expires_at > utcnow()).order_by(AccountToken.id.desc()).limit(1))


def account_tokens_issued_since(user: User, purpose: AccountTokenPurpose, since: datetime) -> int:
    """Count the tokens of ``purpose`` issued to ``user`` since ``since``, used or not."""
    return db.session.scalar(select(func.count()).select_from(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.created_at > since))


def find_account_token(secret: str, purpose: AccountTokenPurpose) -> AccountToken | None:
    """Return the unused, unexpired token of ``purpose`` that ``secret`` opens, or None."""
    if not isinstance(secret, str) or not LINK_TOKEN_RE.match(secret):
        return None
    return db.session.scalar(select(AccountToken).where(
        AccountToken.token_hash == digest(secret), AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow()))


def redeem_account_token(secret: str, purpose: AccountTokenPurpose) -> AccountToken | None:
    """Mark the token ``secret`` opens as used and return it; None if it is unknown, used or expired.

    A conditional update, so that of two requests redeeming one link at once only one succeeds.
    """
    row = find_account_token(secret, purpose)
    if row is None:
        return None
    spent = db.session.execute(update(AccountToken).where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
                               .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return row if spent.rowcount == 1 else None
