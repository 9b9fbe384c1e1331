"""Metrics on the fixed held-out splits of the shipped corpora: the promotion gate.

``score`` is the mean abuse ROC-AUC over the five shipped held-out sets that have both classes.
A new model is "no worse" than the active one when ``new["score"] >= old["score"] - TOLERANCE``:
0.005 is about the spread between retrainings that differ only in their seed.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from . import explain, offtopic
from .datasets import SHIP_CORPORA, load_corpus
from .vectors import ShippedVectors, for_model

TOLERANCE = 0.005


@lru_cache(maxsize=None)
def _heldout(name: str) -> tuple:
    return tuple(load_corpus(name, "heldout"))


def highlight_f1(model, rows) -> float:
    """Return the mean SemEval-2021 Task 5 character F1 of the model's highlights on ``rows``."""
    predicted = model.highlights_batch([r["text"] for r in rows])
    return float(np.mean([
        explain.char_f1(explain.span_chars([(h.start, h.end) for h in hl]), explain.span_chars(r["spans"]))
        for hl, r in zip(predicted, rows, strict=True)
    ]))


def fox_off_topic(model, article_only: bool = False,
                  vectors: ShippedVectors | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return (labels, probabilities) of held-out Fox comments under their own / another article.

    Each comment comes with its thread (and parent) as context; with ``article_only`` the pairs
    are scored a second time with the article alone.
    """
    everything = load_corpus("fox-news-comments")
    pool: dict = {}
    for r in everything:
        pool.setdefault(r["thread"], []).append(r["text"])
    articles = {r["thread"]: r["article"] for r in everything}
    rows = list(_heldout("fox-news-comments"))
    vectors = for_model(model, vectors)
    rng = np.random.default_rng(12345)
    if vectors is None:
        x, y = offtopic.fox_pairs(model.featuriser, rows, pool, articles, rng, article_only)
        return y, offtopic.predict(model.state["linear"]["off_topic"], x)
    x, semantic, y = offtopic.fox_pairs(model.featuriser, rows, pool, articles, rng, article_only,
                                        vectors=vectors.get)
    return y, offtopic.predict_semantic(model.state["off_topic"], x, semantic)


def heldout_summary(model, vectors: ShippedVectors | None = None) -> dict:
    """Return abuse ROC-AUC / AP per shipped held-out set, highlight F1, off-topic AUC and ``score``.

    :param vectors: where the texts' vectors come from (default: the shipped ones, else encoded).
    """
    vectors = for_model(model, vectors)
    sets = {}
    for name in SHIP_CORPORA:
        rows = _heldout(name)
        y = np.array([r["abuse"] for r in rows])
        if len(set(y)) < 2:
            continue
        texts = [r["text"] for r in rows]
        p = model.abuse_probabilities(texts, vectors.get(texts) if vectors is not None else None)
        sets[name] = {"rows": len(y), "positives": int(y.sum()), "roc_auc": round(float(roc_auc_score(y, p)), 4),
                      "average_precision": round(float(average_precision_score(y, p)), 4)}
    y, p = fox_off_topic(model, vectors=vectors)
    return {
        "score": round(float(np.mean([s["roc_auc"] for s in sets.values()])), 4),
        "tolerance": TOLERANCE,
        "roc_auc": round(float(np.mean([s["roc_auc"] for s in sets.values()])), 4),
        "average_precision": round(float(np.mean([s["average_precision"] for s in sets.values()])), 4),
        "sets": sets,
        "highlight_char_f1": round(highlight_f1(model, _heldout("civil-comments-toxic-spans")), 4),
        "off_topic_roc_auc": round(float(roc_auc_score(y, p)), 4),
    }


def is_no_worse(new: dict, old: dict) -> bool:
    """Return True when summary ``new`` may replace ``old`` (score within the tolerance)."""
    return new["score"] >= old["score"] - TOLERANCE
