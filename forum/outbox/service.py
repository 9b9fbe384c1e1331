"""Enqueue outbox items in the caller's transaction, and the handlers that deliver them by kind."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import text

from forum.extensions import db
from forum.models import utcnow
from forum.outbox.models import OutboxItem

#: The PostgreSQL channel a commit with new items notifies, so an idle worker wakes at once.
CHANNEL = "parley_outbox"
EXTENSION = "parley_outbox_handlers"
PERIODIC_EXTENSION = "parley_outbox_periodic"

#: ``handler(payload, attempt)``: deliver once; return on success, raise ``DeliveryFailed`` otherwise
#: (``DeliveryRefused`` when no later attempt can succeed).
Handler = Callable[[dict, int], None]


class DeliveryFailed(Exception):
    """An attempt that did not get through (an error answer, a timeout, a refused address): retry later."""


class DeliveryRefused(DeliveryFailed):
    """An attempt the receiver refused for good (a mail server's 5xx answer): the item fails at once,
    with the refusal as its last error, since trying again would only be refused again."""


def register_handler(app, kind: str, handler: Handler) -> None:
    """Make ``handler`` deliver the items of ``kind`` in ``app``'s workers."""
    app.extensions.setdefault(EXTENSION, {})[kind] = handler


def handler_for(kind: str) -> Handler | None:
    """Return the handler registered for ``kind`` in the current app, or None."""
    return current_app.extensions.get(EXTENSION, {}).get(kind)


@dataclass(frozen=True)
class PeriodicTask:
    """Work a worker runs every ``every_seconds`` (a check that needs a clock, not an event)."""

    name: str
    every_seconds: float
    run: Callable[[], None]


def register_periodic(app, name: str, every_seconds: float, fn: Callable[[], None]) -> None:
    """Make ``app``'s workers call ``fn()`` every ``every_seconds``, and once in each ``--burst`` run.

    ``fn`` runs in the app context and adds and flushes; the worker commits after it (or rolls
    back if it raises). Every worker runs it: ``fn`` must be safe to run in several at once.
    """
    if not every_seconds > 0:
        raise ValueError(f"periodic task {name!r} needs a positive interval, not {every_seconds!r}")
    app.extensions.setdefault(PERIODIC_EXTENSION, {})[name] = PeriodicTask(name, float(every_seconds), fn)


def periodic_tasks() -> list[PeriodicTask]:
    """Return the periodic tasks registered in the current app."""
    return list(current_app.extensions.get(PERIODIC_EXTENSION, {}).values())


def enqueue(kind: str, payload: dict) -> OutboxItem:
    """Add an item to the current session, due now; it is written (or not) with the caller's commit.

    On PostgreSQL the same transaction sends a NOTIFY, which the server delivers only on commit:
    a listening worker picks the item up at once, and never sees one that was rolled back.
    """
    now = utcnow()
    item = OutboxItem(kind=kind, payload=payload, created_at=now, next_attempt_at=now)
    db.session.add(item)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    return item
