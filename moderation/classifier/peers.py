"""Off-the-shelf abuse classifiers to compare against, used as their libraries ship them.

Imported lazily: a peer that is not installed (or fails to load) is reported, never fatal. The
wrappers follow ../shared/bench/peer_classifiers.py.
"""

from __future__ import annotations

import os

import numpy as np


class ProfanityCheck:
    """alt-profanity-check: word TF-IDF + calibrated linear SVM; decision = ``predict``."""

    name = "profanity-check"

    def __init__(self):
        import profanity_check

        self.lib = profanity_check

    def scores(self, texts) -> np.ndarray:
        """Return the library's probability of profanity."""
        return np.asarray(self.lib.predict_prob(list(texts)), dtype=float)

    def decisions(self, texts) -> np.ndarray:
        """Return the library's default 0/1 decision."""
        return np.asarray(self.lib.predict(list(texts)), dtype=int)

    def score_one(self, text: str) -> float:
        """Score one text through the public API."""
        return float(self.lib.predict_prob([text])[0])


class HateSonar:
    """hatesonar: TF-IDF + logistic regression in ONNX; score = 1 - P(neither)."""

    name = "hatesonar"
    NEITHER = 2

    def __init__(self):
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        from hatesonar import Sonar

        self.sonar = Sonar()
        self.sonar.ping("warm up")

    def _run(self, texts):
        labels, probs = self.sonar.sess.run(None, {"text": np.array(list(texts), dtype=object)})
        if len(probs) and isinstance(probs[0], dict):
            probs = [[p[k] for k in sorted(p)] for p in probs]
        return np.asarray(labels), np.asarray(probs, dtype=float)

    def scores(self, texts) -> np.ndarray:
        """Return 1 - P(neither)."""
        return 1.0 - self._run(texts)[1][:, self.NEITHER]

    def decisions(self, texts) -> np.ndarray:
        """Return 1 unless the top class is 'neither'."""
        return (self._run(texts)[0] != self.NEITHER).astype(int)

    def score_one(self, text: str) -> float:
        """Score one text through the public API."""
        return 1.0 - float(self.sonar.ping(text)["classes"][self.NEITHER]["confidence"])


def load_peers() -> tuple[list, list[str]]:
    """Return (peers that loaded, messages about those that did not)."""
    peers, messages = [], []
    for cls in (ProfanityCheck, HateSonar):
        try:
            peers.append(cls())
        except Exception as exc:  # a peer that cannot load is a result, not a crash
            first_line = str(exc).splitlines()[0][:200] if str(exc) else ""
            messages.append(f"peer {cls.name} skipped: {type(exc).__name__}: {first_line}")
    return peers, messages
