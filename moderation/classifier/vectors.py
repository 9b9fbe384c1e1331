"""The encoder's vectors of every shipped text, so that training does not re-encode 80,000 texts.

Encoding the shipped corpora takes 4-5 minutes of both cores of a small server, more than a fresh
clone's whole ``make model`` may take. ``build_vectors`` computes them once, with the shipped
encoder, and ``moderation/data/vectors.npz`` keeps them in their stored form (int8, as the app
keeps a comment's vector): a 64-bit key of each text, sorted, and its vector. A text found there
is not encoded again; any other text (a moderator's example, a corpus row added since) is
encoded at training time. The file names the encoder that made it: with another encoder it is
not used at all, and everything is encoded.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from .encoder import DIMENSIONS, Encoder, dequantise, quantise

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "vectors.npz"


def text_keys(texts) -> np.ndarray:
    """Return a 64-bit key of each text (the first 8 bytes of its BLAKE2b digest), as uint64."""
    return np.array([int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "big")
                     for t in texts], dtype=np.uint64)


class ShippedVectors:
    """Vectors of texts: from the shipped file where it has them, from the encoder otherwise."""

    def __init__(self, encoder: Encoder, path: str | Path = SHIPPED):
        self.encoder = encoder
        self._keys = np.zeros(0, dtype=np.uint64)
        self._stored = np.zeros((0, DIMENSIONS), dtype=np.int8)
        path = Path(path)
        if path.is_file():
            with np.load(path, allow_pickle=False) as shipped:
                if str(shipped["encoder"]) == encoder.version:
                    self._keys, self._stored = shipped["keys"], shipped["vectors"]
        # Texts encoded here before: an evaluation scores each set more than once.
        self._encoded: dict = {}

    def _find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the row of each key in the shipped file, and whether it is there."""
        if not len(self._keys):
            return np.zeros(len(keys), dtype=int), np.zeros(len(keys), dtype=bool)
        at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        return at, self._keys[at] == keys

    def has(self, texts) -> np.ndarray:
        """Return whether the shipped file holds each text's vector."""
        return self._find(text_keys(list(texts)))[1]

    def stored(self, texts) -> np.ndarray:
        """Return the stored (int8) vectors of ``texts``, which must all be in the shipped file."""
        at, found = self._find(text_keys(list(texts)))
        if not found.all():
            raise KeyError("a text is not in the shipped vectors")
        return self._stored[at]

    def get(self, texts) -> np.ndarray:
        """Return the float32 unit vectors of ``texts`` (one row each, in order)."""
        texts = list(texts)
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        at, found = self._find(text_keys(texts))
        out[found] = dequantise(self._stored[at[found]])
        new = list(dict.fromkeys(texts[i] for i in np.flatnonzero(~found) if texts[i] not in self._encoded))
        if new:
            self._encoded.update(zip(new, quantised(self.encoder, new), strict=True))
        for i in np.flatnonzero(~found):
            out[i] = dequantise(self._encoded[texts[i]])
        return out


def for_model(model, vectors: ShippedVectors | None = None) -> ShippedVectors | None:
    """Return ``vectors``, or the shipped vectors for ``model``'s encoder; None when it scores without one."""
    if model.encoder is None:
        return None
    return vectors if vectors is not None else ShippedVectors(model.encoder)


def quantised(encoder: Encoder, texts) -> np.ndarray:
    """Return the stored (int8) form of ``texts``' vectors, as the app and the shipped file keep them.

    Training reads every vector through this form, so that it sees exactly what scoring sees.
    """
    return quantise(encoder.encode(list(texts)))
