"""Encode every shipped text once and write ``moderation/data/vectors.npz`` (see ``vectors``).

Run by a maintainer after ``build_data``, ``build_encoder`` or the training rows written for the
project (``augment``) changed what ships (``python -m moderation.classifier.build_vectors
[PROCESSES] [--missing]``, in the serving venv: it needs only the shipped encoder); the output is
committed. The texts are every row of every shipped corpus with its article and previous comment,
the toxic-span phrases and the sentences of ``augment``: everything ``train`` and the held-out
summary read. Each process encodes on one core. ``--missing`` keeps the file's vectors and
encodes only the texts it lacks: the same file as a full run, since a text's vector does not
depend on the others (``Encoder.encode`` runs each text alone).
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from . import augment
from .datasets import SHIP_CORPORA, load_corpus
from .encoder import Encoder, quantise
from .vectors import SHIPPED, ShippedVectors, text_keys

CHUNK = 2000  # texts per task: large enough to batch well, small enough to share the work evenly


def shipped_texts() -> list[str]:
    """Return every distinct text that training and the held-out summary encode."""
    texts: dict = {}
    for name in SHIP_CORPORA:
        for row in load_corpus(name):
            texts.update(dict.fromkeys(row.get(k) for k in ("text", "article", "prev") if row.get(k)))
    texts.update(dict.fromkeys(augment.span_phrases(load_corpus("civil-comments-toxic-spans", "train"))))
    for sentences in (augment.neutral_sentences(), augment.idea_sentences(), augment.threat_sentences()):
        texts.update(dict.fromkeys(sentences))
    return list(texts)


def _encode(texts: list[str]) -> np.ndarray:
    return quantise(Encoder.load().encode(texts))


def main(processes: int = 2, missing_only: bool = False) -> None:
    started = time.perf_counter()
    encoder = Encoder.load()
    texts = shipped_texts()
    kept = ShippedVectors(encoder) if missing_only else None
    todo = [t for t, known in zip(texts, kept.has(texts), strict=True) if not known] if kept else texts
    chunks = [todo[i: i + CHUNK] for i in range(0, len(todo), CHUNK)]
    with ProcessPoolExecutor(processes) as pool:
        encoded = dict(zip(todo, (v for chunk in pool.map(_encode, chunks) for v in chunk), strict=True))
    old = iter(kept.stored([t for t in texts if t not in encoded]) if kept else ())
    vectors = np.array([encoded[t] if t in encoded else next(old) for t in texts], dtype=np.int8)
    keys = text_keys(texts)
    if len(np.unique(keys)) != len(keys):
        raise SystemExit("two shipped texts share a 64-bit key; widen the key")
    order = np.argsort(keys)
    np.savez_compressed(SHIPPED, keys=keys[order], vectors=vectors[order], encoder=np.array(encoder.version))
    print(f"{len(todo):,} of {len(texts):,} texts encoded in {time.perf_counter() - started:.0f} s with "
          f"{processes} processes; {SHIPPED.stat().st_size / 1e6:.1f} MB written to {SHIPPED}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:] if a != "--missing"), missing_only="--missing" in sys.argv[1:])
