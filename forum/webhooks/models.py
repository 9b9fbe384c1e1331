"""Webhook subscriptions and the log of every delivery attempt."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models import utcnow


class Webhook(db.Model):
    """A newsroom endpoint, the events it wants, and the secrets that sign what it is sent.

    After a rotation the previous secret signs beside the new one until ``previous_secret_expires_at``,
    so the receiver can switch to the new secret without losing a delivery.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WebhookDelivery(db.Model):
    """One attempt to deliver one event to one webhook: when, the HTTP status or the error, how long."""

    __tablename__ = "webhook_deliveries"
    # The delivery log, newest first, one webhook at a time.
    __table_args__ = (Index("ix_webhook_deliveries_log", "webhook_id", "attempted_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    #: The ``webhook-id`` header: the same for every attempt of one event.
    message_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(40))
    attempt: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)
    succeeded: Mapped[bool] = mapped_column(Boolean)
