"""What moderation in context accepts and answers: a reader's comments on a story rejected at once."""
from pydantic import Field

from forum.schemas import Answer
from forum.validation import ID_MAX, Id, Integer, OptionalText, Schema, Text
from moderation.queue.schemas import DecisionFields
from moderation.queue.service import NOTE_MAX_LENGTH
from moderation.vocabulary import RejectionReason

_REJECTION_CODES = ", ".join(r.value for r in RejectionReason)


class InPlaceDecisionFields(DecisionFields):
    """A decision from the thread page, with the latest decision the moderator saw there (0: none).

    Out of the queue a published comment can still be rejected, so a page read before another
    moderator's decision must not undo it: a decision made since is a conflict.
    """

    seen_decision: Integer(0, ID_MAX)
    error_codes = {**DecisionFields.error_codes, "seen_decision": "invalid_seen_decision"}


class RejectAllBody(Schema):
    """A rejection of every comment of a reader on a story: one reason code for all, an optional note."""

    reason: RejectionReason = Field(strict=False)
    note: OptionalText(Text(NOTE_MAX_LENGTH, multiline=True)) = None
    error_codes = {"reason": "invalid_reason"}
    error_messages = {"reason": f"'reason' must be one of {_REJECTION_CODES}."}


class RejectAllFields(RejectAllBody):
    """The thread page's form: the comment whose button was used, to come back to it."""

    comment_id: Id | None = None


class RejectAllOut(Answer):
    #: How many comments were rejected, each with its own decision.
    rejected: int
    #: Escalated comments left for the admins (a moderator who is not one asked).
    left_for_admins: int
