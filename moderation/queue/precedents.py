"""Precedents: the comments moderators already decided that are most like a queued one.

A precedent is a comment with a stored vector of the current encoder (``moderation.embeddings``)
and its latest approval or rejection; an escalation only hands a comment to the admins, so it is
none. Likeness is the cosine of the two stored vectors.

Each app keeps an index of them in ``app.extensions``: a worker has one app, and the tests make
many, each on its own database. It is built on first use with one query and kept fresh: each use
reads only the decisions logged since (a range of the log's primary key), and a comment decided
again takes its new decision. A comment decided again without a vector (edited while the encoder
was down) keeps its row, retired. A new encoder starts the index afresh: its vectors are not
comparable with the old ones.

The rows stay in their stored form, int8 (384 bytes a comment); a page's similarities are computed
in one pass over them, converted to float32 a chunk at a time, so no float copy of the whole index
is ever made. ``bench/precedents.py`` has the figures.

Left for the next build (a new process, or a new encoder): a vector stored after its comment's
decision (the backfill after an encoder outage) is not read, and a comment deleted since it was
indexed keeps its row (it is left out when shown).
"""
import threading
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from flask import current_app
from sqlalchemy import and_, select

from forum.api.following import excerpt
from forum.extensions import db
from forum.models import Comment, CommentStatus
from moderation.classifier import DIMENSIONS
from moderation.classifier.encoder import dequantise
from moderation.embeddings import CommentVector
from moderation.models import ModerationDecision
from moderation.vocabulary import FINAL_ACTIONS, DecisionAction, RejectionReason

_INDEX = "parley.precedents"
#: Precedents shown per item.
SHOWN = 3
#: Nearest rows searched per item: more than shown, as the item itself, retired rows and comments
#: deleted since they were indexed are dropped after the search.
CANDIDATES = 8
#: Decisions read again at each refresh: PostgreSQL draws a decision's id before its transaction
#: commits, so a decision may become visible after one with a higher id.
OVERLAP = 100
#: Rows converted to float32 at a time (3 MB): faster than 4,096 or 8,192 rows for a page of 50.
CHUNK = 2048
#: Decisions fetched per round trip while the index is built.
BATCH = 10_000
EXCERPT_LENGTH = 200
#: Below this cosine a decided comment says nothing about the queued one (a paraphrase scores
#: 0.85-0.9 with this encoder, unrelated comments on one story 0.0-0.3), so it is not shown.
MIN_SIMILARITY = 0.5
#: The comment id of a retired row; comment ids start at 1.
RETIRED = 0
_ZERO = bytes(DIMENSIONS)


@dataclass
class Precedent:
    """A decided comment like a queued one, with its latest approval or rejection."""

    comment_id: int
    excerpt: str
    action: DecisionAction
    reason: RejectionReason | None
    #: The cosine of the two comments' stored vectors, to 3 decimals.
    similarity: float
    decided_at: datetime


class PrecedentIndex:
    """The decided comments' stored vectors, each row with its comment's latest final decision."""

    def __init__(self):
        self._lock = threading.Lock()
        self._start(None)

    def _start(self, encoder: str | None) -> None:
        self.encoder = encoder
        #: The highest decision id read so far.
        self.seen = 0
        self.count = 0
        self._vectors = np.zeros((0, DIMENSIONS), np.int8)
        self._norms = np.zeros(0, np.float32)
        self._comment_ids = np.zeros(0, np.int64)
        self._decision_ids = np.zeros(0, np.int64)
        self._row_of: dict[int, int] = {}

    @property
    def nbytes(self) -> int:
        """Return the size of the index's arrays (without the comment-to-row dict)."""
        return sum(a.nbytes for a in (self._vectors, self._norms, self._comment_ids, self._decision_ids))

    def search(self, encoder: str, vectors: dict[int, np.ndarray]) -> dict[int, list[tuple[int, float]]]:
        """Refresh, then return for each comment of ``vectors`` (id: stored vector) the decision ids
        and cosines of its nearest decided comments, most similar first, itself left out."""
        with self._lock:
            # The search holds the lock too: a refresh rewrites rows in place.
            self._refresh(encoder)
            if not vectors or not self.count:
                return {comment_id: [] for comment_id in vectors}
            ids = list(vectors)
            rows, cosines = self._nearest(dequantise(np.stack([vectors[i] for i in ids])), CANDIDATES)
            comment_ids = np.where(rows >= 0, self._comment_ids[rows], RETIRED)
            decision_ids = self._decision_ids[rows]
        return {comment_id: [(int(decision), float(cosine)) for row_comment, decision, cosine
                             in zip(comment_ids[n], decision_ids[n], cosines[n], strict=True)
                             if row_comment not in (RETIRED, comment_id)]
                for n, comment_id in enumerate(ids)}

    def refresh(self, encoder: str) -> None:
        """Read the decisions logged since the last refresh: all of them at first, or under a new encoder."""
        with self._lock:
            self._refresh(encoder)

    def _refresh(self, encoder: str) -> None:
        if encoder != self.encoder:
            self._start(encoder)
        stmt = (select(ModerationDecision.id, ModerationDecision.comment_id, CommentVector.vector)
                .outerjoin(CommentVector, and_(CommentVector.comment_id == ModerationDecision.comment_id,
                                               CommentVector.encoder == encoder))
                .where(ModerationDecision.id > self.seen - OVERLAP, ModerationDecision.action.in_(FINAL_ACTIONS))
                .order_by(ModerationDecision.id))
        for rows in db.session.execute(stmt.execution_options(yield_per=BATCH)).partitions():
            self._apply(rows)

    def _apply(self, rows) -> None:
        """Take each decision in the log's order: a later one on a comment replaces the earlier."""
        self._reserve(len(rows))
        staged: dict[int, bytes] = {}
        for decision_id, comment_id, vector in rows:
            self.seen = max(self.seen, decision_id)
            row = self._row_of.get(comment_id)
            if row is not None and self._decision_ids[row] >= decision_id:
                continue  # read again in the overlap
            if row is None:
                if vector is None:
                    continue
                row = self._row_of[comment_id] = self.count
                self.count += 1
            self._decision_ids[row] = decision_id
            self._comment_ids[row] = comment_id if vector is not None else RETIRED
            staged[row] = vector if vector is not None else _ZERO
        if staged:
            rows = np.fromiter(staged, np.int64, len(staged))
            block = np.frombuffer(b"".join(staged.values()), np.int8).reshape(len(staged), DIMENSIONS)
            self._vectors[rows] = block
            norms = np.linalg.norm(block.astype(np.float32), axis=1)
            self._norms[rows] = np.where(norms > 0, norms, 1)

    def _reserve(self, extra: int) -> None:
        """Make room for ``extra`` more rows, growing by a quarter: appends stay cheap, the spare room small."""
        needed = self.count + extra
        if needed <= len(self._comment_ids):
            return
        size = max(needed, len(self._comment_ids) * 5 // 4, 1024)
        self._vectors, self._norms, self._comment_ids, self._decision_ids = (
            _grown(a, size, self.count) for a in (self._vectors, self._norms, self._comment_ids, self._decision_ids))

    def _nearest(self, queries: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the rows and cosines of each unit query's ``count`` nearest rows, most similar
        first: two arrays of shape (queries, count), with row -1 where the index holds fewer.

        Each chunk's cosines are only compared with the worst that each query keeps: past the first
        chunks few beat it, so few are sorted (sorting each chunk took nearly as long as its products)."""
        best_rows = np.full((len(queries), count), -1, np.int64)
        best = np.full((len(queries), count), -np.inf, np.float32)
        floats = np.empty((min(CHUNK, self.count), DIMENSIONS), np.float32)
        for start in range(0, self.count, CHUNK):
            stop = min(start + CHUNK, self.count)
            chunk = floats[:stop - start]
            chunk[...] = self._vectors[start:stop]
            cosines = queries @ chunk.T
            cosines /= self._norms[start:stop]
            hit_queries, hit_rows = np.nonzero(cosines > best[:, -1:])
            bounds = np.searchsorted(hit_queries, np.arange(len(queries) + 1))
            for query in np.flatnonzero(np.diff(bounds)):
                rows = hit_rows[bounds[query]:bounds[query + 1]]
                values = np.concatenate([best[query], cosines[query, rows]])
                top = np.argpartition(-values, count - 1)[:count]
                top = top[np.argsort(-values[top], kind="stable")]
                best_rows[query] = np.concatenate([best_rows[query], rows + start])[top]
                best[query] = values[top]
        return best_rows, best


def _grown(array: np.ndarray, size: int, count: int) -> np.ndarray:
    grown = np.zeros((size, *array.shape[1:]), array.dtype)
    grown[:count] = array[:count]
    return grown


def app_index() -> PrecedentIndex:
    """Return the current app's index."""
    return current_app.extensions[_INDEX]


def precedents_of(vectors: dict[int, np.ndarray], encoder: str) -> dict[int, list[Precedent]]:
    """Return the precedents of the comments whose stored vectors ``vectors`` holds (by comment id),
    most similar first: the app's index, then one query for their comments and decisions."""
    found = app_index().search(encoder, vectors)
    decision_ids = {decision_id for hits in found.values() for decision_id, _ in hits}
    decided = {}
    if decision_ids:
        decided = {row.id: row for row in db.session.execute(
            select(ModerationDecision.id, ModerationDecision.comment_id, ModerationDecision.action,
                   ModerationDecision.reason, ModerationDecision.created_at, Comment.body)
            .join(Comment, Comment.id == ModerationDecision.comment_id)
            .where(ModerationDecision.id.in_(decision_ids), Comment.status != CommentStatus.DELETED))}
    result = {}
    for comment_id, hits in found.items():
        shown = [(decided[decision_id], cosine) for decision_id, cosine in hits
                 if decision_id in decided and cosine >= MIN_SIMILARITY][:SHOWN]
        result[comment_id] = [Precedent(row.comment_id, excerpt(row.body, EXCERPT_LENGTH), row.action, row.reason,
                                        round(cosine, 3), row.created_at) for row, cosine in shown]
    return result


def init_app(app) -> None:
    """Give ``app`` its own index of precedents, built on its first use."""
    app.extensions[_INDEX] = PrecedentIndex()
