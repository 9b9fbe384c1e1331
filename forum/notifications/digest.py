"""The daily digest of followed readers: one mail a day listing the comments that readers I follow
published since my last digest (``queries.followed_comments``).

A digest day starts at MAIL_DIGEST_HOUR (UTC). A reader is due when the window their last digest
covered (``users.digest_through``) ended before the current digest day began; each run covers every
due reader up to now, mailing those who have something new, and records the window's end for all
of them, so the next window starts where this one ended: no comment is listed twice, none is
skipped, and nobody gets a second digest the same day, whether the workers' periodic task or cron
(``flask --app wsgi mail digest``) runs it, however often and in however many processes.

Recording the end is a conditional UPDATE on the value read (compare and set): of two runs at
once, one wins each reader and the other leaves them alone. On PostgreSQL a batch of readers is
also locked with ``SKIP LOCKED``, so that workers share readers instead of waiting on each other.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select, update

from forum.extensions import db
from forum.models import Follow, User, utcnow
from forum.notifications import queries
from forum.notifications.mail import mail_digest
from forum.outbox.service import register_periodic

log = logging.getLogger(__name__)
#: How far back a digest reaches when the reader's last one is older (or there was none).
DEFAULT_SINCE = timedelta(hours=24)
#: The comments a digest lists; the rest are counted, with a link to the feed.
DIGEST_MAX_COMMENTS = 20
#: Readers handled per transaction: each batch's mail and recorded windows commit together.
BATCH_SIZE = 100


@dataclass
class DigestRun:
    """What a run did: how many readers were due, and who was (or, in a dry run, would be) mailed
    how many comments."""

    due_count: int = 0
    mailed: list[tuple[str, int]] = field(default_factory=list)


def digest_day_start(now: datetime, hour: int) -> datetime:
    """Return when the digest day that ``now`` falls in began: the latest ``hour`` o'clock at or before it."""
    start = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return start if start <= now else start - timedelta(days=1)


def _is_due(day_start: datetime):
    """Return the condition "this reader wants the digest, can be mailed it, follows someone and has
    had none this digest day"."""
    return (User.mail_followed.is_(True), User.email.is_not(None), User.deleted_at.is_(None),
            User.banned_at.is_(None), or_(User.digest_through.is_(None), User.digest_through < day_start),
            exists().where(Follow.follower_id == User.id))


def _due_batch(day_start: datetime, after_id: int, *, lock: bool) -> list[User]:
    stmt = select(User).where(*_is_due(day_start), User.id > after_id).order_by(User.id).limit(BATCH_SIZE)
    if lock:
        stmt = stmt.with_for_update(skip_locked=True)
    return list(db.session.scalars(stmt))


def _claim(reader: User, now: datetime) -> bool:
    """Record ``now`` as the end of ``reader``'s digest window if nobody changed it since it was read."""
    seen = reader.digest_through
    unchanged = User.digest_through.is_(None) if seen is None else User.digest_through == seen
    claimed = db.session.execute(update(User).where(User.id == reader.id, unchanged).values(digest_through=now)
                                 .execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def _window_start(reader: User, now: datetime, since: timedelta) -> datetime:
    reach = now - since
    return reach if reader.digest_through is None else max(reader.digest_through, reach)


def send_digests(now: datetime | None = None, since: timedelta = DEFAULT_SINCE, *, dry_run: bool = False) -> DigestRun:
    """Mail the digest to every reader due one at ``now``; commit after each batch of readers.

    It commits itself, unlike a service, so that a run over many readers holds no lock for long
    and keeps what it did if it stops half way. With ``dry_run`` it writes and queues nothing and
    says who would be mailed.

    :param since: how far back a window reaches at most (a reader's first digest, or after a pause).
    """
    # The run acts as of a little while ago (MAIL_DIGEST_SETTLE_SECONDS), so that every comment its
    # window covers has committed: one committing just after the run would be missed by this digest
    # and, its time being in this window, by the next.
    now = (now or utcnow()) - timedelta(seconds=current_app.config["MAIL_DIGEST_SETTLE_SECONDS"])
    day_start = digest_day_start(now, current_app.config["MAIL_DIGEST_HOUR"])
    lock = not dry_run and db.session.get_bind().dialect.name == "postgresql"
    run, after_id = DigestRun(), 0
    while batch := _due_batch(day_start, after_id, lock=lock):
        after_id = batch[-1].id
        for reader in batch:
            start = _window_start(reader, now, since)
            if not dry_run and not _claim(reader, now):
                continue
            run.due_count += 1
            rows, total = queries.followed_comments(reader, start, now, limit=DIGEST_MAX_COMMENTS)
            if total:
                run.mailed.append((reader.username, total))
                if not dry_run:
                    mail_digest(reader, rows, total)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    if run.due_count and not dry_run:
        log.info("digest of followed readers: %s readers due, %s mailed", run.due_count, len(run.mailed))
    return run


def init_app(app) -> None:
    """Let ``app``'s outbox workers send the digests due every MAIL_DIGEST_CHECK_SECONDS."""
    register_periodic(app, "followed-digest", app.config["MAIL_DIGEST_CHECK_SECONDS"], send_digests)
