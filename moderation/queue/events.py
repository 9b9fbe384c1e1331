"""The desk's webhook events (``comment.decided``, ``comment.reported``, ``user.sanctioned``, and
the moderator alerts ``queue.size_exceeded`` and ``queue.wait_exceeded``), recorded through the
forum's webhooks in the transaction of the decision, report, sanction or check."""
from flask import current_app, url_for

from forum.api.serializers import author_dict, iso
from forum.models import Comment, User
from forum.webhooks import events
from moderation.models import ModerationDecision, Report, Sanction


def comment_decided(comment: Comment, decision: ModerationDecision, moderator: User) -> None:
    """Record a moderator's decision: the comment as it now is, the action, the reason code and note."""
    events.record(events.COMMENT_DECIDED, lambda: {
        **events.comment_data(comment),
        "decision": {"action": str(decision.action),
                     "reason": str(decision.reason) if decision.reason is not None else None,
                     "note": decision.note, "moderator": moderator.username,
                     "created_at": iso(decision.created_at)},
    })


def comment_reported(comment: Comment, report: Report) -> None:
    """Record a reader's report (its reason and note; who reported stays with the desk)."""
    events.record(events.COMMENT_REPORTED, lambda: {
        **events.comment_data(comment),
        "report": {"id": report.id, "reason": str(report.reason), "note": report.note,
                   "created_at": iso(report.created_at)},
        "report_count": comment.report_count,
    })


def user_sanctioned(user: User, moderator: User, sanction: Sanction | None) -> None:
    """Record a suspension (with its end), a ban, or the lifting of either (``sanction`` None)."""
    if sanction is None:
        detail = {"kind": "lift", "until": None, "reason": None}
    else:
        detail = {"kind": str(sanction.kind), "until": iso(sanction.until), "reason": sanction.reason}
    events.record(events.USER_SANCTIONED, lambda: {
        "user": author_dict(user), "sanction": {**detail, "moderator": moderator.username},
    })


def desk_url() -> str:
    """Return the queue page's URL: absolute when the app knows its base URL (SERVER_NAME), else the path."""
    if current_app.config.get("SERVER_NAME"):
        return url_for("queue.index", _external=True)
    return current_app.url_map.bind("", script_name=current_app.config["APPLICATION_ROOT"]).build("queue.index")


def queue_alert(event_type: str, state, setting: str, threshold: int) -> None:
    """Record a moderator alert: the queue's size, its longest-waiting item, the threshold passed, the desk."""
    events.record(event_type, lambda: {
        "queue_size": state.size, "oldest_comment_id": state.oldest_comment_id,
        "oldest_wait_seconds": state.oldest_wait_seconds, "threshold": {"setting": setting, "value": threshold},
        "desk_url": desk_url(),
    })
