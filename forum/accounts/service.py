"""Accounts: registration, authentication, roles, and who may take part."""
from sqlalchemy import func, or_, select

from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.models import Role, User
from forum.schemas import RegisterBody
from forum.security import check_password, hash_password
from forum.validation import validate


def register_user(username, email, password, *, display_name=None, role=Role.READER) -> User:
    """Create a user, or raise ``Invalid`` (422) or ``Conflict`` (409, name or email taken).

    The fields go through the registration schema here too, so the CLI obeys the API's rules.
    """
    fields = validate(RegisterBody, {"username": username, "email": email, "password": password,
                                     "display_name": display_name}, "json")
    username, password, display_name = fields.username, fields.password, fields.display_name
    email = fields.email.lower()
    taken = db.session.execute(
        select(User.username, User.email).where(
            or_(func.lower(User.username) == username.lower(), User.email == email)
        )
    ).first()
    if taken is not None:
        field = "username" if taken.username.lower() == username.lower() else "email"
        raise Conflict(f"That {field} is already taken.", code=f"{field}_taken", payload={"field": field})
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        display_name=display_name or username,
        role=Role(role),
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username, password) -> User | None:
    """Return the user with these credentials, or None."""
    if not isinstance(username, str) or not isinstance(password, str):
        return None
    user = find_user(username)
    return user if user is not None and check_password(user, password) else None


def find_user(username: str) -> User | None:
    """Return the user called ``username``, in any letter case, or None.

    The exact spelling goes through the unique index first; only a differently cased name scans
    with lower(), which no index serves.
    """
    exact = db.session.scalar(select(User).where(User.username == username))
    return exact or db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


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
    if status == "banned":
        raise Forbidden("Your account is banned from taking part" + _reason(user) + ".", code="banned")
    if status == "suspended":
        until = user.suspended_until.strftime("%Y-%m-%d %H:%M UTC")
        raise Forbidden(f"Your account is suspended until {until}" + _reason(user) + ".",
                        code="suspended", payload={"until": user.suspended_until.isoformat() + "Z"})


def _reason(user: User) -> str:
    return f" ({user.sanction_reason})" if user.sanction_reason else ""
