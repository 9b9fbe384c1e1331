"""Encode every shipped text once and write ``moderation/data/vectors.npz`` (see ``vectors``).

Run by a maintainer after ``build_data`` or ``build_encoder`` changed what ships
(``python -m moderation.classifier.build_vectors [PROCESSES]``, in the serving venv: it needs
only the shipped encoder); the output is committed. The texts are every row of every shipped
corpus with its article and previous comment, the toxic-span phrases and the identity sentences:
everything ``train`` and the held-out summary read. Each process encodes on one core.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from . import augment
from .datasets import SHIP_CORPORA, load_corpus
from .encoder import Encoder, quantise
from .vectors import SHIPPED, text_keys

CHUNK = 2000  # texts per task: large enough to batch well, small enough to share the work evenly


def shipped_texts() -> list[str]:
    """Return every distinct text that training and the held-out summary encode."""
    texts: dict = {}
    for name in SHIP_CORPORA:
        for row in load_corpus(name):
            texts.update(dict.fromkeys(row.get(k) for k in ("text", "article", "prev") if row.get(k)))
    texts.update(dict.fromkeys(augment.span_phrases(load_corpus("civil-comments-toxic-spans", "train"))))
    texts.update(dict.fromkeys(augment.neutral_sentences()))
    return list(texts)


def _encode(texts: list[str]) -> np.ndarray:
    return quantise(Encoder.load().encode(texts))


def main(processes: int = 2) -> None:
    started = time.perf_counter()
    texts = shipped_texts()
    chunks = [texts[i: i + CHUNK] for i in range(0, len(texts), CHUNK)]
    with ProcessPoolExecutor(processes) as pool:
        vectors = np.vstack(list(pool.map(_encode, chunks)))
    keys = text_keys(texts)
    if len(np.unique(keys)) != len(keys):
        raise SystemExit("two shipped texts share a 64-bit key; widen the key")
    order = np.argsort(keys)
    np.savez_compressed(SHIPPED, keys=keys[order], vectors=vectors[order], encoder=np.array(Encoder.load().version))
    print(f"{len(texts):,} texts encoded in {time.perf_counter() - started:.0f} s with {processes} processes; "
          f"{SHIPPED.stat().st_size / 1e6:.1f} MB written to {SHIPPED}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
