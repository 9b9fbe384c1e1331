"""Confirming a reader's address: a link mailed at registration (valid 7 days, used once), and the
requirement that keeps unconfirmed local accounts from commenting.

The requirement is on when the deployment's config says so (REQUIRE_VERIFIED_EMAIL) or when a
requirement registered at start-up does (``register_confirmation_requirement``: the desk's setting
``require_verified_email``, which admins change at run time). An SSO account's address is confirmed
at sign-in: the newsroom vouches for it (forum.accounts.sso).
"""
from collections.abc import Callable
from datetime import timedelta

from flask import current_app, url_for

from forum.accounts.tokens import issue_account_token, mailed_account, use_account_tokens
from forum.errors import ApiError, Conflict, Forbidden
from forum.mail.service import queue_mail
from forum.models import AccountTokenPurpose, User, utcnow

CONFIRMATION_LIFETIME = timedelta(days=7)
_REQUIREMENTS = "parley.confirmation_requirements"


class InvalidEmailToken(ApiError):
    """A confirmation token that is unknown, used, expired or malformed, or for another address."""

    status, code = 400, "invalid_email_token"

    def __init__(self):
        super().__init__("This confirmation link is not valid: it was used already, is older than a week, "
                         "or was not copied whole. Ask for a new one.")


def send_confirmation(user: User) -> None:
    """Mail ``user`` a link that confirms their address (in the caller's transaction)."""
    token = issue_account_token(user, AccountTokenPurpose.EMAIL_VERIFICATION, CONFIRMATION_LIFETIME)
    queue_mail(user.email, "Confirm your address for Parley", "confirm_email", {
        "name": user.display_name, "confirm_url": url_for("accounts.confirm_email", token=token, _external=True),
    })


def send_new_confirmation(user: User) -> None:
    """Mail a new confirmation link to a signed-in reader who asks.

    :raise Conflict: the address is confirmed already, or the account has none.
    """
    if not user.email:
        raise Conflict("Your account has no email address to confirm.", code="no_email")
    if user.email_verified_at is not None:
        raise Conflict("Your address is confirmed already.", code="email_already_confirmed")
    send_confirmation(user)


def _valid_confirmation(token):
    # A link to an address the account no longer has confirms nothing.
    found = mailed_account(token, AccountTokenPurpose.EMAIL_VERIFICATION)
    if found is None:
        raise InvalidEmailToken()
    return found


def account_to_confirm(token) -> User:
    """Return the account whose address a valid confirmation ``token`` confirms.

    :raise InvalidEmailToken: unknown, used, expired or malformed, or for another address.
    """
    return _valid_confirmation(token)[1]


def confirm_email(token) -> User:
    """Confirm the address the link ``token`` was mailed to, and use up the account's links.

    :raise InvalidEmailToken: see ``account_to_confirm``.
    """
    row, user = _valid_confirmation(token)
    if not use_account_tokens(row):
        raise InvalidEmailToken()
    user.email_verified_at = user.email_verified_at or utcnow()
    return user


def register_confirmation_requirement(app, is_required: Callable[[], bool]) -> None:
    """Add a run-time say in whether commenting needs a confirmed address: ``is_required()`` is asked
    on each comment (the desk registers its setting ``require_verified_email``)."""
    app.extensions.setdefault(_REQUIREMENTS, []).append(is_required)


def is_confirmation_required() -> bool:
    """Return whether local accounts must confirm their address before commenting: the config forces
    it on (REQUIRE_VERIFIED_EMAIL), else any registered requirement may turn it on."""
    if current_app.config["REQUIRE_VERIFIED_EMAIL"]:
        return True
    return any(is_required() for is_required in current_app.extensions.get(_REQUIREMENTS, ()))


def needs_confirmation(user: User) -> bool:
    """Return whether ``user`` must confirm an address before commenting (``is_confirmation_required``)."""
    return user.sso_id is None and user.email_verified_at is None and is_confirmation_required()


def ensure_email_confirmed(user: User) -> None:
    """Raise 403 ``email_unverified`` if ``user`` must confirm an address before commenting."""
    if needs_confirmation(user):
        raise Forbidden(f"Confirm your email address before you comment: open the link we mailed to {user.email}. "
                        "No mail? Ask for a new link on the page /confirm-email "
                        "(or POST /api/v1/me/email/verification).", code="email_unverified")
