"""The trained model: scores a comment for abuse and off-topic, and says which words pushed abuse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from . import explain, offtopic
from .features import Featuriser
from .normalise import normalise_codes


@dataclass(frozen=True)
class Highlight:
    """A character span ``[start, end)`` of the original text and how strongly it reads as abusive."""

    start: int
    end: int
    text: str
    weight: float


@dataclass
class Scores:
    """Calibrated probabilities of abuse and off-topic, and the abuse highlights."""

    abuse: float
    off_topic: float
    highlights: list[Highlight] = field(default_factory=list)


@dataclass(frozen=True)
class Example:
    """A labelled comment from the newsroom's moderators; ``None`` leaves that head unlabelled."""

    text: str
    abuse: int | None
    off_topic: int | None
    article: str = ""
    parent: str = ""


class Model:
    """A trained abuse + off-topic model; build with ``train`` or ``load``, never by hand.

    ``state`` holds only numpy arrays, floats, strings and dicts of them, which is what the
    artifact stores and what makes loading safe.
    """

    def __init__(self, state: dict):
        self.state = state
        self.featuriser = Featuriser(state["idf"])
        self._context_cache: dict = {}
        self._word_cache: dict = {}

    @property
    def version(self) -> str:
        """Return the unique version string of this trained model."""
        return self.state["version"]

    @property
    def metadata(self) -> dict:
        """Return the JSON-able training summary, metrics and thresholds."""
        return self.state["metadata"]

    @property
    def thresholds(self) -> dict:
        """Return the review / reject thresholds chosen on training data."""
        return dict(self.state["thresholds"])

    def abuse_probabilities(self, texts) -> np.ndarray:
        """Return calibrated abuse probabilities for raw ``texts`` (the batch fast path)."""
        x = self.featuriser.transform_codes(normalise_codes(list(texts)))
        return self._abuse(x)

    def _abuse(self, x) -> np.ndarray:
        a = self.state["abuse"]
        z = x @ a["coef"] + a["intercept"]
        return expit(a["platt_a"] * z + a["platt_b"])

    def off_topic_probabilities(self, x, article: str, parent: str, context: Sequence[str]) -> np.ndarray:
        """Return off-topic probabilities of comment rows ``x``; 0 when nothing to compare with."""
        if not (article.strip() or parent.strip() or any(c.strip() for c in context)):
            return np.zeros(x.shape[0])
        feats = offtopic.features(self.featuriser, x, article, parent, context, self._context_cache)
        return offtopic.predict(self.state["off_topic"], feats)

    def score(self, text: str, *, article: str = "", parent: str = "",
              context: Sequence[str] = ()) -> Scores:
        """Score one comment; highlights as in ``score_batch``."""
        return self.score_batch([text], article=article, parent=parent, context=context)[0]

    def score_batch(self, texts, *, article: str = "", parent: str = "", context: Sequence[str] = (),
                    highlight_all: bool = False) -> list[Scores]:
        """Score comments that share one article, parent and thread.

        Highlights are computed only for comments at or above the abuse review threshold (the
        ones a moderator will look at), unless ``highlight_all``.
        """
        texts = list(texts)
        if not texts:
            return []
        x = self.featuriser.transform_codes(normalise_codes(texts))
        abuse = self._abuse(x)
        off = self.off_topic_probabilities(x, article, parent, tuple(context))
        wanted = [i for i, p in enumerate(abuse) if highlight_all or p >= self.state["thresholds"]["abuse_review"]]
        spans = dict(zip(wanted, self.highlights_batch([texts[i] for i in wanted]), strict=True))
        return [Scores(float(abuse[i]), float(off[i]), spans.get(i, [])) for i in range(len(texts))]

    def highlights_batch(self, texts) -> list[list[Highlight]]:
        """Return the highlighted spans of every text, strongest first."""
        params = self.state["spans"]
        out = []
        scored = explain.token_probabilities(self.featuriser, params, texts, self._word_cache)
        for text, (spans, probs) in zip(texts, scored, strict=True):
            merged = explain.merge(spans, probs, params["threshold"], params["gate"], params.get("gate_model"),
                                   params.get("relative", 0.0))
            hl = [Highlight(s, e, text[s:e], round(w, 4)) for s, e, w in merged]
            out.append(sorted(hl, key=lambda h: -h.weight))
        return out

    def highlights(self, text: str) -> list[Highlight]:
        """Return the highlighted spans of one text, strongest first."""
        return self.highlights_batch([text])[0]
