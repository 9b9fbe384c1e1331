"""The moderation desk's words: what a moderator does, why a comment is rejected, why readers report.

Stored as their string values; every model, service and template names them through these enums.
"""
import enum


class DecisionAction(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ESCALATE = "escalate"


#: The decisions that take a comment out of the queue (an escalation only hands it to the admins).
FINAL_ACTIONS = (DecisionAction.APPROVE, DecisionAction.REJECT)


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


class SanctionKind(enum.StrEnum):
    SUSPEND = "suspend"
    BAN = "ban"


#: What the desk's forms show for each code.
ACTION_LABELS = {DecisionAction.APPROVE: "Approved", DecisionAction.REJECT: "Rejected",
                 DecisionAction.ESCALATE: "Escalated"}
REJECTION_LABELS = {
    RejectionReason.ABUSIVE: "Abusive or insulting",
    RejectionReason.THREAT: "A threat",
    RejectionReason.HATE: "Hate speech",
    RejectionReason.SPAM: "Spam or advertising",
    RejectionReason.OFF_TOPIC: "Off-topic",
    RejectionReason.PERSONAL_INFORMATION: "Personal information",
    RejectionReason.OTHER: "Breaks the guidelines",
}
REPORT_LABELS = {ReportReason.ABUSIVE: "Abusive", ReportReason.OFF_TOPIC: "Off-topic", ReportReason.SPAM: "Spam",
                 ReportReason.OTHER: "Other"}
