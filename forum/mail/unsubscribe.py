"""One-click unsubscribe (RFC 8058): a signed token names a reader and a kind of mail, and is the
only authority the link needs (no login, no CSRF token)."""
from flask import current_app, url_for
from itsdangerous import BadData, URLSafeSerializer

from forum.errors import ApiError, NotFound
from forum.extensions import db
from forum.models import User

SALT = "parley.mail.unsubscribe"
#: The kinds of notification mail, and the preference each turns off.
PREFERENCES = {"reply": "mail_reply", "decision": "mail_decision", "followed": "mail_followed"}
#: What the pages call each kind.
KIND_LABELS = {"reply": "replies to your comments", "decision": "moderators' decisions on your comments",
               "followed": "the digest of readers you follow"}


class InvalidUnsubscribeLink(ApiError):
    """A token this app did not sign (forged, cut short, or for another site)."""

    status, code = 400, "invalid_unsubscribe_token"

    def __init__(self):
        super().__init__("This unsubscribe link is damaged: copy the whole link from the mail, "
                         "or turn mail off in your settings.")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_url(user: User, kind: str) -> str:
    """Return the absolute link that turns ``kind`` mail off for ``user``; it does not expire."""
    if kind not in PREFERENCES:
        raise ValueError(f"no mail preference for {kind!r}: use one of {', '.join(PREFERENCES)}")
    token = _serializer().dumps({"user": user.id, "kind": kind})
    return url_for("unsubscribe.confirm", token=token, _external=True)


def read_token(token: str) -> tuple[User, str]:
    """Return the reader and the kind of mail ``token`` names.

    :raise InvalidUnsubscribeLink: a forged, damaged or foreign token.
    :raise NotFound: its account no longer exists (or was deleted).
    """
    try:
        claims = _serializer().loads(token)
    except BadData:
        raise InvalidUnsubscribeLink() from None
    if not isinstance(claims, dict) or claims.get("kind") not in PREFERENCES or type(claims.get("user")) is not int:
        raise InvalidUnsubscribeLink()
    user = db.session.get(User, claims["user"])
    if user is None or user.deleted_at is not None:
        raise NotFound("This unsubscribe link belongs to an account that no longer exists.",
                       code="account_not_found")
    return user, claims["kind"]


def unsubscribe(user: User, kind: str) -> None:
    """Turn ``kind`` mail off for ``user`` (doing it twice changes nothing)."""
    setattr(user, PREFERENCES[kind], False)
