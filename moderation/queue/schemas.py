"""The moderation desk's declared schemas: what its endpoints and forms accept, and what they answer."""
from typing import Any, Literal

from pydantic import Field

from forum.models import Role
from forum.pagination import PageQuery
from forum.schemas import Answer, ArticleRef, Author, CommentOut, Scores
from forum.validation import ArticleId, Id, Integer, OptionalText, Schema, Text
from moderation.queue.queries import QUEUE_REASONS
from moderation.queue.service import MAX_SUSPENSION_DAYS, NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from moderation.vocabulary import DecisionAction, ReportReason

#: A rejection's reason is stored as "code: note", or "other: <text>" for a text that names no code:
#: the text is bounded so that the stored value fits its column (String(500)).
DECISION_REASON_MAX_LENGTH = REASON_MAX_LENGTH - len("other: ")

# Requests -----------------------------------------------------------------------------------------


class ReportBody(Schema):
    reason: ReportReason = Field(strict=False)
    note: OptionalText(Text(NOTE_MAX_LENGTH, multiline=True)) = None
    error_codes = {"reason": "invalid_reason"}
    error_messages = {"reason": "'reason' must be one of " + ", ".join(r.value for r in ReportReason) + "."}


class DecisionBody(Schema):
    action: DecisionAction = Field(strict=False)
    reason: OptionalText(Text(DECISION_REASON_MAX_LENGTH, multiline=True)) = None
    error_codes = {"action": "invalid_action"}
    error_messages = {"action": "'action' must be approve, reject or escalate."}


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


class QueueQuery(PageQuery):
    reason: Literal[QUEUE_REASONS] | None = None
    article_id: ArticleId | None = None
    error_codes = {**PageQuery.error_codes, "reason": "invalid_reason"}


# Forms --------------------------------------------------------------------------------------------


class DecisionFields(Schema):
    action: DecisionAction = Field(strict=False)
    reason: OptionalText(Text(DECISION_REASON_MAX_LENGTH)) = None
    note: OptionalText(Text(DECISION_REASON_MAX_LENGTH, multiline=True)) = None
    error_codes = {"action": "invalid_action"}
    error_messages = {"action": "'action' must be approve, reject or escalate."}

    def stored_reason(self) -> str | None:
        """Return the reason as the log stores it today: ``code: note``, or either alone."""
        return f"{self.reason}: {self.note}" if self.reason and self.note else self.reason or self.note


class BulkFields(DecisionFields):
    ids: list[Id] = Field(default_factory=list, max_length=500)
    error_messages = {"action": "Choose approve, reject or escalate for the selected comments."}


class SanctionFields(Schema):
    kind: Literal["suspend", "ban"] = "suspend"
    days: Integer(1, MAX_SUSPENSION_DAYS) | None = None
    reason: Text(REASON_MAX_LENGTH, multiline=True)
    error_codes = {"days": "invalid_days"}
    error_messages = {"days": f"'days' must be a whole number from 1 to {MAX_SUSPENSION_DAYS} (omit it for a ban)."}


class RoleFields(Schema):
    role: Role = Field(strict=False)
    error_codes = {"role": "invalid_role"}
    error_messages = {"role": "'role' must be reader, moderator or admin."}


class ReportFields(ReportBody):
    pass


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


class QueueItemOut(Answer):
    comment: CommentOut
    article: ArticleRef
    parent: CommentOut | None
    scores: Scores
    hold_reason: str | None
    priority: float
    highlights: list[Highlight]
    reports: list[QueueReport]
    author: AuthorStatus


class QueuePage(Answer):
    items: list[QueueItemOut]
    next_cursor: str | None


class DecisionSummary(Answer):
    action: str
    reason: str | None


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
    model_version: str | None


class DecisionOut(Answer):
    id: int
    comment_id: int
    moderator: str | None
    action: str
    reason: str | None
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
