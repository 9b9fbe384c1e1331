"""The trained model: scores a comment for abuse and off-topic, and says which words pushed abuse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from . import explain, offtopic
from .calibration import probabilities
from .encoder import Encoder, EncoderError, dequantise, quantise
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
    """Calibrated probabilities of abuse and off-topic, the abuse highlights, the comment's vector
    in its stored form (int8, ``quantise``; None when the encoder could not run), and the
    probabilities of each kind of abuse."""

    abuse: float
    off_topic: float
    highlights: list[Highlight] = field(default_factory=list)
    vector: np.ndarray | None = None
    #: The probability of each kind of abuse (``CATEGORIES``); empty without the encoder.
    categories: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ContextVectors:
    """The stored vectors (int8, as ``quantise`` gives them) of what a comment is compared with:
    its article's, its parent's, and one row per recent comment of its thread."""

    article: np.ndarray | None = None
    parent: np.ndarray | None = None
    thread: np.ndarray | None = None


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
    artifact stores and what makes loading safe. With its sentence encoder the model blends the
    linear model's abuse margin with the encoder head's and adds the vectors' similarities to the
    off-topic features; without it (``encoder_error`` says why) it scores with the linear model
    and the TF-IDF similarities alone, each calibrated on its own, so nothing is held for that.
    """

    def __init__(self, state: dict, encoder: Encoder | None = None, encoder_error: str | None = None):
        self.state = state
        self.featuriser = Featuriser(state["idf"])
        self._context_cache: dict = {}
        self._word_cache: dict = {}
        self._vector_cache: dict = {}
        self.encoder = encoder
        self._encoder_error = encoder_error if encoder is None else None
        trained_with = state.get("encoder")
        if encoder is not None and trained_with != encoder.version:
            self.encoder = None
            self._encoder_error = (f"the model was trained with encoder {trained_with}, "
                                   f"the shipped one is {encoder.version}")

    @property
    def version(self) -> str:
        """Return the unique version string of this trained model."""
        return self.state["version"]

    @property
    def metadata(self) -> dict:
        """Return the JSON-able training summary, metrics and thresholds."""
        return self.state["metadata"]

    @property
    def encoder_error(self) -> str | None:
        """Return why the model scores without its encoder, or None when the encoder works."""
        return self._encoder_error

    @property
    def thresholds(self) -> dict:
        """Return the review / reject thresholds chosen on training data, for the scores in use: the
        linear model's own while the encoder is missing or its last run failed."""
        with_encoder = self.encoder is not None and self._encoder_error is None
        return dict(self.state["thresholds"] if with_encoder else self.state["linear"]["thresholds"])

    def embed(self, texts) -> np.ndarray | None:
        """Return the stored form (int8) of the vectors of ``texts``, or None without a working encoder."""
        if self.encoder is None:
            return None
        try:
            stored = quantise(self.encoder.encode(list(texts)))
        except EncoderError as exc:
            self._encoder_error = f"the encoder failed: {exc}"
            return None
        self._encoder_error = None
        return stored

    def _encode(self, texts: list[str]) -> np.ndarray | None:
        """Return the float vectors that scoring reads: the stored form's, as the app and training see them."""
        stored = self.embed(texts)
        return None if stored is None else dequantise(stored)

    def abuse_probabilities(self, texts, vectors: np.ndarray | None = None) -> np.ndarray:
        """Return calibrated abuse probabilities for raw ``texts`` (the batch fast path).

        :param vectors: the texts' float vectors when the caller has them (``vectors.ShippedVectors``).
        """
        texts = list(texts)
        x = self.featuriser.transform_codes(normalise_codes(texts))
        return self._abuse(x, vectors if vectors is not None or not texts else self._encode(texts))

    def _abuse(self, x, vectors: np.ndarray | None) -> np.ndarray:
        return self._abuse_of_margins(self._linear_margins(x), vectors)

    def _linear_margins(self, x) -> np.ndarray:
        a = self.state["abuse"]
        return x @ a["coef"] + a["intercept"]

    def _abuse_of_margins(self, z, vectors: np.ndarray | None) -> np.ndarray:
        if vectors is None or self.encoder is None:
            return probabilities(self.state["linear"]["calibration"], z)
        head = self.state["head"]
        return probabilities(self.state["abuse"]["calibration"], z + head["blend"] * head_margins(head, vectors))

    def categories_of(self, texts, stored: list[np.ndarray | None]) -> list[dict[str, float]]:
        """Return each kind of abuse's probability for comments and their stored vectors (an empty
        dict where a comment has none, or without the encoder)."""
        texts = list(texts)
        have = [i for i, v in enumerate(stored) if v is not None]
        out: list[dict[str, float]] = [{} for _ in texts]
        if not have:
            return out
        x = self.featuriser.transform_codes(normalise_codes([texts[i] for i in have]))
        vectors = dequantise(np.array([stored[i] for i in have]))
        for i, kinds in zip(have, self.categories(self._linear_margins(x), vectors), strict=True):
            out[i] = kinds
        return out

    def categories(self, z, vectors: np.ndarray | None) -> list[dict[str, float]]:
        """Return the probability of each kind of abuse per comment, from its linear margin ``z``
        and its float vector (empty dicts without the encoder)."""
        if vectors is None or self.encoder is None:
            return [{} for _ in range(len(z))]
        rows = np.hstack([vectors, np.asarray(z)[:, None]])
        probs = {kind: expit(head_margins(head, rows)) for kind, head in self.state["categories"].items()}
        return [{kind: float(p[i]) for kind, p in probs.items()} for i in range(len(z))]

    def off_topic_probabilities(self, x, article: str, parent: str, context: Sequence[str],
                                vectors: np.ndarray | None = None,
                                context_vectors: ContextVectors | None = None) -> np.ndarray:
        """Return off-topic probabilities of comment rows ``x``; 0 when nothing to compare with.

        :param vectors: the comments' float vectors; with them (and the encoder) the context's
            vectors are ``context_vectors``, or the encoded ``article``, ``parent`` and ``context``.
        """
        context = tuple(c for c in context if c.strip())
        if not (article.strip() or parent.strip() or context):
            return np.zeros(x.shape[0])
        feats = offtopic.features(self.featuriser, x, article, parent, context, self._context_cache)
        if vectors is None or self.encoder is None:
            return offtopic.predict(self.state["linear"]["off_topic"], feats)
        if context_vectors is None:
            context_vectors = self._context_vectors(article, parent, context)
        if context_vectors is None:
            return offtopic.predict(self.state["linear"]["off_topic"], feats)
        semantic = offtopic.semantic_similarities(vectors, *_dequantised(context_vectors))
        return offtopic.predict_semantic(self.state["off_topic"], feats, semantic)

    def _context_vectors(self, article: str, parent: str, context: tuple) -> ContextVectors | None:
        """Return the context's vectors, encoding only texts this model has not encoded lately."""
        texts = [t for t in (article, parent, *context[-offtopic.MAX_CONTEXT:]) if t.strip()]
        missing = [t for t in dict.fromkeys(texts) if t not in self._vector_cache]
        if missing:
            encoded = self.embed(missing)
            if encoded is None:
                return None
            if len(self._vector_cache) + len(missing) > offtopic.CACHE_SIZE:
                self._vector_cache.clear()
            self._vector_cache.update(zip(missing, encoded, strict=True))

        def stored(text):
            return self._vector_cache[text] if text.strip() else None

        thread = [self._vector_cache[t] for t in context[-offtopic.MAX_CONTEXT:]]
        return ContextVectors(stored(article), stored(parent), np.array(thread) if thread else None)

    def score(self, text: str, *, article: str = "", parent: str = "", context: Sequence[str] = (),
              context_vectors: ContextVectors | None = None, stored: np.ndarray | None = None) -> Scores:
        """Score one comment (``stored``: its stored vector, if it has one); highlights as in ``score_batch``."""
        return self.score_batch([text], article=article, parent=parent, context=context,
                                context_vectors=context_vectors, stored=None if stored is None else stored[None])[0]

    def score_batch(self, texts, *, article: str = "", parent: str = "", context: Sequence[str] = (),
                    context_vectors: ContextVectors | None = None, stored: np.ndarray | None = None,
                    highlight_all: bool = False) -> list[Scores]:
        """Score comments that share one article, parent and thread.

        :param context_vectors: the stored vectors of the article, parent and thread, which the
            app keeps; without them the model encodes ``article``, ``parent`` and ``context``.
        :param stored: the texts' stored vectors (one row each, made by this model's encoder), when
            the caller keeps them: they are not encoded again.

        Highlights are computed only for comments at or above the abuse review threshold (the
        ones a moderator will look at), unless ``highlight_all``.
        """
        texts = list(texts)
        if not texts:
            return []
        x = self.featuriser.transform_codes(normalise_codes(texts))
        if stored is None or self.encoder is None:
            stored = self.embed(texts)
        vectors = None if stored is None else dequantise(stored)
        z = self._linear_margins(x)
        abuse = self._abuse_of_margins(z, vectors)
        kinds = self.categories(z, vectors)
        off = self.off_topic_probabilities(x, article, parent, tuple(context), vectors, context_vectors)
        review = self.thresholds["abuse_review"]
        wanted = [i for i, p in enumerate(abuse) if highlight_all or p >= review]
        spans = dict(zip(wanted, self.highlights_batch([texts[i] for i in wanted]), strict=True))
        return [Scores(float(abuse[i]), float(off[i]), spans.get(i, []), None if stored is None else stored[i],
                       kinds[i]) for i in range(len(texts))]

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


def head_margins(head: dict, rows: np.ndarray) -> np.ndarray:
    """Return a logistic head's margins of ``rows`` (standardised with the head's own mean and scale)."""
    return ((rows - head["mean"]) / head["scale"]) @ head["coef"] + head["intercept"]


def _dequantised(context: ContextVectors) -> tuple:
    """Return the (article, parent, thread) float vectors of stored ``context`` (None where absent)."""
    def unit(v):
        return None if v is None or not len(v) else dequantise(np.asarray(v))

    return unit(context.article), unit(context.parent), unit(context.thread)
