"""Moderation in context: decisions taken from the thread page, and all of a reader's comments on a story at once.

Every comment goes through the queue's ``decide``, so one decision wins, the author is told, and
the decision log and the webhooks see it as from the queue. Services flush; the caller commits once.
"""
from dataclasses import dataclass

from forum.errors import Conflict
from forum.models import Article, Comment, HoldReason, User
from moderation.context.queries import latest_decisions, rejectable_of
from moderation.models import ModerationDecision
from moderation.queue.service import decide
from moderation.vocabulary import DecisionAction, RejectionReason


@dataclass(frozen=True)
class Rejection:
    """What rejecting a reader's comments on a story did."""

    #: How many comments were rejected, each with its decision.
    rejected: int
    #: Escalated comments left for the admins, when a moderator who is not one asked.
    left_for_admins: int


def decide_in_place(comment: Comment, moderator: User, seen_decision: int, **decision) -> ModerationDecision:
    """Take ``decision`` on ``comment`` from its thread, unless it was decided since the page showed it.

    ``seen_decision`` is the id of the latest decision the page showed (0: none); ``decision``
    holds the keyword arguments of ``decide``.

    :raise Conflict: another moderator decided it since (or first, as ``decide`` says).
    """
    latest = latest_decisions([comment.id]).get(comment.id)
    if latest is not None and latest.id != seen_decision:
        who = latest.moderator.username if latest.moderator is not None else "another moderator"
        raise Conflict(f"Comment {comment.id} was decided meanwhile by {who} ({latest.action}); "
                       "look at it again before deciding.", code="already_decided")
    return decide(comment, moderator, published_too=True, **decision)


def reject_all(article: Article, author: User, moderator: User, reason: RejectionReason,
               note: str | None = None) -> Rejection:
    """Reject every comment of ``author`` on ``article`` that no moderator has rejected yet.

    Held, published and approved comments alike, each as its own decision; deleted ones and those
    already rejected by a moderator are skipped, and escalated ones are left to admins.

    :raise Conflict: another moderator decided one of them meanwhile; the caller rolls back all.
    """
    rejected = left = 0
    for comment in rejectable_of(article, author):
        if comment.hold_reason == HoldReason.ESCALATED and not moderator.is_admin:
            left += 1
            continue
        decide(comment, moderator, DecisionAction.REJECT, reason, note, published_too=True)
        rejected += 1
    return Rejection(rejected, left)
