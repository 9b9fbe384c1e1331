"""Passwords, bearer tokens, who the caller is, and who may do what."""
import hashlib
import secrets
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from forum.errors import Forbidden, Unauthorized
from forum.extensions import db, login_manager
from forum.models import ApiToken, User, UserStatus


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> str:
    """Create a bearer token for ``user``; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token)))
    return token


def bearer_token() -> str | None:
    """Return the request's bearer token, if it sent one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_row(token: str) -> ApiToken | None:
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


@login_manager.request_loader
def _load_user_from_token(req) -> User | None:
    token = bearer_token()
    if token is None:
        return None
    row = token_row(token)
    if row is None:
        return None
    g.api_token = row
    return row.user


def authenticated_user() -> User:
    """Return the signed-in user, or raise 401."""
    if not current_user.is_authenticated:
        raise Unauthorized("Log in first (a session, or Authorization: Bearer TOKEN).")
    return current_user._get_current_object()


def can_moderate(user: User) -> bool:
    """Return whether ``user`` may use the moderation desk: staff, and neither banned nor suspended."""
    return user.is_moderator and user.status == UserStatus.ACTIVE


def _role_required(allowed, message: str):
    """Make a decorator that lets through users for whom ``allowed(user)``; 401 anonymous, 403 others.

    A banned or suspended account is refused whatever its role: a sanction stops moderating too.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = authenticated_user()
            if not allowed(user):
                raise Forbidden(message)
            if user.status != UserStatus.ACTIVE:
                raise Forbidden(f"Your account is {user.status}: it cannot moderate until that ends.",
                                code=user.status.value)
            return view(*args, **kwargs)

        return wrapped

    return decorator


#: Let active moderators and admins through; 401 for anonymous visitors, 403 for readers and the sanctioned.
moderator_required = _role_required(lambda user: user.is_moderator, "Only moderators can do this.")
#: Let active admins through; 401 for anonymous visitors, 403 for everyone else.
admin_required = _role_required(lambda user: user.is_admin, "Only admins can do this.")


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
