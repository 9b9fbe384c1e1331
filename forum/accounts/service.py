"""Accounts: registration, authentication, roles, and who may take part."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.accounts import retired
from forum.accounts.passwords import password_problem
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.models import Role, User, UserStatus, fold_username
from forum.schemas import RegisterBody
from forum.security import check_password, hash_password
from forum.validation import validate


class AccountExists(Conflict):
    """The username or the email belongs to an account already; which one is not said.

    One answer for both, so that registering cannot be used to learn who has an account here.
    """

    code = "account_exists"

    def __init__(self):
        super().__init__("That username or email cannot be used. Choose another username, "
                         "or log in if you already have an account.")


def register_user(username, email, password, *, display_name=None, role=Role.READER) -> User:
    """Create a user, or raise ``Invalid`` (422) or ``AccountExists`` (409).

    The fields go through the registration schema here too, so the CLI obeys the API's rules. The
    password is hashed before the database is asked, and the database's unique indexes (on the
    folded username and on the email) decide: a taken name answers as slowly as a free one, and the
    loser of two registrations racing for one name gets 409, never a 500.
    """
    fields = validate(RegisterBody, {"username": username, "email": email, "password": password,
                                     "display_name": display_name}, "json")
    username, email, password, display_name = fields.username, fields.email, fields.password, fields.display_name
    problem = password_problem(password, username)
    if problem:
        raise Invalid(problem, code="invalid_password", payload={"field": "password"})
    user = User(
        username=username,
        email=email.strip().lower(),
        password_hash=hash_password(password),
        display_name=display_name or username,
        role=Role(role),
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # The caller's error handling rolls the failed transaction back.
        raise AccountExists() from None
    # Asked after the insert: on PostgreSQL the insert waits for a deletion renaming the same name
    # to commit, and this query then sees the name it held back.
    if retired.held_back([username]):
        raise AccountExists()
    return user


def authenticate(username, password) -> User | None:
    """Return the user with these credentials, or None.

    Every call checks one password hash, known user or not, so timing does not tell them apart.
    """
    user = find_user(username) if isinstance(username, str) else None
    return user if check_password(user, password) else None


def find_user(username: str) -> User | None:
    """Return the user called ``username``, in any letter case, or None (also for a deleted account)."""
    return db.session.scalar(select(User).where(User.username_key == fold_username(username),
                                                User.deleted_at.is_(None)))


def get_user(username: str) -> User:
    """Return the user called ``username`` or raise 404."""
    user = find_user(username) if isinstance(username, str) else None
    if user is None:
        raise NotFound(f"No reader is called '{username}'.", code="user_not_found")
    return user


def set_role(user: User, role: str) -> None:
    try:
        user.role = Role(role)
    except ValueError:
        raise Invalid(f"Unknown role '{role}': use reader, moderator or admin.", code="invalid_role") from None


def ensure_can_participate(user: User) -> None:
    """Raise 403 if a sanction stops ``user`` from posting, reacting or reporting."""
    status = user.status
    if status == UserStatus.BANNED:
        raise Forbidden("Your account is banned from taking part" + _reason(user) + ".", code=UserStatus.BANNED)
    if status == UserStatus.SUSPENDED:
        until = user.suspended_until.strftime("%Y-%m-%d %H:%M UTC")
        raise Forbidden(f"Your account is suspended until {until}" + _reason(user) + ".",
                        code=UserStatus.SUSPENDED, payload={"until": user.suspended_until.isoformat() + "Z"})


def _reason(user: User) -> str:
    return f" ({user.sanction_reason})" if user.sanction_reason else ""
