"""A change of address: asked for by the signed-in reader, done only when the new address's link is opened.

Until then the account keeps its address, and ``pending_email`` says which one waits. Opening the
link (``confirm_email_change``) also confirms the address (``email_verified_at``): it was just
proven to reach the reader.
"""

from flask import url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.accounts.tokens import (
    find_account_token,
    issue_account_token,
    open_account_token,
    use_account_tokens,
    withdraw_account_tokens,
)
from forum.errors import ApiError, Conflict
from forum.extensions import db
from forum.mail.service import queue_mail
from forum.models import AccountTokenPurpose, User, utcnow
from forum.security import configured_duration

PURPOSE = AccountTokenPurpose.EMAIL_CHANGE


class InvalidEmailToken(ApiError):
    status, code = 400, "invalid_email_token"

    def __init__(self):
        super().__init__("This confirmation link does not work: it was already used, it has expired, or a newer "
                         "one was sent. Ask for the change again from your settings.")


class EmailTaken(Conflict):
    """The address belongs to another account.

    Saying so tells the signed-in reader that the address has an account here, as registration
    already does (``account_exists``); only a signed-in reader can ask, each asking counts against
    the account's ``RATELIMIT_EMAIL_CHANGE``, and a reader who is not told why cannot fix it.
    """

    code = "email_taken"

    def __init__(self):
        super().__init__("Another account uses that email address: choose another.",
                         payload={"field": "email"})


def check_email_change(user: User, email: str) -> None:
    """Raise ``EmailTaken`` if another account than ``user`` has ``email``."""
    if db.session.scalar(select(User.id).where(User.email == email)) not in (None, user.id):
        raise EmailTaken()


def request_email_change(user: User, email: str) -> None:
    """Mail ``email`` the link that moves ``user`` there, in place of any earlier one, and tell the old address.

    The notice lets the owner of an account taken over by a stolen session see the change coming.
    """
    withdraw_account_tokens(user, PURPOSE)
    lifetime = configured_duration("EMAIL_CHANGE_LINK_LIFETIME")
    secret = issue_account_token(user, PURPOSE, lifetime, email=email)
    queue_mail(email, "Confirm your new email address", "email_change",
               {"name": user.display_name, "new_email": email, "hours": round(lifetime.total_seconds() / 3600),
                "confirm_url": url_for("settings.confirm_email", token=secret, _external=True)}, user=user)
    if user.email:
        queue_mail(user.email, "Your email address is about to change", "email_change_notice",
                   {"name": user.display_name, "new_email": email,
                    "settings_url": url_for("settings.show", _external=True)}, user=user)


def pending_email(user: User) -> str | None:
    """Return the address ``user`` asked to move to and has not confirmed yet, or None."""
    token = open_account_token(user, PURPOSE)
    return token.email if token is not None else None


def pending_email_for_link(secret: str) -> str | None:
    """Return the new address the link ``secret`` would confirm, changing nothing; None if it opens nothing."""
    token = find_account_token(secret, PURPOSE)
    return token.email if token is not None else None


def confirm_email_change(secret: str) -> User:
    """Move the account of the link ``secret`` to the address it was sent to, and mark that confirmed.

    :raise InvalidEmailToken: unknown, malformed, used, superseded or expired.
    :raise EmailTaken: another account took the address since the link was sent.
    """
    token = find_account_token(secret, PURPOSE)
    user = db.session.get(User, token.user_id) if token is not None else None
    if user is None or user.deleted_at is not None or not use_account_tokens(token):
        raise InvalidEmailToken()
    check_email_change(user, token.email)
    user.email = token.email
    user.email_verified_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:
        # Another account confirmed the same address at the same moment; the caller rolls back.
        raise EmailTaken() from None
    return user

