"""MinHash signatures of normalised texts, and the LSH bands that find similar ones by equality.

A text's shingles are its overlapping 5-character pieces (after the classifier's normaliser, so
case, leetspeak and punctuation do not count). The signature keeps, for each of ``PERMUTATIONS``
hash functions, the smallest hash of any shingle: the share of positions where two signatures agree
estimates the Jaccard similarity of the two shingle sets. Cut into ``BANDS`` bands of ``ROWS``
positions, two texts that are similar share a whole band with high probability (0.99 at a
similarity of 0.7), so a band's hash is an index key. Every number is fixed here, never random per
process: signatures written by one worker are read by all.
"""
import hashlib
from functools import lru_cache

import numpy as np

from moderation.classifier.normalise import normalise

SHINGLE = 5
BANDS, ROWS = 16, 4
PERMUTATIONS = BANDS * ROWS
#: Texts shorter than this (in words, after normalising) get no signature: "Thanks!" is no spam.
MIN_WORDS = 8

_RNG = np.random.default_rng(20261201)
# Multiply-shift hashing of 64-bit keys: odd multipliers, the top 32 bits of the product.
_MULTIPLIERS = _RNG.integers(1, 2**63, size=PERMUTATIONS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_OFFSETS = _RNG.integers(0, 2**63, size=PERMUTATIONS, dtype=np.uint64)
_WEIGHTS = np.array([256 ** k for k in range(SHINGLE)], dtype=np.uint64)


def shingle_text(text: str) -> str | None:
    """Return the normalised text the shingles are cut from, or None when it is too short to judge."""
    words = normalise(text).split()
    return " ".join(words) if len(words) >= MIN_WORDS else None


def _shingles(text: str) -> np.ndarray:
    """Return each distinct 5-character shingle as one integer (5 ASCII bytes fit in 40 bits)."""
    codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8).astype(np.uint64)
    windows = np.lib.stride_tricks.sliding_window_view(codes, SHINGLE)
    return np.unique(windows @ _WEIGHTS)


@lru_cache(maxsize=512)
def signature(text: str) -> bytes | None:
    """Return the MinHash signature of ``text`` (``PERMUTATIONS`` uint32, little-endian), or None
    when the text is too short. Cached: the rule and the write after it sign the same text."""
    shingled = shingle_text(text)
    if shingled is None:
        return None
    keys = _shingles(shingled)
    with np.errstate(over="ignore"):  # the products wrap around 2**64 by design
        hashes = (keys[None, :] * _MULTIPLIERS[:, None] + _OFFSETS[:, None]) >> np.uint64(32)
    return hashes.min(axis=1).astype("<u4").tobytes()


def bands(sig: bytes) -> list[int]:
    """Return the hash of each band of ``sig``, a signed 64-bit integer (the band's number included)."""
    size = ROWS * 4
    return [int.from_bytes(hashlib.blake2b(bytes([band]) + sig[band * size:(band + 1) * size], digest_size=8)
                           .digest(), "little", signed=True) for band in range(BANDS)]


def similarity(a: bytes, b: bytes) -> float:
    """Estimate the Jaccard similarity of the texts behind two signatures."""
    return float(np.mean(np.frombuffer(a, dtype="<u4") == np.frombuffer(b, dtype="<u4")))
