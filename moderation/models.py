"""Moderation tables: reports, the decision log (the learning loop's labels), sanctions, model versions."""
import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Enum, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models import Comment, HoldReason, User, utcnow
from moderation.vocabulary import DecisionAction, RejectionReason, ReportReason, SanctionKind


def _code(cls: type[enum.Enum], length: int) -> Enum:
    # The enum's values in a plain VARCHAR, as forum.models stores its enums: typed in Python, no
    # database enum type to migrate when a code is added.
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Report(db.Model):
    """One reader's report on one comment."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("comment_id", "reporter_id", name="uq_reports_comment_reporter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[ReportReason] = mapped_column(_code(ReportReason, 20))
    note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    reporter: Mapped[User] = relationship(lazy="raise")


class ModerationDecision(db.Model):
    """One moderator's decision on one comment: who, what, when, why."""

    __tablename__ = "moderation_decisions"
    __table_args__ = (Index("ix_moderation_decisions_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[DecisionAction] = mapped_column(_code(DecisionAction, 20))
    # A rejection's code, the only part the learning loop reads; None for approvals and escalations.
    reason: Mapped[RejectionReason | None] = mapped_column(_code(RejectionReason, 30))
    # The moderator's free text, shown in the log and never read as a label.
    note: Mapped[str | None] = mapped_column(String(1000))
    # Why the comment was in the queue and what the model said then: the stats and the labels.
    hold_reason: Mapped[HoldReason | None] = mapped_column(_code(HoldReason, 30))
    abuse_score: Mapped[float | None] = mapped_column(Float)
    off_topic_score: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(80))
    comment_created_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    comment: Mapped[Comment] = relationship(lazy="raise")
    moderator: Mapped[User | None] = relationship(lazy="raise")


class Sanction(db.Model):
    """A suspension or a ban, and when it was lifted."""

    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[SanctionKind] = mapped_column(_code(SanctionKind, 20))
    reason: Mapped[str | None] = mapped_column(String(500))
    until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime)


class ModelVersion(db.Model):
    """A trained classifier artifact, its metrics, and whether it is the active one."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(80), unique=True)
    path: Mapped[str] = mapped_column(String(1000))
    trained_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    data_summary: Mapped[dict] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime)
