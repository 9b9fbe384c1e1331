"""Moderator alerts: a webhook event when the review queue holds more than ``alert_queue_size``
comments (``queue.size_exceeded``), or its oldest item has waited more than ``alert_wait_minutes``
(``queue.wait_exceeded``). Both settings are 0, off, until an admin sets them.

An alert fires once when its condition becomes true and re-arms only when a check finds it false
again, so a queue that stays long sends one event, not one per comment. That an alert has fired is
a row of moderation_settings (``alert_fired:<event>``), inserted with ``ON CONFLICT DO NOTHING``
in the transaction of the change: of two processes that find the condition true at once, one
inserts the row and records the event, the other (on PostgreSQL, after waiting for the first one's
commit) inserts nothing and sends nothing.

The size is checked when a comment is written into the queue or reported, and when a decision
takes one out; the wait needs a clock, so every outbox worker checks both conditions every
MODERATION_ALERT_CHECK_SECONDS, as ``flask --app wsgi moderation check-alerts`` does for cron.

An item waits from when it entered the queue: a held comment from its posting, a comment that
readers' reports queued from the first report since its last decision.
"""
import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import case, delete, func, or_, select

from forum.api.serializers import iso
from forum.extensions import db
from forum.models import Comment, CommentStatus, HoldReason, utcnow
from forum.outbox.service import register_periodic
from forum.signals import comment_screened
from forum.sql import insert_if_absent
from forum.webhooks.events import QUEUE_SIZE_EXCEEDED, QUEUE_WAIT_EXCEEDED
from moderation import settings
from moderation.models import Report
from moderation.queue import events
from moderation.queue.queries import in_queue, queue_size

FIRED_PREFIX = "alert_fired:"
_ENABLED = "parley.queue_alerts"
#: The setting that holds each alert's threshold.
SETTINGS = {QUEUE_SIZE_EXCEEDED: "alert_queue_size", QUEUE_WAIT_EXCEEDED: "alert_wait_minutes"}


class Outcome(enum.StrEnum):
    """What a check found for one alert."""

    OFF = "off"
    CLEAR = "clear"
    FIRED = "fired"
    #: The condition still holds and the alert fired before: nothing is sent until it clears.
    STILL_EXCEEDED = "still exceeded (already sent)"


@dataclass(frozen=True)
class QueueState:
    """The queue as an alert reports it: how many comments wait, and the one waiting longest."""

    size: int
    oldest_comment_id: int | None
    oldest_wait_seconds: int | None


def waiting_since():
    """Return the SQL expression of when a queued comment entered the queue (see the module docstring)."""
    first_report = (select(func.min(Report.created_at))
                    .where(Report.comment_id == Comment.id,
                           or_(Comment.decided_at.is_(None), Report.created_at > Comment.decided_at))
                    .correlate(Comment).scalar_subquery())
    queued_by_reports = or_(Comment.status == CommentStatus.PUBLISHED, Comment.hold_reason == HoldReason.REPORTED)
    return case((queued_by_reports, func.coalesce(first_report, Comment.created_at)), else_=Comment.created_at)


def oldest_waiting(now: datetime) -> tuple[int, int] | None:
    """Return the id of the comment that has waited longest at ``now`` and its wait in seconds, or None."""
    since = waiting_since().label("since")
    oldest = db.session.execute(select(Comment.id, since).where(in_queue()).order_by(since, Comment.id)
                                .limit(1)).first()
    if oldest is None:
        return None
    return oldest.id, max(0, int((now - oldest.since).total_seconds()))


def queue_state(now: datetime, size: int | None = None, oldest: tuple[int, int] | None = None) -> QueueState:
    """Return the queue's size and its longest-waiting item at ``now`` (reading what is not given)."""
    size = queue_size() if size is None else size
    oldest = oldest or (oldest_waiting(now) if size else None)
    return QueueState(size, *(oldest or (None, None)))


def _has_fired(event_type: str) -> bool:
    return db.session.scalar(select(settings.Setting.name)
                             .where(settings.Setting.name == FIRED_PREFIX + event_type)) is not None


def _settle(event_type: str, exceeded: bool, state: Callable[[], QueueState], threshold: int,
            now: datetime) -> Outcome:
    """Fire ``event_type`` if its condition became true, re-arm it if it is false; return what happened.

    ``state()`` gives the event's data; it is called only when the alert fires.
    """
    fired = _has_fired(event_type)
    if not exceeded:
        if fired:
            db.session.execute(delete(settings.Setting).where(settings.Setting.name == FIRED_PREFIX + event_type))
        return Outcome.CLEAR if threshold else Outcome.OFF
    # The read above spares the write when the alert is out already; the insert settles a race.
    if fired or not insert_if_absent(settings.Setting, name=FIRED_PREFIX + event_type, value={"at": iso(now)}):
        return Outcome.STILL_EXCEEDED
    events.queue_alert(event_type, state(), SETTINGS[event_type], threshold)
    return Outcome.FIRED


def check_queue_size(now: datetime | None = None) -> Outcome:
    """Fire ``queue.size_exceeded`` if more than ``alert_queue_size`` comments wait (once), or re-arm it."""
    now = now or utcnow()
    threshold = settings.get(SETTINGS[QUEUE_SIZE_EXCEEDED])
    size = queue_size() if threshold else 0
    return _settle(QUEUE_SIZE_EXCEEDED, bool(threshold) and size > threshold, lambda: queue_state(now, size),
                   threshold, now)


def check_queue_wait(now: datetime | None = None) -> Outcome:
    """Fire ``queue.wait_exceeded`` if the oldest item waited more than ``alert_wait_minutes`` (once),
    or re-arm it."""
    now = now or utcnow()
    threshold = settings.get(SETTINGS[QUEUE_WAIT_EXCEEDED])
    oldest = oldest_waiting(now) if threshold else None
    exceeded = oldest is not None and oldest[1] > threshold * 60
    return _settle(QUEUE_WAIT_EXCEEDED, exceeded, lambda: queue_state(now, oldest=oldest), threshold, now)


def check_alerts() -> dict[str, Outcome]:
    """Check both alerts now (the workers' periodic task, and the CLI); return each one's outcome."""
    now = utcnow()
    return {QUEUE_SIZE_EXCEEDED: check_queue_size(now), QUEUE_WAIT_EXCEEDED: check_queue_wait(now)}


def _on_comment_screened(comment: Comment, **_) -> None:
    # A published comment adds nothing to the queue; the signal is the process's, the alerts an app's.
    if current_app.extensions.get(_ENABLED) and comment.is_awaiting_review:
        check_queue_size()


def init_app(app) -> None:
    """Check the size alert as comments are written, and both alerts in ``app``'s outbox workers."""
    app.extensions[_ENABLED] = True
    comment_screened.connect(_on_comment_screened, weak=False)
    register_periodic(app, "moderation-alerts", app.config["MODERATION_ALERT_CHECK_SECONDS"], check_alerts)
