"""Highlights: the character spans of a comment that carry its abuse.

A token model scores every whitespace-separated word of the original text (its normalised
form's char 2-5 grams and word, through the same hashed TF-IDF as the abuse model) for being part
of a toxic span; it is trained on the toxic-spans posts' rater offsets (SemEval-2021 Task 5).
Neighbouring flagged words merge into one span, and spans point into the original text, so
"1d10t" or "ѕtupid" are highlighted as written.
"""

from __future__ import annotations

import re

import numpy as np
from scipy.special import expit

from .features import Featuriser

_TOKEN = re.compile(r"\S+")
# Raters almost never mark edge punctuation (9,309 of 9,318 training spans end on a letter or
# digit): trimming "!", dashes and slashes too ("liar!!!" -> "liar") raised CV char F1 by 0.0014.
_LEAD = re.compile(r"^[\"'“”‘’(\[{<«\-–—/]+")
_TRAIL = re.compile(r"[\"'“”‘’)\]}>».,;:?!…\-–—/]+$")


def tokens(text: str) -> list[tuple[int, int]]:
    """Return the ``[start, end)`` spans of the words of ``text``, edge punctuation trimmed."""
    out = []
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        word = m.group()
        lead, trail = _LEAD.search(word), _TRAIL.search(word)
        s = start + (lead.end() if lead else 0)
        e = end - (len(trail.group()) if trail else 0)
        out.append((s, e) if e > s else (start, end))
    return out


WORD_CACHE_SIZE = 50_000  # word -> probability entries a model keeps (a few MB)


def token_probabilities(featuriser: Featuriser, params: dict, texts, cache: dict | None = None
                        ) -> list[tuple[list, np.ndarray]]:
    """Return, per text, its token spans and each token's probability of being toxic.

    A word's probability depends on the word alone, so ``cache`` (word -> probability) spares
    featurising the words seen before: most words of a comment are common ones.
    """
    cache = {} if cache is None else cache
    spans = [tokens(t) for t in texts]
    words = [t[s:e] for t, sp_ in zip(texts, spans, strict=True) for s, e in sp_]
    if not words:
        return [(s, np.zeros(0)) for s in spans]
    missing = [w for w in dict.fromkeys(words) if w not in cache]
    if missing:
        found = expit(featuriser.transform(missing) @ params["coef"] + params["intercept"])
        if len(cache) + len(missing) > WORD_CACHE_SIZE:
            cache.clear()
        cache.update(zip(missing, found.tolist(), strict=True))
    probs = np.array([cache[w] for w in words])
    out, i = [], 0
    for sp_ in spans:
        out.append((sp_, probs[i: i + len(sp_)]))
        i += len(sp_)
    return out


GATE_FEATURES = ("top_logit", "second_logit", "mean_prob", "tokens_over_half", "share_over_0.3",
                 "log_tokens")


def gate_features(probs: np.ndarray) -> np.ndarray:
    """Return the post-level features of one post's token probabilities for the highlight gate."""
    if len(probs) == 0:
        return np.array([-10.0, -10.0, 0.0, 0.0, 0.0, 0.0])
    logits = np.log(np.clip(probs, 1e-9, 1 - 1e-9) / np.clip(1 - probs, 1e-9, 1))
    top = np.sort(logits)[::-1]
    return np.array([top[0], top[1] if len(top) > 1 else -10.0, probs.mean(), float((probs > 0.5).sum()),
                     float((probs > 0.3).mean()), float(np.log1p(len(probs)))])


def gate_probability(gate_model: dict | None, probs: np.ndarray) -> float:
    """Return the probability that a post has any rater-agreed toxic span (max token prob if no model)."""
    if len(probs) == 0:
        return 0.0
    if not gate_model:
        return float(max(probs))
    f = (gate_features(probs) - gate_model["mean"]) / gate_model["scale"]
    return float(expit(f @ gate_model["coef"] + gate_model["intercept"]))


def merge(spans, probs, threshold: float, gate: float = 0.0, gate_model: dict | None = None,
          relative: float = 0.0) -> list[tuple[int, int, float]]:
    """Merge consecutive tokens at or above ``threshold`` into (start, end, max prob) spans.

    Nothing is highlighted unless the post's gate probability reaches ``gate``: in the rater
    data, 40 % of toxic posts have no span that a majority of raters agreed on. The gate is a
    small logistic model on the post's token probabilities (``gate_features``), or, without
    ``gate_model``, the highest token probability. A token must also reach ``relative`` times the
    post's highest token probability: raters mark the worst words of a post, not every rude one.
    """
    if len(probs) == 0 or gate_probability(gate_model, probs) < gate:
        return []
    cut = max(threshold, relative * float(np.max(probs)))
    out: list[list] = []
    last = -2
    for i, ((s, e), p) in enumerate(zip(spans, probs, strict=True)):
        if p < cut:
            continue
        if out and last == i - 1:
            out[-1][1], out[-1][2] = e, max(out[-1][2], float(p))
        else:
            out.append([s, e, float(p)])
        last = i
    return [tuple(x) for x in out]


def token_labels(text: str, gold_spans) -> tuple[list, np.ndarray]:
    """Return token spans and 1 where at least half of a token's characters are gold."""
    gold = np.zeros(len(text) + 1, dtype=np.int64)
    for s, e in gold_spans:
        gold[s:e] = 1
    cumulative = np.concatenate(([0], np.cumsum(gold)))
    spans = tokens(text)
    if not spans:
        return spans, np.zeros(0, dtype=int)
    starts, ends = np.array(spans).T
    share = (cumulative[ends] - cumulative[starts]) / np.maximum(ends - starts, 1)
    return spans, (share >= 0.5).astype(int)


def char_f1(predicted: set[int], gold: set[int]) -> float:
    """Return SemEval-2021 Task 5 F1 of one post (1.0 when both are empty)."""
    if not gold and not predicted:
        return 1.0
    if not gold or not predicted:
        return 0.0
    tp = len(predicted & gold)
    if tp == 0:
        return 0.0
    p, r = tp / len(predicted), tp / len(gold)
    return 2 * p * r / (p + r)


def span_chars(spans) -> set[int]:
    """Return the set of character offsets covered by ``spans``."""
    return {i for s, e, *_ in spans for i in range(s, e)}
