"""What every page shares: template filters and the values the header needs."""
from datetime import datetime

from flask import current_app
from flask_login import current_user
from markupsafe import Markup, escape

from forum.errors import ApiError
from forum.models import CommentStatus, HoldReason, UserStatus, utcnow
from forum.schemas import NextQuery
from forum.security import safe_next
from forum.validation import parse_form, parse_query


def paragraphs(text: str) -> Markup:
    """Render plain text as escaped paragraphs, keeping the reader's line breaks."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    return Markup("".join(f"<p>{escape(b).replace(chr(10), Markup('<br>'))}</p>" for b in blocks))


def ago(moment: datetime | None) -> str:
    """Say how long ago ``moment`` was, the way comment sections do."""
    if moment is None:
        return ""
    seconds = int((utcnow() - moment).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def next_url(default: str, *, source: str = "query") -> str:
    """Return the ``next`` of the query string (or of the form) if it is a path on this site, else ``default``.

    A ``next`` with control characters goes to ``default`` as a foreign one does: a CR or LF in it
    would otherwise end up in the Location header, which Werkzeug refuses with an error.
    """
    try:
        target = (parse_form if source == "form" else parse_query)(NextQuery).next
    except ApiError:
        target = None
    return safe_next(target, default)


def add_field_error(form, name: str | None, message: str) -> None:
    """Show ``message`` under the form's field ``name`` (under the first field when it names none)."""
    field = getattr(form, name or "", None)
    if field is None or not hasattr(field, "errors"):
        field = next(iter(form))
    field.errors = [*field.errors, message]


def add_nav_item(app, provider) -> None:
    """Add a link to the page header for signed-in users.

    ``provider(user)`` returns ``{"url", "label", "badge"}`` (badge optional), or None to show nothing.
    """
    app.extensions.setdefault("parley_nav", []).append(provider)


def _nav_items() -> list[dict]:
    # A template global, not a context processor: only the page header calls it, whereas a context
    # processor ran for every template, a mail's two parts too (each counted the unread notifications).
    if not current_user.is_authenticated:
        return []
    providers = current_app.extensions.get("parley_nav", [])
    return [item for item in (p(current_user) for p in providers) if item]


def init_app(app) -> None:
    app.add_template_filter(paragraphs)
    app.add_template_filter(ago)
    app.add_template_global(_nav_items, "nav_items")
    # Templates name statuses and hold reasons through the enums, never as bare strings.
    app.jinja_env.globals.update(CommentStatus=CommentStatus, HoldReason=HoldReason, UserStatus=UserStatus)
