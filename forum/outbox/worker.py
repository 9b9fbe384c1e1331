"""The outbox worker: claim due items, deliver each outside any transaction, record the outcome.

Claiming is safe with any number of workers on any number of hosts. On PostgreSQL a worker locks
due rows with ``FOR UPDATE SKIP LOCKED`` (others skip them instead of waiting), writes its lease
(``locked_until``) and commits before delivering; on SQLite one conditional UPDATE claims them
atomically. A worker that dies lets its leases lapse and another takes the items over. An item is
done only when its handler returned: delivery is at least once.

Between batches a worker also runs the periodic tasks features registered (``register_periodic``)
when they are due, and its idle wait ends by the next one's time, so they keep their interval
however quiet the outbox is.
"""
import logging
import os
import secrets
import socket
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from flask import current_app
from sqlalchemy import and_, delete, exc, or_, select, update

from forum.extensions import db
from forum.models import utcnow
from forum.outbox.models import OutboxItem, OutboxStatus
from forum.outbox.service import CHANNEL, DeliveryFailed, DeliveryRefused, handler_for, periodic_tasks

log = logging.getLogger(__name__)
PRUNE_EVERY = timedelta(hours=1)
#: The longest a waiting worker takes to notice that it was asked to stop, in seconds.
STOP_CHECK = 0.5
#: Seconds between attempts to LISTEN again after the connection failed.
LISTEN_RETRY = 10


@dataclass(frozen=True)
class Claimed:
    """What a worker needs of an item it holds the lease on (read once, used outside the transaction)."""

    id: int
    kind: str
    payload: dict
    attempts: int
    created_at: datetime


def retry_delay(config, failures: int) -> float:
    """Return the seconds to wait after the ``failures``-th failed attempt (the last delay repeats)."""
    delays = list(config["OUTBOX_RETRY_DELAYS"])
    return float(delays[min(failures, len(delays)) - 1])


def _due(now):
    return and_(OutboxItem.status == OutboxStatus.PENDING, OutboxItem.next_attempt_at <= now,
                or_(OutboxItem.locked_until.is_(None), OutboxItem.locked_until < now))


class Worker:
    """One worker process's loop; ``stop()`` (from a signal handler) ends it after the current item."""

    def __init__(self, name: str | None = None):
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.config = current_app.config
        self.stopping = False
        self.is_postgresql = db.engine.dialect.name == "postgresql"
        self._listener = None
        self._listen_again_at = 0.0
        self._sqlite_watch = None
        self._data_version = None
        self._pruned_at = datetime.min
        self._tasks = periodic_tasks()
        #: When each periodic task is next due, on the monotonic clock: all of them at start-up.
        self._task_due = {task.name: 0.0 for task in self._tasks}

    def stop(self) -> None:
        """Ask the loop to end once the item in hand is finished."""
        self.stopping = True

    def claim(self) -> list[Claimed]:
        """Take the lease on up to OUTBOX_BATCH_SIZE due items, commit it, and return them."""
        now = utcnow()
        lease = {"locked_until": now + timedelta(seconds=self.config["OUTBOX_LEASE_SECONDS"]),
                 "locked_by": self.name}
        due = (select(OutboxItem.id).where(_due(now))
               .order_by(OutboxItem.next_attempt_at, OutboxItem.id).limit(self.config["OUTBOX_BATCH_SIZE"]))
        if self.is_postgresql:
            ids = list(db.session.scalars(due.with_for_update(skip_locked=True)))
            if ids:
                db.session.execute(update(OutboxItem).where(OutboxItem.id.in_(ids)).values(**lease))
        else:
            # A read first, so an idle poll takes no write lock; then one conditional UPDATE, which
            # SQLite runs under its write lock: of two workers, only one claims a row.
            ids = list(db.session.scalars(due))
            if ids:
                ids = list(db.session.scalars(update(OutboxItem).where(OutboxItem.id.in_(ids), _due(now))
                                              .values(**lease).returning(OutboxItem.id)))
        rows = db.session.execute(select(OutboxItem.id, OutboxItem.kind, OutboxItem.payload, OutboxItem.attempts,
                                         OutboxItem.created_at)
                                  .where(OutboxItem.id.in_(ids)).order_by(OutboxItem.next_attempt_at,
                                                                          OutboxItem.id)).all() if ids else []
        db.session.commit()
        return [Claimed(*row) for row in rows]

    def deliver(self, item: Claimed) -> DeliveryFailed | None:
        """Run the item's handler once; return None on success, or how the attempt failed."""
        handler = handler_for(item.kind)
        if handler is None:
            return DeliveryFailed(f"no handler for items of kind {item.kind!r} in this worker")
        try:
            handler(item.payload, item.attempts + 1)
        except DeliveryFailed as failure:
            return failure
        except Exception as error:  # noqa: BLE001  (a handler's bug must not stop the worker)
            log.exception("outbox item %s (%s) failed", item.id, item.kind)
            db.session.rollback()
            return DeliveryFailed(f"{type(error).__name__}: {error}")
        return None

    def finish(self, item: Claimed, failure: DeliveryFailed | None) -> None:
        """Record the attempt's outcome with whatever the handler added, in one commit: done, failed
        (refused for good, or out of time), or due again after the next retry delay."""
        now = utcnow()
        failures = item.attempts + 1
        error = None if failure is None else str(failure) or "delivery failed"
        values = {"attempts": failures, "locked_until": None, "locked_by": None, "last_error": error}
        if failure is None:
            values.update(status=OutboxStatus.DONE, finished_at=now)
        else:
            give_up_at = item.created_at + timedelta(seconds=self.config["OUTBOX_GIVE_UP_AFTER"])
            if isinstance(failure, DeliveryRefused) or now >= give_up_at:
                values.update(status=OutboxStatus.FAILED, finished_at=now)
                log.warning("outbox item %s (%s) given up after %s attempts (%s): %s", item.id, item.kind, failures,
                            "refused for good" if isinstance(failure, DeliveryRefused) else "out of time", error)
            else:
                # The last attempt comes when the time is up, however long the next delay would be.
                values["next_attempt_at"] = min(now + timedelta(seconds=retry_delay(self.config, failures)),
                                                give_up_at)
        # Only while the lease is ours: a worker whose lease lapsed must not undo its successor's.
        db.session.execute(update(OutboxItem).where(OutboxItem.id == item.id, OutboxItem.locked_by == self.name)
                           .values(**values))
        db.session.commit()

    def release(self, items: list[Claimed]) -> None:
        """Give back the leases of claimed items this worker will not deliver (it is stopping)."""
        if items:
            db.session.execute(update(OutboxItem).where(OutboxItem.id.in_([i.id for i in items]),
                                                        OutboxItem.locked_by == self.name)
                               .values(locked_until=None, locked_by=None))
            db.session.commit()

    def run_batch(self) -> int:
        """Claim and deliver one batch; return how many items it held."""
        items = self.claim()
        for index, item in enumerate(items):
            if self.stopping:
                self.release(items[index:])
                break
            self.finish(item, self.deliver(item))
        return len(items)

    def run(self, *, burst: bool = False) -> None:
        """Deliver until stopped; with ``burst``, until nothing is due. Database outages are waited out."""
        log.info("outbox worker %s started (%s)", self.name, "burst" if burst else "polling")
        if self.is_postgresql and not burst:
            self._listen()  # before the first claim: a commit from then on wakes the first wait
        while not self.stopping:
            try:
                self.run_due_tasks()
                if self.run_batch():
                    continue
                if burst:
                    break
                self.prune()
            except exc.SQLAlchemyError as error:
                db.session.rollback()
                log.warning("outbox worker: database error, trying again shortly: %s", error)
            self.wait()
        self.close()
        log.info("outbox worker %s stopped", self.name)

    def run_due_tasks(self) -> None:
        """Run each periodic task whose time has come, each in its own transaction, and set its next time.

        A task that fails is logged and tried again at its next time; it never stops deliveries.
        """
        for task in self._tasks:
            now = time.monotonic()
            if now < self._task_due[task.name]:
                continue
            self._task_due[task.name] = now + task.every_seconds
            try:
                task.run()
                db.session.commit()
            except Exception:  # noqa: BLE001  (a task's bug or a database outage must not stop the worker)
                db.session.rollback()
                log.exception("outbox worker: periodic task %s failed", task.name)

    def prune(self) -> None:
        """Now and then, delete items delivered longer ago than OUTBOX_KEEP_DONE_DAYS (failed ones stay)."""
        now = utcnow()
        if now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        cutoff = now - timedelta(days=self.config["OUTBOX_KEEP_DONE_DAYS"])
        db.session.execute(delete(OutboxItem).where(OutboxItem.status == OutboxStatus.DONE,
                                                    OutboxItem.finished_at < cutoff))
        db.session.commit()

    def wait(self) -> None:
        """Sleep OUTBOX_POLL_INTERVAL seconds, or on PostgreSQL until a commit notifies new items;
        never past the time a periodic task is due.

        In slices of at most STOP_CHECK seconds: a stop signal does not interrupt the wait itself.
        """
        deadline = min([time.monotonic() + float(self.config["OUTBOX_POLL_INTERVAL"]), *self._task_due.values()])
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            if self._wait_for_notice(min(left, STOP_CHECK)):
                return

    def _wait_for_notice(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for a NOTIFY, or on SQLite for another connection's commit; return
        whether one came."""
        if not self.is_postgresql:
            return self._sqlite_changed(seconds)
        listener = self._listen()
        if listener is None:
            time.sleep(seconds)
            return False
        try:
            return any(True for _ in listener.notifies(timeout=seconds, stop_after=1))
        except psycopg.Error as error:
            log.warning("outbox worker: lost the LISTEN connection, polling until it is back: %s", error)
            self.close()
            time.sleep(seconds)
            return False

    def _sqlite_changed(self, seconds: float) -> bool:
        """Watch SQLite's ``data_version`` (it changes when another connection commits) for ``seconds``.

        Reading it costs microseconds and no lock, so the worker can look far more often than it
        could afford to query the outbox.
        """
        check = float(self.config["OUTBOX_SQLITE_CHANGE_CHECK"])
        database = db.engine.url.database
        if not check or not database or database == ":memory:":
            time.sleep(seconds)
            return False
        if self._sqlite_watch is None:
            self._sqlite_watch = sqlite3.connect(database, check_same_thread=False)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            version = self._sqlite_watch.execute("PRAGMA data_version").fetchone()[0]
            if version != self._data_version:
                self._data_version = version
                return True
            time.sleep(check)
        return False

    def _listen(self):
        """Return the connection that LISTENs on the outbox channel, opening it when needed.

        After a failure it tries again only every LISTEN_RETRY seconds, polling meanwhile.
        """
        if self._listener is not None and not self._listener.closed:
            return self._listener
        if time.monotonic() < self._listen_again_at:
            return None
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            self._listener = psycopg.connect(url, autocommit=True,
                                             connect_timeout=self.config["DATABASE_CONNECT_TIMEOUT"])
            self._listener.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as error:
            log.warning("outbox worker: cannot LISTEN, polling instead: %s", error)
            self._listener = None
            self._listen_again_at = time.monotonic() + LISTEN_RETRY
        return self._listener

    def close(self) -> None:
        """Close the connections that watch for new items, if any."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._sqlite_watch is not None:
            self._sqlite_watch.close()
            self._sqlite_watch = None
