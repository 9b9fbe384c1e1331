"""Password reset by mail: a link valid for an hour, used once, that ends every sign-in of the account.

Asking answers the same whether or not the address has an account, and does the same work (a
token made, a mail rendered), so neither the answer nor its timing says who is registered here.
"""
import secrets
from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from forum.accounts.passwords import password_problem
from forum.accounts.tokens import issue_account_token, mailed_account, use_account_tokens
from forum.errors import ApiError, Invalid
from forum.extensions import db
from forum.mail.service import queue_mail, render_mail
from forum.models import AccountToken, AccountTokenPurpose, User, utcnow
from forum.security import hash_password, sign_out_everywhere

RESET_LIFETIME = timedelta(hours=1)
SUBJECT = "Set a new Parley password"
#: The one answer to a reset request, known address or not.
RESET_REQUESTED = "If an account has that address, a link to set a new password is on its way. It works for an hour."


class InvalidResetToken(ApiError):
    """A reset token that is unknown, used, expired or malformed."""

    status, code = 400, "invalid_reset_token"

    def __init__(self):
        super().__init__("This password reset link is not valid: it was used already, is older than an hour, "
                         "or was not copied whole. Ask for a new one.")


def _resettable(email: str) -> User | None:
    """Return the account with ``email`` that signs in with a password, or None (SSO-only, deleted, unknown)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.deleted_at is not None or not user.has_password:
        return None
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link to ``email`` if a password account has that address; otherwise do the same work."""
    user = _resettable(email)
    if user is None:
        token = secrets.token_urlsafe(32)
        # Rendered and thrown away: an unknown address costs what a known one does.
        render_mail(email, SUBJECT, "password_reset", {"name": email, "reset_url": _link(token)})
        return
    token = issue_account_token(user, AccountTokenPurpose.PASSWORD_RESET, RESET_LIFETIME)
    queue_mail(user.email, SUBJECT, "password_reset", {"name": user.display_name, "reset_url": _link(token)})


def _link(token: str) -> str:
    return url_for("accounts.reset_password", token=token, _external=True)


def _valid_reset(token) -> tuple[AccountToken, User]:
    found = mailed_account(token, AccountTokenPurpose.PASSWORD_RESET)
    if found is None:
        raise InvalidResetToken()
    return found


def reset_account(token) -> User:
    """Return the account a valid, unused reset ``token`` is for.

    :raise InvalidResetToken: unknown, used, expired or malformed, or sent to an address the
        account no longer has.
    """
    return _valid_reset(token)[1]


def reset_password(token, password) -> User:
    """Set ``password`` on the account of ``token``, use up its reset links, and end all its sign-ins.

    Following the link proves the address too, so an unconfirmed one becomes confirmed.

    :raise InvalidResetToken: see ``reset_account``.
    :raise Invalid: the password breaks the registration rules (the link stays usable).
    """
    row, user = _valid_reset(token)
    problem = password_problem(password, user.username)
    if problem:
        raise Invalid(problem, code="invalid_password", payload={"field": "password"})
    if not use_account_tokens(row):
        raise InvalidResetToken()
    user.password_hash = hash_password(password)
    user.email_verified_at = user.email_verified_at or utcnow()
    sign_out_everywhere(user)
    return user
