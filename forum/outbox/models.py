"""The outbox table: one row per item to deliver, with its schedule and its lease."""
import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, Enum, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models import utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    #: Given up after OUTBOX_GIVE_UP_AFTER; kept so that an admin can see what was lost.
    FAILED = "failed"


class OutboxItem(db.Model):
    """Something to deliver: its handler's ``kind``, its ``payload``, and when to try it next.

    ``locked_until`` is a worker's lease: while it lies ahead, no other worker claims the item; a
    worker that crashed lets it lapse and the item is claimed again.
    """

    __tablename__ = "outbox"
    # The worker's one hot query: pending items whose time has come, oldest first.
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, name="outbox_status", native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e]),
        default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
