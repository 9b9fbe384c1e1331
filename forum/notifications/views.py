"""Pages: my notifications, and marking one or all of them read."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.errors import Invalid
from forum.extensions import db
from forum.notifications import digest, queries, service
from forum.schemas import NotificationReadFields, NotificationsQuery
from forum.validation import parse_form, parse_query
from forum.views import add_nav_item

bp = Blueprint("notifications", __name__)
BADGE_MAX = 99


@bp.get("/notifications")
@login_required
def index():
    """List my notifications, newest first; ``?unread=1`` keeps the unread ones."""
    query = parse_query(NotificationsQuery)
    unread_only = bool(query.unread)
    page = queries.notifications(current_user, unread_only=unread_only, **query.page())
    return render_template("notifications/index.html", page=page, unread_only=unread_only,
                           unread=unread_label(current_user))


@bp.post("/notifications/read")
@login_required
def read():
    """Mark the form's notification read, or all of them when the form says ``all``."""
    fields = parse_form(NotificationReadFields)
    if fields.all:
        service.mark_read(current_user, everything=True)
        flash("All notifications are marked read.", "success")
    elif fields.id is not None:
        service.mark_read(current_user, ids=[fields.id])
    else:
        raise Invalid("Choose a notification to mark read.", code="missing_field", payload={"field": "id"})
    db.session.commit()
    return redirect(url_for("notifications.index"))


def unread_label(user) -> str | None:
    """Say how many notifications are unread, "99+" beyond that; None when none are.

    Every page's header shows it, so it counts no further than it can show.
    """
    count = queries.unread_count(user, cap=BADGE_MAX + 1)
    return None if count == 0 else f"{BADGE_MAX}+" if count > BADGE_MAX else str(count)


def _notifications_link(user) -> dict:
    return {"url": url_for("notifications.index"), "label": "Notifications", "badge": unread_label(user)}


def init_app(app) -> None:
    """Register the pages, the header's link with the unread count, the signal that writes them,
    and the workers' daily digest."""
    app.register_blueprint(bp)
    add_nav_item(app, _notifications_link)
    service.connect_signals()
    digest.init_app(app)
