"""Off-topic: how similar is a comment to its article, its parent and the thread so far.

Features (per comment): cosine similarity of the comment to the article, to the parent comment
and to the centroid of the thread's other comments (word and char TF-IDF separately), the best
match among those comments (word and char), how close the thread's comments are to the article
on average, the share of the comment's weight on terms the article uses, the comment's length,
the thread's size, and flags for which contexts were given. A logistic regression on those few
numbers (plus products with the length, the thread size and the no-thread flag, see ``design``)
is the calibrated model. Training pairs come from the Fox News comments: each comment under its
own article (on topic) and under another article, with that article's thread as context (off
topic), with whole threads, the first few comments (``SHORT_THREADS``) and the article alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from .features import CHAR_BITS, Featuriser

FEATURE_NAMES = (
    "article_word", "article_char", "parent_word", "parent_char", "thread_word", "thread_char",
    "thread_best", "log_length", "has_article", "has_parent", "has_thread",
    "thread_best_char", "thread_article_word", "thread_article_char", "article_share_word", "article_share_char",
    "log_thread_size",
)
# The most recent comments of a thread that are compared. By CV over articles on Fox training
# threads (pairs with a thread), 10 / 30 / 50 / 100 / 300 gave ROC-AUC 0.755 / 0.782 / 0.801 /
# 0.844 / 0.852. The web layer sends this many (moderation.scoring.CONTEXT_SIZE).
MAX_CONTEXT = 300
CACHE_SIZE = 4096  # context texts whose folded rows a model keeps (about 7 KB a comment: under 30 MB)
DENSE_ROWS = 64  # up to this many comments, dense folding beats scipy's per-call overhead


FOLD_BITS = 13


def dense(x: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Return the (word, char) blocks of TF-IDF rows folded to 8,192 dense columns, l2-normed.

    Folding the hashed columns costs a few collisions and makes the cosines plain dense
    products; sparse products against 1.5 million columns were the slow part of this model.
    """
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    word = x.indices >= (1 << CHAR_BITS)
    size = 1 << FOLD_BITS
    out = []
    for block in (word, ~word):
        keys = rows[block] * size + (x.indices[block] & (size - 1))
        m = np.bincount(keys, weights=x.data[block], minlength=x.shape[0] * size).reshape(x.shape[0], size)
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        out.append((m / np.maximum(norms, 1e-9)).astype(np.float32))
    return out[0], out[1]


_FOLD_CHUNK = 16  # rows per dense accumulator (16 x 8,192 float64 = 1 MB, stays in cache)


def folded(x: sp.csr_matrix) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Return the (word, char) blocks of TF-IDF rows folded like ``dense`` but kept sparse.

    For a batch of comments: a dense 8,192-column copy of every comment would cost more than
    scoring it. The folded rows keep colliding columns as duplicate entries (products sum them,
    which is all the cosines need), so nothing is sorted; each row's norm comes from a dense
    accumulator of a chunk of rows: the sum over a row's entries of value x (its slot's total)
    is the squared norm of the folded row.
    """
    n = x.shape[0]
    rows = np.repeat(np.arange(n), np.diff(x.indptr))
    word = x.indices >= (1 << CHAR_BITS)
    size = 1 << FOLD_BITS
    out = []
    for block in (word, ~word):
        r, c, d = rows[block], x.indices[block] & (size - 1), x.data[block].astype(np.float64)
        squared = np.zeros(n)
        bounds = np.searchsorted(r, np.arange(0, n + _FOLD_CHUNK, _FOLD_CHUNK))
        for i in range(len(bounds) - 1):
            lo, hi = bounds[i], bounds[i + 1]
            if lo == hi:
                continue
            keys = (r[lo:hi] - i * _FOLD_CHUNK) * size + c[lo:hi]
            slot = np.bincount(keys, weights=d[lo:hi])[keys]
            squared += np.bincount(r[lo:hi], weights=d[lo:hi] * slot, minlength=n)
        indptr = np.concatenate(([0], np.cumsum(np.bincount(r, minlength=n))))
        values = d / np.maximum(np.sqrt(squared), 1e-9)[r]
        out.append(sp.csr_matrix((values, c.astype(np.int32), indptr), shape=(n, size)))
    return out[0], out[1]


def similarities(x, article=None, parent=None, thread=None) -> np.ndarray:
    """Return the feature rows of comments against their contexts.

    ``x`` is the (word, char) pair of n comments, ``dense`` or ``folded``; ``article`` and
    ``parent`` are one-row ``dense`` pairs or None; ``thread`` holds one row per context comment,
    ``dense`` or ``folded`` (or None).
    """
    return pair_features(x, article, parent, thread_matches(x, thread, article))


@dataclass(frozen=True)
class ThreadMatches:
    """What the thread features need of n comments against a thread's m context comments, each a
    pair over the (word, char) blocks: the thread's rows themselves are not needed, so training can
    take these from products computed once per thread (``ThreadTable``)."""

    #: Each comment's cosine to each context comment, (n, m).
    matches: tuple
    #: The length of the sum of the context's rows.
    centroid_norms: tuple
    #: The sum of the context comments' cosines to the article, or None without an article.
    article_sums: tuple | None
    size: int


def thread_matches(x, thread, article=None) -> ThreadMatches | None:
    """Return the ``ThreadMatches`` of comments ``x`` against ``thread``'s rows, or None for no thread."""
    if thread is None or not thread[0].shape[0]:
        return None
    matches, norms, sums = [], [], []
    for col in (0, 1):
        centroid = np.asarray(thread[col].sum(axis=0)).ravel()
        products = x[col] @ thread[col].T
        matches.append(products.toarray() if sp.issparse(products) else products)
        norms.append(float(np.linalg.norm(centroid)))
        sums.append(None if article is None else float(centroid @ article[col][0]))
    return ThreadMatches(tuple(matches), tuple(norms), None if article is None else tuple(sums), thread[0].shape[0])


def pair_features(x, article, parent, thread: ThreadMatches | None) -> np.ndarray:
    """Return the feature rows of comments ``x`` against an article, a parent and a thread (see
    ``similarities``), the thread given by its ``ThreadMatches``."""
    n = x[0].shape[0]
    out = np.zeros((n, len(FEATURE_NAMES)))
    for col in (0, 1):
        if article is not None:
            out[:, col] = x[col] @ article[col][0]
            out[:, 14 + col] = shares(x[col], article[col][0])
        if parent is not None:
            out[:, 2 + col] = x[col] @ parent[col][0]
        if thread is not None:
            matches = thread.matches[col]
            # The cosine to the centroid: a comment's product with the sum of the rows is the sum of
            # its products with each, over the sum's length.
            out[:, 4 + col] = matches.sum(axis=1) / max(thread.centroid_norms[col], 1e-9)
            out[:, 6 if col == 0 else 11] = matches.max(axis=1)
            if thread.article_sums is not None:  # mean similarity of the thread's comments to the article
                out[:, 12 + col] = thread.article_sums[col] / thread.size
    out[:, 8] = article is not None
    out[:, 9] = parent is not None
    out[:, 10] = thread is not None
    out[:, 16] = np.log1p(thread.size) if thread is not None else 0.0
    return out


class ThreadTable:
    """A thread's dense rows' products with each other, with its article and with the comments
    compared with it, computed once: the ``ThreadMatches`` of any of those comments against any of
    the thread's rows then take no copy of them. Training compares thousands of comments with
    the same few threads; row by row, copying and summing the thread's rows (10 MB a block) was
    most of the off-topic model's training.
    """

    def __init__(self, rows, comments=None, article=None):
        """``rows`` and ``comments`` are ``dense`` pairs, ``article`` a one-row one or None; without
        ``comments``, the thread's own rows are compared with it, by its Gram matrix."""
        self._gram = [(rows[col] @ rows[col].T).astype(np.float64) for col in (0, 1)]
        self._matches = self._gram if comments is None else [comments[col] @ rows[col].T for col in (0, 1)]
        self._to_article = None if article is None else [rows[col] @ article[col][0] for col in (0, 1)]

    def context(self, comment: int, rows: list[int]) -> ThreadMatches | None:
        """Return the ``ThreadMatches`` of the comment numbered ``comment`` against the thread's
        ``rows`` (``context_rows``), or None when there are none."""
        if not rows:
            return None
        norms = tuple(float(np.sqrt(max(g[np.ix_(rows, rows)].sum(), 0.0))) for g in self._gram)
        sums = None if self._to_article is None else tuple(float(a[rows].sum()) for a in self._to_article)
        return ThreadMatches(tuple(m[comment: comment + 1, rows] for m in self._matches), norms, sums, len(rows))


def shares(x, context: np.ndarray) -> np.ndarray:
    """Return the share of each row's weight on the columns where ``context`` (one row) is non-zero.

    Unlike the cosine it does not depend on how long the context is: a short article that
    uses a few of a comment's words still covers a large share of them.
    """
    covered = np.asarray(x @ (context > 0).astype(np.float32)).ravel()
    return covered / np.maximum(np.asarray(x.sum(axis=1)).ravel(), 1e-9)


def context_vectors(featuriser: Featuriser, texts, cache: dict | None = None):
    """Return the ``folded`` pair of ``texts``, reusing and filling ``cache`` (text -> rows).

    The cache keeps each text's folded entries (about 7 KB for a news comment), not a dense
    8,192-column copy (64 KB): a thread's 300 comments come back with every new comment, and
    stacking them densely cost more than the rest of the scoring.
    """
    cache = {} if cache is None else cache
    found = {t: cache[t] for t in texts if t in cache}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        blocks = folded(featuriser.transform(missing))
        if len(cache) + len(missing) > CACHE_SIZE:
            cache.clear()
        for i, text in enumerate(missing):
            entries = [slice(b.indptr[i], b.indptr[i + 1]) for b in blocks]
            found[text] = cache[text] = tuple(
                (b.indices[e].copy(), b.data[e].astype(np.float32)) for b, e in zip(blocks, entries, strict=True))
    rows = [found[t] for t in texts]
    out = []
    for block in (0, 1):
        indices = [r[block][0] for r in rows]
        indptr = np.concatenate(([0], np.cumsum([len(i) for i in indices])))
        data = np.concatenate([r[block][1] for r in rows])
        out.append(sp.csr_matrix((data, np.concatenate(indices), indptr), shape=(len(rows), 1 << FOLD_BITS)))
    return out[0], out[1]


def _dense_row(pair) -> tuple[np.ndarray, np.ndarray]:
    return pair[0].toarray(), pair[1].toarray()


def features(featuriser: Featuriser, x: sp.csr_matrix, article: str, parent: str, context,
             cache: dict | None = None) -> np.ndarray:
    """Return the off-topic features of comment rows ``x`` that share one article/parent/thread.

    :param x: the comments' TF-IDF rows (``featuriser.transform``), shared with the abuse model.
    :param cache: text -> vectors of articles and thread comments seen before (a thread's
        article and earlier comments come back with every new comment).
    """
    context = [c for c in context if c.strip()][-MAX_CONTEXT:]
    out = similarities(
        dense(x) if x.shape[0] <= DENSE_ROWS else folded(x),
        _dense_row(context_vectors(featuriser, [article], cache)) if article.strip() else None,
        _dense_row(context_vectors(featuriser, [parent], cache)) if parent.strip() else None,
        context_vectors(featuriser, context, cache) if context else None,
    )
    out[:, 7] = log_lengths(x)
    return out


def log_lengths(x: sp.csr_matrix) -> np.ndarray:
    """Return log(1 + distinct n-grams) per row: a cheap length measure."""
    return np.log1p(np.diff(x.indptr))


def context_rows(size: int, exclude: int | None, limit: int = MAX_CONTEXT) -> list[int]:
    """Return the first ``limit`` row numbers of a thread of ``size`` comments, leaving out ``exclude``."""
    return [i for i in range(min(size, limit + 1)) if i != exclude][:limit]


# Thread sizes of the extra training pairs. A comment posted early in a thread has few others to
# be compared with: trained on whole threads alone, the model gave "I agree with this." under a
# one-comment thread an off-topic probability of 0.997, above its review threshold. With these
# pairs and the thread size as a feature it gives 0.92 (threshold 0.98), at a cost in CV over
# articles on whole-thread pairs: ROC-AUC 0.852 -> 0.842 (0.827 without the size feature).
SHORT_THREADS = (1, 2, 5, 10, 30)


def fox_pairs(featuriser: Featuriser, rows, pool: dict, articles: dict, rng, article_only: bool = True,
              short_threads: bool = False, vectors=None):
    """Return (X, y): every Fox comment under its own article (0) and under another one (1),
    with the thread and parent as context, and (``article_only``) once more with the article alone,
    and (``short_threads``) once more with the first few comments of each thread (``SHORT_THREADS``).

    :param pool: thread id -> comment texts usable as that thread's context (the comment's own
        text is left out of its own thread); ``articles``: thread id -> article text.
    :param vectors: texts -> float vectors; given, it returns (X, S, y), where S holds the
        encoder's similarities of the same pairs (``semantic_similarities``).
    """
    ids = sorted(articles)
    article_m = {t: dense(featuriser.transform([articles[t]])) for t in ids}
    thread_m = {t: dense(featuriser.transform(pool[t])) for t in ids}
    sparse_x = featuriser.transform([r["text"] for r in rows])
    # Dense rows (64 KB a comment): a sparse row times a thread's transposed rows makes scipy
    # copy the whole thread, for every comment and block.
    x, lengths = dense(sparse_x), log_lengths(sparse_x)
    prevs = dense(featuriser.transform([r.get("prev") or " " for r in rows]))

    def row(pair, i):
        return pair[0][i: i + 1], pair[1][i: i + 1]

    pairs, labels = [], []
    for i, r in enumerate(rows):
        own = r["thread"]
        self_idx = pool[own].index(r["text"]) if r["text"] in pool[own] else None
        parent = (prevs, i) if r.get("prev") else None
        pairs.append((i, own, parent, self_idx, MAX_CONTEXT))
        other = ids[(ids.index(own) + 1 + int(rng.integers(len(ids) - 1))) % len(ids)]
        pick = int(rng.integers(thread_m[other][0].shape[0]))
        pairs.append((i, other, (thread_m[other], pick) if r.get("prev") else None, None, MAX_CONTEXT))
        labels += [0, 1]
        if article_only:  # the first comments of a thread have only the article to go on
            pairs += [(i, own, None, None, 0), (i, other, None, None, 0)]
            labels += [0, 1]
        if short_threads:
            size = SHORT_THREADS[int(rng.integers(len(SHORT_THREADS)))]
            pairs += [(i, own, None, self_idx, size), (i, other, None, None, size)]
            labels += [0, 1]
    compared: dict = {}  # thread -> {comment: its row in the thread's table}
    for i, t, _parent, _skip, size in pairs:
        if size:
            compared.setdefault(t, {}).setdefault(i, len(compared[t]))
    tables = {t: ThreadTable(thread_m[t], (x[0][list(seen)], x[1][list(seen)]), article=article_m[t])
              for t, seen in compared.items()}
    out = np.vstack([pair_features(row(x, i), article_m[t], parent and row(*parent),
                                   tables[t].context(compared[t][i], context_rows(thread_m[t][0].shape[0], skip, size))
                                   if size else None)
                     for i, t, parent, skip, size in pairs])
    out[:, 7] = np.repeat(lengths, 2 * (1 + article_only + short_threads))
    if vectors is None:
        return out, np.array(labels)
    comment_v = vectors([r["text"] for r in rows])
    article_v = dict(zip(ids, vectors([articles[t] for t in ids]), strict=True))
    thread_v = {t: vectors(pool[t]) for t in ids}
    prev_v = vectors([r.get("prev") or " " for r in rows])

    semantic = np.vstack([
        semantic_similarities(comment_v[i: i + 1], article_v[t],
                              None if parent is None else (prev_v[i] if parent[0] is prevs else thread_v[t][parent[1]]),
                              thread_v[t][context_rows(len(thread_v[t]), skip, size)] if size else None)
        for i, t, parent, skip, size in pairs])
    return out, semantic, np.array(labels)


def design(x: np.ndarray) -> np.ndarray:
    """Return feature rows with products appended: the similarities of long comments say more
    than those of short ones, and the article alone, a few comments or a whole thread each weigh
    differently.
    """
    length, no_thread = x[:, 7:8], 1.0 - x[:, 10:11]
    size = x[:, 16:17]
    return np.hstack([x, x[:, [0, 1, 7]] * no_thread, x[:, [0, 1, 11, 4, 5]] * length, x[:, [4, 5, 6, 11]] * size])


# Chosen by 3-fold CV over articles (10 random splits) on the Fox training rows, ROC-AUC of the
# pairs with thread and parent / of all pairs: the 11 first features at C=1 0.801 / 0.736; + best
# char match 0.822 / 0.750; + thread-to-article means 0.836 / 0.756; + the products 0.845 / 0.763;
# C=10 0.849 / 0.765 (C=0.1 0.840, 100 0.850); + article shares 0.852 / 0.771. Top-3 thread
# matches and shares of the thread's vocabulary added nothing (+-0.001). The short-thread pairs
# and the thread size (see SHORT_THREADS) then traded 0.01 of that for sane early-thread scores.
C = 10.0


SEMANTIC_NAMES = ("article_vector", "parent_vector", "thread_vector", "thread_best_vector", "thread_article_vector")


def semantic_similarities(vectors: np.ndarray, article=None, parent=None, thread=None) -> np.ndarray:
    """Return the encoder's similarities of comments to their contexts (``SEMANTIC_NAMES``).

    ``vectors`` are the comments' unit vectors, one row each; ``article`` and ``parent`` one vector
    or None; ``thread`` one row per context comment or None. Cosines of the comment to the article,
    the parent and the thread's centroid, its best match in the thread, and how close the thread
    is to the article on average.
    """
    out = np.zeros((vectors.shape[0], len(SEMANTIC_NAMES)))
    if article is not None:
        out[:, 0] = vectors @ article
    if parent is not None:
        out[:, 1] = vectors @ parent
    if thread is not None and len(thread):
        centroid = thread.mean(axis=0)
        out[:, 2] = vectors @ centroid / max(float(np.linalg.norm(centroid)), 1e-9)
        out[:, 3] = (vectors @ thread.T).max(axis=1)
        if article is not None:
            out[:, 4] = centroid @ article
    return out


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> dict:
    """Fit the small model; return plain arrays (mean, scale, coef, intercept)."""
    return _fit_design(design(x), y, w)


def _fit_design(rows: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> dict:
    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    scale[scale < 1e-6] = 1.0  # a constant feature (e.g. no thread ever) must not blow up
    model = LogisticRegression(C=C, max_iter=1000).fit((rows - mean) / scale, y, sample_weight=w)
    return {"mean": mean, "scale": scale, "coef": model.coef_.ravel(), "intercept": float(model.intercept_[0])}


def predict(params: dict, x: np.ndarray) -> np.ndarray:
    """Return off-topic probabilities for feature rows ``x``."""
    return _predict_design(params, design(x))


def _predict_design(params: dict, rows: np.ndarray) -> np.ndarray:
    return expit(((rows - params["mean"]) / params["scale"]) @ params["coef"] + params["intercept"])


def semantic_design(x: np.ndarray, semantic: np.ndarray) -> np.ndarray:
    """Return the TF-IDF design rows with the encoder's similarities appended, and their products
    with the comment's length and with the no-thread flag (as ``design`` does for the TF-IDF ones)."""
    length, no_thread = x[:, 7:8], 1.0 - x[:, 10:11]
    return np.hstack([design(x), semantic, semantic[:, [0, 2, 3]] * length, semantic[:, [0]] * no_thread])


def fit_semantic(x: np.ndarray, semantic: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> dict:
    """Fit the off-topic model on TF-IDF and encoder similarities together."""
    return _fit_design(semantic_design(x, semantic), y, w)


def predict_semantic(params: dict, x: np.ndarray, semantic: np.ndarray) -> np.ndarray:
    """Return off-topic probabilities from TF-IDF feature rows ``x`` and encoder similarities."""
    return _predict_design(params, semantic_design(x, semantic))
