"""What a moderator sees under each comment of a thread page: the desk's provider of the forum's staff view.

For every comment listed (a handful of queries per page, and one per reported comment that
waits): its status and why
it was held, in words; its scores beside the review thresholds; the last decision on it; which
decisions can still be taken on it in place; and how many of its author's comments on the story
a moderator may still reject at once.
"""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for

from forum.models import Comment, CommentStatus, HoldReason, User
from moderation import policy, scoring
from moderation.context import queries
from moderation.queue.queries import queue_reason
from moderation.queue.service import default_rejection
from moderation.vocabulary import ACTION_LABELS, REJECTION_LABELS, DecisionAction, RejectionReason

#: Why a comment waits (or why the screen rejected it), in words a moderator reads at a glance.
HOLD_EXPLANATIONS = {
    HoldReason.ABUSE: "The model finds it likely abusive.",
    HoldReason.OFF_TOPIC: "The model finds it likely off-topic.",
    HoldReason.PREMODERATION: "The story or its author is pre-moderated.",
    HoldReason.REPORTED: "Readers reported it.",
    HoldReason.ESCALATED: "Escalated: an admin decides it.",
    HoldReason.MODEL_UNAVAILABLE: "It could not be scored: the model was unavailable.",
    HoldReason.BANNED_WORD: "It contains a banned word.",
    HoldReason.SUSPECT_WORD: "It contains a suspect word.",
    HoldReason.SPAM: "It repeats a recent comment, or its author posts in a burst.",
    HoldReason.NEW_USER: "Its author is a new reader, whose first comments are held.",
    HoldReason.LINK: "It has a link, and its author has no approved comment yet.",
}
STATUS_WORDS = {CommentStatus.PUBLISHED: "Published", CommentStatus.PENDING: "Held for review",
                CommentStatus.REJECTED: "Rejected"}
#: A rejected comment still in the queue was rejected by the screen: no moderator has seen it.
UNREVIEWED_REJECTION = "Rejected by the screen, not reviewed yet"
#: Out of the queue a published comment can still be taken down or handed to the admins.
PUBLISHED_ACTIONS = (DecisionAction.REJECT, DecisionAction.ESCALATE)


@dataclass(frozen=True)
class Annotation:
    """One comment as a moderator sees it on the thread page."""

    status: str
    #: The status code, for the page's styles.
    status_code: str
    queued: bool
    #: Why it waits, or why it was held before it was rejected, in words.
    explanation: str | None
    #: The rule behind the hold in words, e.g. 'banned word: "scam"'.
    rule: str | None
    abuse: float | None
    off_topic: float | None
    abuse_limit: float
    off_topic_limit: float
    report_count: int
    #: The latest decision, e.g. "Rejected by mia: Spam or advertising", and when.
    last_decision: str | None
    last_decided_at: datetime | None
    #: Its id (0: none), which the forms send back: a decision made since then is a conflict.
    last_decision_id: int
    #: The decisions a moderator can take here, in the order the page offers them.
    actions: tuple[DecisionAction, ...]
    #: Why nothing can be decided here when the comment still waits (escalated, for a moderator).
    read_only: str | None
    default_reason: RejectionReason
    decide_url: str
    author_url: str
    #: How many of the author's comments on this story a moderator may still reject.
    author_rejectable: int
    reject_all_url: str


class ThreadAnnotations:
    """The forum's ``StaffViewProvider``: annotations for moderators, shown by one partial."""

    template = "moderation/_in_context.html"

    def history_url(self, author: User) -> str:
        return url_for("queue.user", username=author.username)

    def annotate(self, comments: Sequence[Comment], viewer: User) -> dict[int, Annotation]:
        """Return an ``Annotation`` for each of ``comments`` (all of one story's threads)."""
        ids = [c.id for c in comments]
        queued, decisions = queries.queued_ids(ids), queries.latest_decisions(ids)
        rejectable = {}
        for article_id in {c.article_id for c in comments}:
            counts = queries.rejectable_counts(article_id, {c.author_id for c in comments})
            rejectable.update({(article_id, author): n for author, n in counts.items()})
        limits = policy.thresholds(current_app.config, scoring.active_model())
        return {c.id: _annotation(c, viewer, c.id in queued, decisions.get(c.id), limits,
                                  rejectable.get((c.article_id, c.author_id), 0)) for c in comments}


def _annotation(comment: Comment, viewer: User, queued: bool, decision, limits: dict, rejectable: int) -> Annotation:
    held_for = queue_reason(comment) if queued else comment.hold_reason
    actions, read_only = _actions(comment, viewer, queued)
    return Annotation(
        status=UNREVIEWED_REJECTION if queued and comment.status == CommentStatus.REJECTED
        else STATUS_WORDS[comment.status],
        status_code=comment.status.value, queued=queued,
        explanation=HOLD_EXPLANATIONS.get(held_for), rule=comment.hold_rule,
        abuse=comment.abuse_score, off_topic=comment.off_topic_score,
        abuse_limit=limits["abuse_review"], off_topic_limit=limits["off_topic_review"],
        report_count=comment.report_count,
        last_decision=_decision_words(decision), last_decided_at=decision.created_at if decision else None,
        last_decision_id=decision.id if decision else 0,
        actions=actions, read_only=read_only,
        # The reports' commonest reason costs a query: only for the few comments that wait.
        default_reason=default_rejection(comment) if queued else RejectionReason.OTHER,
        decide_url=url_for("in_context.decide", comment_id=comment.id),
        author_url=url_for("queue.user", username=comment.author.username),
        author_rejectable=rejectable,
        reject_all_url=url_for("in_context.reject_all", article_id=comment.article.external_id,
                               username=comment.author.username),
    )


def _actions(comment: Comment, viewer: User, queued: bool) -> tuple[tuple[DecisionAction, ...], str | None]:
    """Return the decisions ``viewer`` can take on ``comment`` here, and why none when it waits for an admin."""
    if not queued:
        return (PUBLISHED_ACTIONS if comment.is_published else ()), None
    if comment.hold_reason == HoldReason.ESCALATED:
        if not viewer.is_admin:
            return (), HOLD_EXPLANATIONS[HoldReason.ESCALATED]
        return (DecisionAction.APPROVE, DecisionAction.REJECT), None
    return tuple(DecisionAction), None


def _decision_words(decision) -> str | None:
    if decision is None:
        return None
    who = decision.moderator.username if decision.moderator is not None else "a former moderator"
    words = f"{ACTION_LABELS[decision.action]} by {who}"
    if decision.reason is not None:
        words += f": {REJECTION_LABELS[decision.reason]}"
    return words + (f" ({decision.note})" if decision.note else "")
