"""The admins' requirements of accounts: two-factor sign-in for staff, a confirmed address for commenting.

With the desk setting ``require_staff_two_factor`` on, a moderator or admin without two-factor
sign-in is refused every staff route (the desk's, and the forum's own: a story's moderation mode,
the guidelines, webhooks) until they turn it on: 403 ``two_factor_required`` from the API, and the
pages send them to /settings, where they can. The forum's staff checks run the guard, which the
desk registers at start-up. An account that signs in through the newsroom (SSO) is not offered
two-factor sign-in here: the newsroom's own sign-in vouches for it.

With the desk setting ``require_verified_email`` on, a local account whose address is not confirmed
cannot comment (403 ``email_unverified``): the forum asks the requirement the desk registers at
start-up (``forum.accounts.verification``), which also exempts SSO accounts.
"""
from flask import flash, redirect, url_for

from forum.errors import Forbidden, wants_json
from forum.models import User
from moderation import settings

TWO_FACTOR_MESSAGE = ("The desk requires two-factor sign-in for moderators and admins: turn it on in your "
                      "settings (/settings) to use the desk.")


class TwoFactorRequired(Forbidden):
    code = "two_factor_required"

    def __init__(self, message: str = TWO_FACTOR_MESSAGE):
        super().__init__(message)


def lacks_required_two_factor(user: User) -> bool:
    """Return whether the desk requires two-factor sign-in and ``user`` signs in without it."""
    return user.sso_id is None and not user.two_factor_enabled and settings.get("require_staff_two_factor")


def two_factor_guard(user: User):
    """Refuse a staff route to ``user`` while the desk requires two-factor sign-in they lack (a staff
    guard, ``forum.security.register_staff_guard``): 403 to the API, /settings to the pages."""
    if not lacks_required_two_factor(user):
        return None
    if wants_json():
        raise TwoFactorRequired()
    flash(TWO_FACTOR_MESSAGE, "warning")
    return redirect(url_for("settings.show", _anchor="two-factor"))


def is_verified_email_required() -> bool:
    """Return whether the desk requires a confirmed address before commenting (a requirement for
    ``forum.accounts.verification.register_confirmation_requirement``)."""
    return bool(settings.get("require_verified_email"))


def check_settings_change(admin: User, changes: dict) -> None:
    """Refuse to require two-factor sign-in of staff from an admin who signs in without it.

    Otherwise the change would lock its own author out of the desk at once.
    """
    if changes.get("require_staff_two_factor") and admin.sso_id is None and not admin.two_factor_enabled:
        raise TwoFactorRequired("Turn on two-factor sign-in for your own account first (/settings), then require "
                                "it of the other moderators and admins.")
