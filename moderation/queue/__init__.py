"""The moderation desk: the review queue, decisions, sanctions, reports, log and statistics."""
from flask import url_for

from forum.security import can_moderate
from forum.views import add_nav_item
from moderation.queue import alerts, api, precedents, reports
from moderation.queue.queries import queue_size
from moderation.queue.views import bp
from moderation.vocabulary import REPORT_LABELS, DecisionAction, RejectionReason, SanctionKind


def _nav_item(user) -> dict | None:
    """Show moderators a "Moderation" link with the number of comments waiting for them."""
    if not can_moderate(user):
        return None
    return {"url": url_for("queue.index"), "label": "Moderation", "badge": queue_size() or None}


def init_app(app) -> None:
    """Register the desk's pages, its JSON API, the readers' report form, the header link, the alerts
    and the index of precedents."""
    for blueprint in (bp, api.bp, reports.bp):
        app.register_blueprint(blueprint)
    alerts.init_app(app)
    precedents.init_app(app)
    add_nav_item(app, _nav_item)
    app.jinja_env.globals["report_reasons"] = REPORT_LABELS
    # The desk's templates name its codes through the enums, never as bare strings.
    app.jinja_env.globals.update(DecisionAction=DecisionAction, RejectionReason=RejectionReason,
                                 SanctionKind=SanctionKind)


__all__ = ["bp", "init_app"]
