"""Queue items, decisions, sanctions and highlights as JSON-able dicts (kept off the models)."""
from forum.api.serializers import author_dict, comment_dict, iso
from forum.models import User, UserStatus
from moderation.models import ModerationDecision
from moderation.queue.precedents import Precedent
from moderation.queue.queries import QueueItem, queue_reason
from moderation.readers.serializers import note_dict
from moderation.vocabulary import REJECTION_LABELS


def highlight_dict(highlight) -> dict:
    """Return a highlighted span as the API shows it."""
    return {"start": highlight.start, "end": highlight.end, "text": highlight.text, "weight": highlight.weight}


def author_status_dict(user: User, *, comment_count: int | None = None, rejected_count: int | None = None) -> dict:
    """An author as moderators see them: their standing and, where known, their record."""
    status = user.status
    data = {**author_dict(user), "status": status,
            "suspended_until": iso(user.suspended_until) if status == UserStatus.SUSPENDED else None,
            "sanction_reason": user.sanction_reason if status != UserStatus.ACTIVE else None}
    if comment_count is not None:
        data.update(comment_count=comment_count, rejected_count=rejected_count)
    return data


def queue_item_dict(item: QueueItem, viewer: User) -> dict:
    """Return a queue item as the API shows it (see API.md, Moderation); a decided one with its decision."""
    comment, decision = item.comment, item.decision
    return {
        "comment": comment_dict(comment, viewer=viewer),
        "article": {"id": comment.article.external_id, "title": comment.article.title},
        "parent": comment_dict(item.parent, viewer=viewer) if item.parent is not None else None,
        "scores": {"abuse": comment.abuse_score, "off_topic": comment.off_topic_score},
        "hold_reason": queue_reason(comment) if decision is None else decision.hold_reason,
        "hold_rule": comment.hold_rule,
        "priority": round(item.priority, 3) if item.priority is not None else None,
        "points": round(item.points, 3) if item.points is not None else None,
        "highlights": [highlight_dict(h) for h in item.highlights],
        "categories": item.categories,
        "reports": [{"reason": r.reason, "note": r.note, "reporter": r.reporter.username,
                     "created_at": iso(r.created_at)} for r in item.reports],
        "author": {**author_status_dict(comment.author, comment_count=item.comment_count,
                                        rejected_count=item.rejected_count),
                   "note_count": item.note_count, "notes": [note_dict(note) for note in item.notes]},
        "decision": queue_decision_dict(decision) if decision is not None else None,
        "precedents": [precedent_dict(p) for p in item.precedents],
    }


def precedent_dict(precedent: Precedent) -> dict:
    """Return a precedent as the API shows it: the decided comment's start, its latest decision, the likeness."""
    return {
        "comment_id": precedent.comment_id,
        "excerpt": precedent.excerpt,
        "action": precedent.action,
        "reason": precedent.reason,
        "reason_text": REJECTION_LABELS[precedent.reason] if precedent.reason is not None else None,
        "similarity": precedent.similarity,
        "decided_at": iso(precedent.decided_at),
    }


def queue_decision_dict(decision: ModerationDecision) -> dict:
    """Return the decision of a decided item: who, what, the reason as a code and in words, the note."""
    return {
        "id": decision.id,
        "action": decision.action,
        "reason": decision.reason,
        "reason_text": REJECTION_LABELS[decision.reason] if decision.reason is not None else None,
        "note": decision.note,
        "moderator": decision.moderator.username if decision.moderator is not None else None,
        "hold_reason": decision.hold_reason,
        "created_at": iso(decision.created_at),
    }


def decision_dict(decision: ModerationDecision) -> dict:
    """Return a log entry as the API shows it."""
    return {
        "id": decision.id,
        "comment_id": decision.comment_id,
        "moderator": decision.moderator.username if decision.moderator is not None else None,
        "action": decision.action,
        "reason": decision.reason,
        "note": decision.note,
        "hold_reason": decision.hold_reason,
        "scores": {"abuse": decision.abuse_score, "off_topic": decision.off_topic_score},
        "model_version": decision.model_version,
        "created_at": iso(decision.created_at),
    }
