"""The signatures of the last day's comments (moderation_text_signatures) and their LSH bands
(moderation_text_bands), written when a comment is created, written again when it is edited, and
pruned as they age.

Finding the comments like a new text is one indexed query per band hash, whatever the number of
recent comments, and a comparison with the few candidates' stored signatures.
"""
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models import Comment, utcnow
from forum.signals import comment_screened
from moderation.rules import minhash

#: How long a comment's text counts as recent, and how many expired comments one write prunes.
WINDOW = timedelta(days=1)
PRUNE_BATCH = 20
#: How many candidates sharing a band are compared, the ones sharing most bands first.
CANDIDATES = 10
_ENABLED = "parley.text_signatures"


class TextSignature(db.Model):
    __tablename__ = "moderation_text_signatures"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    minhash: Mapped[bytes] = mapped_column(LargeBinary(minhash.PERMUTATIONS * 4))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class TextBand(db.Model):
    __tablename__ = "moderation_text_bands"
    __table_args__ = (Index("ix_moderation_text_bands_lookup", "band_hash", "created_at"),)

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    band_hash: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime)


def most_similar(sig: bytes, since: datetime, exclude: int | None = None) -> tuple[int, float] | None:
    """Return the recent comment whose text is most like ``sig``'s, and the estimated similarity:
    the candidates sharing most bands and their stored signatures come in one query."""
    shared = func.count().label("shared")
    candidates = (select(TextBand.comment_id, shared)
                  .where(TextBand.band_hash.in_(minhash.bands(sig)), TextBand.created_at >= since)
                  .group_by(TextBand.comment_id).order_by(shared.desc(), TextBand.comment_id.desc())
                  .limit(CANDIDATES))
    if exclude is not None:
        candidates = candidates.where(TextBand.comment_id != exclude)
    candidates = candidates.subquery()
    stored = db.session.execute(select(TextSignature.comment_id, TextSignature.minhash)
                                .join(candidates, candidates.c.comment_id == TextSignature.comment_id)).tuples()
    return max(((comment_id, minhash.similarity(sig, other)) for comment_id, other in stored),
               key=lambda pair: pair[1], default=None)


def _store(connection, comment: Comment, created: datetime) -> None:
    """Write the comment's signature and bands, dated ``created``, in its transaction."""
    sig = minhash.signature(comment.body)
    if sig is None:
        return
    connection.execute(insert(TextSignature.__table__).values(comment_id=comment.id, minhash=sig, created_at=created))
    # executemany: psycopg pipelines it, and SQLAlchemy cannot cache a multi-row VALUES statement.
    connection.execute(insert(TextBand.__table__), [
        {"comment_id": comment.id, "band": band, "band_hash": value, "created_at": created}
        for band, value in enumerate(minhash.bands(sig))])


def _expiry(now: datetime) -> datetime:
    return now - WINDOW - timedelta(hours=1)


def _prune(connection, before: datetime) -> None:
    """Delete the rows of at most ``PRUNE_BATCH`` comments signed before ``before`` (each write
    removes more than it adds once the table is a day old, so it never grows past a day's worth):
    their signatures in a DELETE that finds them and returns their ids, then their bands, if any."""
    signatures = TextSignature.__table__
    oldest = (select(signatures.c.comment_id).where(signatures.c.created_at < before)
              .order_by(signatures.c.created_at).limit(PRUNE_BATCH))
    expired = list(connection.scalars(delete(signatures).where(signatures.c.comment_id.in_(oldest))
                                      .returning(signatures.c.comment_id)))
    if expired:
        connection.execute(delete(TextBand.__table__).where(TextBand.comment_id.in_(expired)))


def _before_comment_insert(_mapper, connection, comment: Comment) -> None:
    # Before the INSERT: on PostgreSQL the comment's count trigger locks its article's row from the
    # INSERT to the commit, and posts into that article wait for it (bench/article_lock.py).
    if has_app_context() and current_app.extensions.get(_ENABLED):
        _prune(connection, _expiry(comment.created_at or utcnow()))


def _after_comment_insert(_mapper, connection, comment: Comment) -> None:
    if has_app_context() and current_app.extensions.get(_ENABLED):
        _store(connection, comment, comment.created_at or utcnow())


def _after_comment_screened(comment: Comment) -> None:
    """Sign an edited comment's new text as of now: an advert edited into an old comment is as
    recent as a new one. (A new comment was signed as it was inserted.)"""
    if comment.edited_at is None or not current_app.extensions.get(_ENABLED):
        return
    connection = db.session.connection()
    for table in (TextBand.__table__, TextSignature.__table__):
        connection.execute(delete(table).where(table.c.comment_id == comment.id))
    now = utcnow()
    _store(connection, comment, now)
    _prune(connection, _expiry(now))


def init_app(app) -> None:
    """Sign every comment ``app`` creates or edits (the listeners are the process's, switched on per app)."""
    app.extensions[_ENABLED] = True
    if not event.contains(Comment, "after_insert", _after_comment_insert):
        event.listen(Comment, "before_insert", _before_comment_insert)
        event.listen(Comment, "after_insert", _after_comment_insert)
    comment_screened.connect(_after_comment_screened)
