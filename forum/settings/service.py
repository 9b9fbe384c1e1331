"""Change a reader's own account: every rule is checked before anything is written, so one bad field changes nothing."""
from forum.accounts.passwords import password_problem
from forum.errors import Conflict, Forbidden, Invalid
from forum.models import MAIL_PREFERENCES, User
from forum.security import check_password, hash_password, sign_out_other_sessions
from forum.settings.email_change import check_email_change, request_email_change


class ManagedByNewsroom(Conflict):
    """An account that signs in through the newsroom (SSO) takes its name and address from the
    newsroom's token at every sign-in, and has no Parley password."""

    code = "managed_by_newsroom"


class WrongPassword(Forbidden):
    code = "wrong_password"

    def __init__(self):
        super().__init__("That is not your current password.", payload={"field": "current_password"})


def update_account(user: User, *, display_name: str | None = None, email: str | None = None,
                   password: str | None = None, current_password: str | None = None,
                   notifications: dict[str, bool] | None = None) -> str | None:
    """Apply the given changes to ``user``'s account; None leaves a field as it is.

    Return the new address a confirmation link was mailed to, if one was.

    A new ``email`` is only asked for: a link goes to it, and the address changes when it is
    opened. A new ``password`` needs the ``current_password`` and ends every other sign-in of the
    account, keeping the request's own.

    :raise ManagedByNewsroom: a change of name, address or password of an SSO account (409).
    :raise WrongPassword: ``current_password`` is not the account's (403).
    :raise Invalid: the new password breaks a rule, or one of the pair is missing (422).
    :raise EmailTaken: another account has ``email`` (409).
    """
    if email is not None:
        email = email.strip().lower()
        if email == user.email:
            email = None
    if display_name == user.display_name:
        display_name = None
    changes_password = password is not None or current_password is not None
    _check_newsroom_fields(user, display_name, email, changes_password)
    if changes_password:
        _check_password_change(user, password, current_password)
    if email is not None:
        check_email_change(user, email)

    if display_name is not None:
        user.display_name = display_name
    for key, value in (notifications or {}).items():
        setattr(user, MAIL_PREFERENCES[key], value)
    if password is not None:
        user.password_hash = hash_password(password)
        sign_out_other_sessions(user)
    if email is not None:
        request_email_change(user, email)
    return email


def _check_newsroom_fields(user: User, display_name: str | None, email: str | None, changes_password: bool) -> None:
    if user.sso_id is None:
        return
    if display_name is not None or email is not None:
        field = "display_name" if display_name is not None else "email"
        raise ManagedByNewsroom("Your name and email address come from the newsroom's site, which you sign in "
                                "with: change them there.", payload={"field": field})
    if changes_password:
        raise ManagedByNewsroom("You sign in through the newsroom's site, so your account has no Parley password: "
                                "change it there.", payload={"field": "password"})


def _check_password_change(user: User, password: str | None, current_password: str | None) -> None:
    if current_password is None:
        raise Invalid("Give your current password to choose a new one.", code="missing_field",
                      payload={"field": "current_password"})
    if password is None:
        raise Invalid("Give the new password with your current one.", code="missing_field",
                      payload={"field": "password"})
    if not check_password(user, current_password):
        raise WrongPassword()
    problem = password_problem(password, user.username)
    if problem:
        raise Invalid(problem, code="invalid_password", payload={"field": "password"})
