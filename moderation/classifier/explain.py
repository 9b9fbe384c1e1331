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
_LEAD = re.compile(r"^[\"'“”‘’(\[{<«]+")
_TRAIL = re.compile(r"[\"'“”‘’)\]}>».,;:?]+$")


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


def token_probabilities(featuriser: Featuriser, params: dict, texts) -> list[tuple[list, np.ndarray]]:
    """Return, per text, its token spans and each token's probability of being toxic."""
    spans = [tokens(t) for t in texts]
    words = [t[s:e] for t, sp_ in zip(texts, spans) for s, e in sp_]
    if not words:
        return [(s, np.zeros(0)) for s in spans]
    probs = expit(featuriser.transform(words) @ params["coef"] + params["intercept"])
    out, i = [], 0
    for sp_ in spans:
        out.append((sp_, probs[i: i + len(sp_)]))
        i += len(sp_)
    return out


def merge(spans, probs, threshold: float, gate: float = 0.0) -> list[tuple[int, int, float]]:
    """Merge consecutive tokens at or above ``threshold`` into (start, end, max prob) spans.

    Nothing is highlighted unless some token reaches ``gate``: in the rater data, 40 % of toxic
    posts have no span that a majority of raters agreed on.
    """
    if len(probs) == 0 or max(probs) < gate:
        return []
    out: list[list] = []
    last = -2
    for i, ((s, e), p) in enumerate(zip(spans, probs)):
        if p < threshold:
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
