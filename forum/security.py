"""Passwords, bearer tokens, sign-ins, who the caller is, and who may do what."""
import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import cache, wraps
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from forum.errors import Forbidden, Unauthorized
from forum.extensions import db, login_manager
from forum.models import ApiToken, User, UserSession, UserStatus, utcnow


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password(user: User | None, password) -> bool:
    """Return whether ``password`` is ``user``'s; with no user, spend the same time and say no.

    An unknown username (or an account that signs in only through the newsroom) then answers as
    slowly as a wrong password, so timing tells nobody which names have accounts.
    """
    if user is None or not isinstance(password, str) or not user.has_password:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), "")
        return False
    return check_password_hash(user.password_hash, password)


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def digest(secret: str) -> str:
    """Return what is stored of a secret handed out (a token, a session id, a mailed link): its SHA-256 in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def configured_duration(config_key: str) -> timedelta:
    """Return a duration from the config, given as a timedelta or (from the environment) seconds."""
    value = current_app.config[config_key]
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


def _prune_expired(user: User) -> None:
    # Each new sign-in sweeps the reader's own dead rows, so the tables do not grow for ever.
    now = utcnow()
    for model in (ApiToken, UserSession):
        db.session.execute(delete(model).where(model.user_id == user.id, model.expires_at <= now))


def issue_token(user: User) -> str:
    """Create a bearer token for ``user`` that lasts ``API_TOKEN_LIFETIME``; only its digest is kept."""
    _prune_expired(user)
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=digest(token),
                            expires_at=utcnow() + configured_duration("API_TOKEN_LIFETIME")))
    return token


def bearer_token() -> str | None:
    """Return the request's bearer token, if it sent one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_row(token: str) -> ApiToken | None:
    """Return the unexpired token row for ``token``, or None (also for a deleted account's)."""
    row = db.session.scalar(select(ApiToken).where(
        ApiToken.token_hash == digest(token), ApiToken.expires_at > utcnow()))
    return row if row is not None and row.user.deleted_at is None else None


def sign_in(user: User, *, remember: bool) -> None:
    """Sign ``user`` in on the pages with a new server-side session that logging out ends."""
    _prune_expired(user)
    user.session_token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=digest(user.session_token),
                               expires_at=utcnow() + configured_duration("REMEMBER_COOKIE_DURATION")))
    login_user(user, remember=remember)


def sign_out() -> None:
    """End this request's page session on the server and forget its cookies."""
    # Flask-Login loads the user (and so finds the session row) only when asked.
    row = getattr(g, "user_session", None) if current_user.is_authenticated else None
    if row is not None:
        # A bulk delete, so that two tabs logging out at once both succeed.
        db.session.execute(delete(UserSession).where(UserSession.id == row.id))
    logout_user()


def sign_out_everywhere(user: User) -> None:
    """End every session and bearer token of ``user``, this request's included when it is theirs
    (a moderator deleting another reader's account stays signed in)."""
    for model in (ApiToken, UserSession):
        db.session.execute(delete(model).where(model.user_id == user.id))
    row = getattr(g, "user_session", None)
    if row is not None and row.user_id == user.id:
        logout_user()


def sign_out_other_sessions(user: User) -> None:
    """End every session and bearer token of ``user`` except the one this request is signed in with."""
    for model, current in ((ApiToken, g.get("api_token")), (UserSession, g.get("user_session"))):
        ending = delete(model).where(model.user_id == user.id)
        if current is not None:
            ending = ending.where(model.id != current.id)
        db.session.execute(ending)


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """Load the reader of an unexpired page session (from the session or the remember cookie)."""
    row = db.session.scalar(select(UserSession).where(
        UserSession.token_hash == digest(session_id), UserSession.expires_at > utcnow()))
    # Deleting an account ends its sessions; a deleted account is refused here as well, whatever else wrote one.
    if row is None or row.user.deleted_at is not None:
        return None
    g.user_session = row
    row.user.session_token = session_id
    return row.user


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


_STAFF_GUARDS = "parley.staff_guards"


def register_staff_guard(app, guard: Callable[[User], object]) -> None:
    """Add a check that every staff route of ``app`` runs after the role and the sanctions (the desk
    registers its requirement of two-factor sign-in): ``guard(user)`` returns None to let the user
    through, or a response to send instead, or raises an ApiError."""
    app.extensions.setdefault(_STAFF_GUARDS, []).append(guard)


def _role_required(allowed, message: str):
    """Make a decorator that lets through users for whom ``allowed(user)``; 401 anonymous, 403 others.

    A banned or suspended account is refused whatever its role: a sanction stops moderating too.
    Then the app's staff guards (``register_staff_guard``) have their say.
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
            for guard in current_app.extensions.get(_STAFF_GUARDS, ()):
                refused = guard(user)
                if refused is not None:
                    return refused
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
