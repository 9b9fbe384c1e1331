"""Moderation's tables about readers: who is on pre-moderation, moderators' notes, and the audit trail."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models import User, utcnow

NOTE_MAX_LENGTH = 2000


class ReaderFlag(db.Model):
    """A reader on pre-moderation: every new comment of theirs waits for a moderator."""

    __tablename__ = "moderation_reader_flags"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # None when the desk's rule put the reader there (K rejections in D days).
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReaderNote(db.Model):
    """A moderator's note on a reader, shown beside the reader's queue items and history."""

    __tablename__ = "moderation_reader_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(NOTE_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")


class ReaderAudit(db.Model):
    """One change to a reader's standing on the desk: who did what, when, and whether the rule did it."""

    __tablename__ = "moderation_reader_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    moderator: Mapped[User | None] = relationship(foreign_keys=[moderator_id], lazy="raise")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
