"""The moderation desk's words: what a moderator does, why a comment is rejected, why readers report.

Stored as their string values; every model, service and template names them through these enums.
"""
import enum


class DecisionAction(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ESCALATE = "escalate"


class RejectionReason(enum.StrEnum):
    """Why a moderator rejects a comment (API.md, Moderation); the learning loop reads these codes."""

    ABUSIVE = "abusive"
    THREAT = "threat"
    HATE = "hate"
    SPAM = "spam"
    OFF_TOPIC = "off_topic"
    PERSONAL_INFORMATION = "personal_information"
    OTHER = "other"


class ReportReason(enum.StrEnum):
    """Why a reader reports a comment."""

    ABUSIVE = "abusive"
    OFF_TOPIC = "off_topic"
    SPAM = "spam"
    OTHER = "other"
