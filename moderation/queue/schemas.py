"""The moderation desk's declared schemas: what its endpoints and forms accept, and what they answer."""
from typing import Any, Literal

from pydantic import Field

from forum.errors import Invalid
from forum.models import Role
from forum.pagination import PageQuery
from forum.schemas import Answer, ArticleRef, Author, CommentOut, Scores
from forum.validation import ArticleId, Id, Integer, OptionalText, Schema, Text, Username
from moderation.queue.queries import FINAL_ACTIONS, QUEUE_REASONS
from moderation.queue.scopes import TITLE_SEARCH_MAX_LENGTH, QueueFilters, QueueView
from moderation.queue.service import MAX_SUSPENSION_DAYS, NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from moderation.readers.schemas import NoteOut
from moderation.rules.wordlists import MAX_TERM_LENGTH, MAX_TERMS
from moderation.vocabulary import DecisionAction, RejectionReason, ReportReason, SanctionKind

_REJECTION_CODES = ", ".join(r.value for r in RejectionReason)

# Requests -----------------------------------------------------------------------------------------


class ReportBody(Schema):
    reason: ReportReason = Field(strict=False)
    note: OptionalText(Text(NOTE_MAX_LENGTH, multiline=True)) = None
    error_codes = {"reason": "invalid_reason"}
    error_messages = {"reason": "'reason' must be one of " + ", ".join(r.value for r in ReportReason) + "."}


class DecisionBody(Schema):
    """A decision: only a rejection has a ``reason`` code; any action may carry a free ``note``."""

    action: DecisionAction = Field(strict=False)
    reason: RejectionReason | None = Field(default=None, strict=False)
    note: OptionalText(Text(NOTE_MAX_LENGTH, multiline=True)) = None
    error_codes = {"action": "invalid_action", "reason": "invalid_reason"}
    error_messages = {"action": "'action' must be approve, reject or escalate.",
                      "reason": f"'reason' must be one of {_REJECTION_CODES}."}


class SuspensionBody(Schema):
    days: Integer(1, MAX_SUSPENSION_DAYS) | None = None
    reason: Text(REASON_MAX_LENGTH, multiline=True)
    error_codes = {"days": "invalid_days"}
    error_messages = {"days": f"'days' must be a whole number from 1 to {MAX_SUSPENSION_DAYS} (omit it for a ban)."}


class RoleBody(Schema):
    role: Role = Field(strict=False)
    error_codes = {"role": "invalid_role"}
    error_messages = {"role": "'role' must be reader, moderator or admin."}


class ScoreBody(Schema):
    text: Text(5000, multiline=True)
    article_id: ArticleId | None = None
    parent_id: Id | None = None
    error_codes = {"text": "invalid_text"}


class LogQuery(PageQuery):
    moderator: Username | None = None
    action: DecisionAction | None = Field(default=None, strict=False)
    comment_id: Id | None = None
    error_codes = {**PageQuery.error_codes, "action": "invalid_action", "comment_id": "invalid_comment_id"}

    def filters(self) -> dict:
        """Return the log's filters as ``queries.decision_log`` takes them."""
        return {"moderator": self.moderator, "action": self.action, "comment_id": self.comment_id}


class WordlistBody(Schema):
    """A whole word list: blank terms are refused, terms that normalise alike are kept once."""

    terms: list[Text(MAX_TERM_LENGTH)] = Field(max_length=MAX_TERMS)
    error_codes = {"terms": "invalid_terms"}


class QueueQuery(PageQuery):
    """The queue's view and filters (see ``moderation.queue.scopes``)."""

    view: QueueView = Field(default=QueueView.PENDING, strict=False, description=(
        "pending (everything waiting, the default), escalated (for the admins), reported (by readers "
        "since the last decision) or decided (approvals and rejections, newest first)"))
    reason: Literal[QUEUE_REASONS] | None = Field(default=None, description=(
        "a hold reason; in the decided view, why the comment was in the queue"))
    action: Literal[FINAL_ACTIONS] | None = Field(default=None, description="approve or reject: the decided view only")
    article_id: ArticleId | None = None
    article: OptionalText(Text(TITLE_SEARCH_MAX_LENGTH)) = Field(default=None, description=(
        "a part of the article's title, in any letter case; % and _ are plain characters"))
    author: OptionalText(Username) = Field(default=None, description=(
        "the commenter's username; an unknown one lists nothing"))
    error_codes = {**PageQuery.error_codes, "view": "invalid_view", "reason": "invalid_reason",
                   "action": "invalid_action", "article": "invalid_article", "author": "invalid_author"}
    error_messages = {**PageQuery.error_messages,
                      "view": "'view' must be one of " + ", ".join(QueueView) + ".",
                      "reason": "'reason' must be one of " + ", ".join(QUEUE_REASONS) + ".",
                      "action": "'action' must be approve or reject (decisions of the decided view)."}

    def filters(self) -> QueueFilters:
        """Return the view and its filters; ``action`` names a kind of decision, so only the decided view takes it."""
        if self.action is not None and self.view != QueueView.DECIDED:
            raise Invalid("'action' filters the decided view only: add view=decided, or leave 'action' out.",
                          code="invalid_action", payload={"field": "action"})
        return QueueFilters(view=self.view, reason=self.reason, action=self.action, article_id=self.article_id,
                            article=self.article, author=self.author)


# Forms --------------------------------------------------------------------------------------------


class DecisionFields(DecisionBody):
    """The desk's decision form: the reason select counts only for a rejection."""

    def decision(self) -> dict:
        """Return the keyword arguments of ``service.decide``."""
        reason = self.reason if self.action == DecisionAction.REJECT else None
        return {"action": self.action, "reason": reason, "note": self.note}


class BulkFields(DecisionFields):
    ids: list[Id] = Field(default_factory=list, max_length=500)
    error_messages = {**DecisionBody.error_messages,
                      "action": "Choose approve, reject or escalate for the selected comments."}


class SanctionFields(SuspensionBody):
    """The sanction form on a reader's page: a suspension for ``days``, or a ban."""

    kind: SanctionKind = Field(default=SanctionKind.SUSPEND, strict=False)


# Answers ------------------------------------------------------------------------------------------


class ReportOut(Answer):
    id: int
    comment_id: int
    reason: str
    note: str | None


class ReportCreated(Answer):
    report: ReportOut


class Highlight(Answer):
    start: int
    end: int
    text: str
    weight: float


class QueueReport(Answer):
    reason: str
    note: str | None
    reporter: str
    created_at: str


class AuthorStatus(Author):
    status: str
    suspended_until: str | None
    sanction_reason: str | None
    comment_count: int | None = None
    rejected_count: int | None = None


class QueueAuthor(AuthorStatus):
    note_count: int
    notes: list[NoteOut]


class QueueDecision(Answer):
    """A decision as the decided view shows it: who, what, the reason's code and words, the note."""

    id: int
    action: str
    reason: str | None
    #: The reason as the author was told it, e.g. "Spam or advertising".
    reason_text: str | None
    note: str | None
    moderator: str | None
    #: Why the comment was in the queue when it was decided.
    hold_reason: str | None
    created_at: str


class QueuePrecedent(Answer):
    """A comment moderators already decided that is like the item, with its latest approval or rejection."""

    comment_id: int
    #: The comment's start on one line, cut at a word (up to 200 characters).
    excerpt: str
    action: Literal[FINAL_ACTIONS]
    reason: str | None
    #: The reason in words, e.g. "Spam or advertising".
    reason_text: str | None
    #: The cosine of the two comments' stored vectors, to 3 decimals.
    similarity: float
    decided_at: str


class QueueItemOut(Answer):
    comment: CommentOut
    article: ArticleRef
    parent: CommentOut | None
    scores: Scores
    hold_reason: str | None
    #: The rule that held or rejected it in words, e.g. 'banned word: "scam"'.
    hold_rule: str | None
    #: The order's key (the queue is most urgent first): the points less a number that is the same
    #: on a page; None in the decided view, which is ordered by the decisions' time.
    priority: float | None
    #: The urgency a moderator reads: 100 × harm × reach + 60 × doubt + 20 × reports + 2 per hour
    #: waiting; None in the decided view.
    points: float | None
    highlights: list[Highlight]
    #: The probability of each kind of abuse (threat, insult, identity_attack, obscene); empty
    #: when the comment has no stored vector or the encoder is down.
    categories: dict[str, float]
    reports: list[QueueReport]
    author: QueueAuthor
    #: The decision, in the decided view; None in the others.
    decision: QueueDecision | None = None
    precedents: list[QueuePrecedent] = Field(description=(
        "the three comments most like this one (by their stored vectors) that moderators already approved "
        "or rejected, most similar first, each with its latest decision; empty when the comment has no "
        "stored vector, the encoder is down, or nothing is decided"))


class WordlistOut(Answer):
    terms: list[str]


class QueuePage(Answer):
    items: list[QueueItemOut]
    next_cursor: str | None


class DecisionSummary(Answer):
    action: str
    reason: str | None
    note: str | None


class DecisionResult(Answer):
    comment: CommentOut
    decision: DecisionSummary


class AuthorStatusEnvelope(Answer):
    user: AuthorStatus


class StaffStatus(AuthorStatus):
    role: Role


class StaffStatusEnvelope(Answer):
    user: StaffStatus


class ScoreOut(Answer):
    abuse: float
    off_topic: float
    highlights: list[Highlight]
    #: The probability of each kind of abuse; empty when the encoder is down.
    categories: dict[str, float]
    model_version: str | None


class DecisionOut(Answer):
    id: int
    comment_id: int
    moderator: str | None
    action: str
    reason: str | None
    note: str | None
    hold_reason: str | None
    scores: Scores
    model_version: str | None
    created_at: str


class DecisionLog(Answer):
    decisions: list[DecisionOut]
    next_cursor: str | None


class StatsOut(Answer):
    queue_size: int
    queue_by_reason: dict[str, int]
    decisions_by_action: dict[str, int]
    decisions_by_day: list[dict[str, Any]]
    median_minutes_to_decision: float | None
    classifier_precision: dict[str, Any]
