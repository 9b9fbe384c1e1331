"""The stored vector of each comment and article (moderation_comment_vectors, moderation_article_vectors).

A comment is encoded once, as the screen scores it (``Scores.vector``); the screen keeps the vector
for the request (``keep``) and the ``comment_screened`` receiver writes it in the comment's
transaction. A new comment is then compared with its thread's stored vectors, never with texts
encoded again. An article is encoded when a comment first needs it, and again when its text or the
encoder changes. Each row names the encoder that made it: another encoder's vectors are not
comparable, so they count as missing. ``flask --app wsgi moderation embed`` stores what is
missing (``backfill_comments``, ``backfill_articles``): after an encoder outage, or a new encoder.
"""
import hashlib
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from flask import current_app, g
from sqlalchemy import ForeignKey, LargeBinary, String, and_, delete, literal, select, union_all
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models import Article, Comment, CommentStatus
from forum.signals import comment_deleted, comment_screened
from forum.sql import among, upsert
from moderation.classifier import DIMENSIONS, ContextVectors, Model, Scores

_ENABLED = "parley.comment_vectors"
#: The request's vectors of the comments it screened, by text, until their rows are written.
_KEPT = "parley_comment_vectors"
#: ``Encoder.version`` and ``text_digest`` are 16 hex digits.
VERSION_LENGTH = 16
#: The comments a thread, the queue or a precedent can still show: the ones the backfill encodes.
BACKFILLED = (CommentStatus.PUBLISHED, CommentStatus.PENDING)


class EncoderUnavailable(Exception):
    """The encoder failed during a backfill (``Model.encoder_error`` says why)."""


class CommentVector(db.Model):
    __tablename__ = "moderation_comment_vectors"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary(DIMENSIONS))
    encoder: Mapped[str] = mapped_column(String(VERSION_LENGTH))


class ArticleVector(db.Model):
    __tablename__ = "moderation_article_vectors"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    #: Of the text that was encoded: an edited article is encoded again, once.
    text_digest: Mapped[str] = mapped_column(String(VERSION_LENGTH))
    vector: Mapped[bytes] = mapped_column(LargeBinary(DIMENSIONS))
    encoder: Mapped[str] = mapped_column(String(VERSION_LENGTH))


def text_digest(text: str) -> str:
    """Return the first 16 hex digits of the SHA-256 of ``text``."""
    return hashlib.sha256(text.encode()).hexdigest()[:VERSION_LENGTH]


def _array(stored: bytes) -> np.ndarray:
    return np.frombuffer(stored, dtype=np.int8)


def comment_vectors(comment_ids: Iterable[int], encoder: str) -> dict[int, np.ndarray]:
    """Return the stored vectors that ``encoder`` made of the comments ``comment_ids``, by id (one query)."""
    ids = set(comment_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(CommentVector.comment_id, CommentVector.vector)
                              .where(among(CommentVector.comment_id, ids), CommentVector.encoder == encoder))
    return {comment_id: _array(vector) for comment_id, vector in rows}


def store_comment_vector(comment_id: int, vector: np.ndarray, encoder: str) -> None:
    """Write (or replace) the comment's vector."""
    upsert(CommentVector, comment_id=comment_id, vector=vector.tobytes(), encoder=encoder)


def store_article_vector(article_id: int, text: str, vector: np.ndarray, encoder: str) -> None:
    """Write (or replace) the vector of the article whose text is ``text``."""
    upsert(ArticleVector, article_id=article_id, text_digest=text_digest(text), vector=vector.tobytes(),
           encoder=encoder)


def _stored_vectors(encoder: str, comment_ids: set[int], article_id: int | None,
                    article_digest: str | None) -> tuple[dict[int, np.ndarray], np.ndarray | None]:
    """Return the stored vectors that ``encoder`` made of the comments ``comment_ids``, by id, and
    of the article's text of digest ``article_digest`` (None: not stored, or no digest), in one query."""
    queries = []
    if comment_ids:
        queries.append(select(CommentVector.comment_id, literal(False).label("of_article"), CommentVector.vector)
                       .where(among(CommentVector.comment_id, comment_ids), CommentVector.encoder == encoder))
    if article_digest is not None:
        # Columns, not the entity: a row this session loaded earlier may have been replaced since.
        queries.append(select(ArticleVector.article_id, literal(True), ArticleVector.vector).where(
            ArticleVector.article_id == article_id, ArticleVector.text_digest == article_digest,
            ArticleVector.encoder == encoder))
    if not queries:
        return {}, None
    comments, article = {}, None
    for row_id, of_article, vector in db.session.execute(union_all(*queries) if len(queries) > 1 else queries[0]):
        if of_article:
            article = _array(vector)
        else:
            comments[row_id] = _array(vector)
    return comments, article


def _article_vector(model: Model, article_id: int, text: str, stored: np.ndarray | None) -> np.ndarray | None:
    """Return the article's ``stored`` vector, encoding and storing it first when it is missing or stale."""
    if stored is not None:
        return stored
    encoded = model.embed([text])
    if encoded is None:
        return None
    store_article_vector(article_id, text, encoded[0], model.encoder.version)
    return encoded[0]


def _parent_vector(model: Model, parent_id: int | None, text: str, stored: dict) -> np.ndarray | None:
    """Return the parent's stored vector; encode and store one it lacks (written while the encoder
    was down, or by another encoder), as the comment is compared with its parent above all."""
    if parent_id is None or not text.strip():
        return None
    if parent_id in stored:
        return stored[parent_id]
    encoded = model.embed([text])
    if encoded is None:
        return None
    store_comment_vector(parent_id, encoded[0], model.encoder.version)
    return encoded[0]


def context_vectors(model: Model, *, article_id: int | None, article: str, parent_id: int | None, parent: str,
                    context_ids: Sequence[int]) -> ContextVectors | None:
    """Return the stored vectors ``model`` compares a comment with, or None when it scores without
    its encoder. Thread comments without a stored vector of the model's encoder are left out."""
    if model.encoder is None:
        return None
    has_article = article_id is not None and bool(article.strip())
    stored, stored_article = _stored_vectors(
        model.encoder.version, {*context_ids, *([parent_id] if parent_id is not None else [])}, article_id,
        text_digest(article) if has_article else None)
    thread = [stored[comment_id] for comment_id in context_ids if comment_id in stored]
    return ContextVectors(article=_article_vector(model, article_id, article, stored_article) if has_article else None,
                          parent=_parent_vector(model, parent_id, parent, stored),
                          thread=np.stack(thread) if thread else None)


def _embedded(model: Model, texts: list[str]) -> np.ndarray:
    encoded = model.embed(texts)
    if encoded is None:
        raise EncoderUnavailable(model.encoder_error)
    return encoded


def backfill_comments(model: Model, batch_size: int) -> Iterator[int]:
    """Encode and store the published and pending comments that lack a vector of the model's
    encoder, oldest first; yield after each batch how many it stored (the caller commits then).

    :raise EncoderUnavailable: the encoder failed (the model must have one).
    """
    encoder, after = model.encoder.version, 0
    while True:
        rows = db.session.execute(
            select(Comment.id, Comment.body)
            .outerjoin(CommentVector, and_(CommentVector.comment_id == Comment.id, CommentVector.encoder == encoder))
            .where(Comment.status.in_(BACKFILLED), CommentVector.comment_id.is_(None), Comment.id > after)
            .order_by(Comment.id).limit(batch_size)).all()
        if not rows:
            return
        for (comment_id, _), vector in zip(rows, _embedded(model, [row.body for row in rows]), strict=True):
            store_comment_vector(comment_id, vector, encoder)
        after = rows[-1].id
        yield len(rows)


def backfill_articles(model: Model, batch_size: int) -> Iterator[int]:
    """Encode and store the articles whose vector is missing, of another encoder or of an older
    text, oldest first; yield after each batch how many it stored (the caller commits then).

    :raise EncoderUnavailable: the encoder failed (the model must have one).
    """
    encoder, after = model.encoder.version, 0
    while True:
        articles = list(db.session.scalars(select(Article).where(Article.id > after)
                                           .order_by(Article.id).limit(batch_size)))
        if not articles:
            return
        current = set(db.session.execute(
            select(ArticleVector.article_id, ArticleVector.text_digest)
            .where(among(ArticleVector.article_id, [a.id for a in articles]), ArticleVector.encoder == encoder)
        ).tuples())
        stale = [a for a in articles if (a.id, text_digest(a.text)) not in current]
        if stale:
            for article, vector in zip(stale, _embedded(model, [a.text for a in stale]), strict=True):
                store_article_vector(article.id, article.text, vector, encoder)
        after = articles[-1].id
        yield len(stale)


def keep(text: str, model: Model, scores: Scores) -> None:
    """Keep the vector that ``model`` made of the screened ``text`` until its comment is written."""
    kept = (model.encoder.version, scores.vector) if scores.vector is not None else None
    g.setdefault(_KEPT, {})[text] = kept


def _after_comment_screened(comment: Comment, **_) -> None:
    """Write the vector the screen kept for the comment's text; on an edit screened without one
    (the encoder was down, or the screen failed), delete the old text's."""
    if not current_app.extensions.get(_ENABLED):
        return
    kept = g.get(_KEPT, {}).pop(comment.body, None)
    if kept is not None:
        encoder, vector = kept
        store_comment_vector(comment.id, vector, encoder)
    elif comment.edited_at is not None:
        _delete_comment_vector(comment)


def _delete_comment_vector(comment: Comment, **_) -> None:
    if current_app.extensions.get(_ENABLED):
        db.session.execute(delete(CommentVector).where(CommentVector.comment_id == comment.id))


def init_app(app) -> None:
    """Store the vector of every comment ``app`` screens, and drop it when its reader deletes the comment
    (the receivers are the process's, switched on per app)."""
    app.extensions[_ENABLED] = True
    comment_screened.connect(_after_comment_screened)
    comment_deleted.connect(_delete_comment_vector)
