"""The moderation desk: the review queue, decisions, sanctions, reports, log and statistics."""
from flask import url_for

from forum.views import add_nav_item
from moderation.queue import api, reports
from moderation.queue.queries import queue_size
from moderation.queue.service import REPORT_REASONS
from moderation.queue.views import bp


def _nav_item(user) -> dict | None:
    """Show moderators a "Moderation" link with the number of comments waiting for them."""
    if not user.is_moderator:
        return None
    return {"url": url_for("queue.index"), "label": "Moderation", "badge": queue_size(user) or None}


def init_app(app) -> None:
    """Register the desk's pages, its JSON API, the readers' report form and the header link."""
    for blueprint in (bp, api.bp, reports.bp):
        app.register_blueprint(blueprint)
    add_nav_item(app, _nav_item)
    app.jinja_env.globals["report_reasons"] = REPORT_REASONS


__all__ = ["bp", "init_app"]
