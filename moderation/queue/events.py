"""The desk's webhook events (``comment.decided``, ``comment.reported``, ``user.sanctioned``),
recorded through the forum's webhooks in the transaction of the decision, report or sanction."""
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
