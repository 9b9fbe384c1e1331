"""Who may use the moderation desk: the forum's staff checks, and the admins' requirement of two-factor sign-in.

With the desk setting ``require_staff_two_factor`` on, a moderator or admin without two-factor
sign-in is refused the desk until they turn it on: 403 ``two_factor_required`` from its API, and
its pages send them to /settings, where they can. An account that signs in through the newsroom
(SSO) is not offered two-factor sign-in here: the newsroom's own sign-in vouches for it.
"""
from functools import wraps

from flask import flash, redirect, url_for
from flask_login import current_user

from forum import security
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


def _two_factor_checked(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if lacks_required_two_factor(current_user):
            if wants_json():
                raise TwoFactorRequired()
            flash(TWO_FACTOR_MESSAGE, "warning")
            return redirect(url_for("settings.show", _anchor="two-factor"))
        return view(*args, **kwargs)

    return wrapped


def moderator_required(view):
    """Let active moderators and admins through (``forum.security.moderator_required``), with two-factor
    sign-in where the desk requires it."""
    return security.moderator_required(_two_factor_checked(view))


def admin_required(view):
    """Let active admins through (``forum.security.admin_required``), with two-factor sign-in where the
    desk requires it."""
    return security.admin_required(_two_factor_checked(view))


def check_settings_change(admin: User, changes: dict) -> None:
    """Refuse to require two-factor sign-in of staff from an admin who signs in without it.

    Otherwise the change would lock its own author out of the desk at once.
    """
    if changes.get("require_staff_two_factor") and admin.sso_id is None and not admin.two_factor_enabled:
        raise TwoFactorRequired("Turn on two-factor sign-in for your own account first (/settings), then require "
                                "it of the other moderators and admins.")
