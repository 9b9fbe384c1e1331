"""Compact the *ship* corpora of ``../shared/data`` into ``moderation/data``.

Run once by a maintainer (``python -m moderation.classifier.build_data``); the output is committed
so a fresh clone trains without ``../shared``. Each corpus becomes one gzipped JSON-lines file of
``text, abuse, split`` (plus ``spans`` / ``article`` / ``thread`` / ``prev`` where the corpus has
them). Screen names and user columns are dropped. The held-out 20 % is drawn here, once, with a
fixed seed, stratified by label; training rows whose normalised text appears in any evaluation set
(held-out parts, and the evaluate-only corpora) are removed.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import numpy as np

from . import corpora

SHIP_DIR = Path(__file__).resolve().parents[1] / "data"
SHIP = {
    "civil-comments-ccc": corpora.civil_ccc,
    "civil-comments-care-balanced": corpora.civil_care,
    "civil-comments-toxic-spans": corpora.toxic_spans,
    "wiki-context-cat-large": corpora.wiki_cat_large,
    "davidson-hate-offensive": corpora.davidson,
    "fox-news-comments": corpora.fox_news,
}
SPLIT_SEED = 20210405
HELDOUT_SHARE = 0.2


def dedupe(rows):
    """Keep the first row of every normalised text."""
    seen, out = set(), []
    for row in rows:
        key = corpora.norm_key(row["text"])
        if key and key not in seen:
            seen.add(key)
            out.append(row)
    return out


def assign_split(rows, seed: int) -> None:
    """Mark a seeded, label-stratified 20 % of ``rows`` as held out."""
    rng = np.random.default_rng(seed)
    labels = np.array([r["abuse"] for r in rows])
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        held = set(rng.choice(idx, size=int(round(HELDOUT_SHARE * len(idx))), replace=False).tolist())
        for i in idx:
            rows[i]["split"] = "heldout" if i in held else "train"


def evaluation_keys(root: Path, shipped: dict) -> set[str]:
    """Return the normalised texts of every evaluation set."""
    keys = {corpora.norm_key(r["text"]) for rows in shipped.values() for r in rows if r["split"] == "heldout"}
    readers = [
        corpora.autolabel(root),
        corpora.identity_test(root),
        corpora.olid_test(root),
        corpora.kaggle(root, "impermium_verification_labels.csv"),
        corpora.socc_c3(root),
        corpora.socc_ctc(root),
    ]
    for reader in readers:
        keys.update(corpora.norm_key(r["text"]) for r in reader)
    return keys


def write_jsonl_gz(path: Path, rows) -> None:
    """Write ``rows`` reproducibly (no timestamp in the gzip header)."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as gz:
        for row in rows:
            gz.write((json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode())
    path.write_bytes(buf.getvalue())


def main(root: Path = corpora.DEFAULT_DATA_DIR) -> None:
    """Build every shipped corpus file and print its counts."""
    shipped = {}
    for i, (name, reader) in enumerate(SHIP.items()):
        rows = dedupe(reader(root))
        assign_split(rows, SPLIT_SEED + i)
        shipped[name] = rows
    excluded = evaluation_keys(root, shipped)
    SHIP_DIR.mkdir(exist_ok=True)
    for name, rows in shipped.items():
        kept = [r for r in rows if r["split"] == "heldout" or corpora.norm_key(r["text"]) not in excluded]
        write_jsonl_gz(SHIP_DIR / f"{name}.jsonl.gz", kept)
        train = [r for r in kept if r["split"] == "train"]
        held = [r for r in kept if r["split"] == "heldout"]
        print(f"{name}: train {len(train)} ({sum(r['abuse'] for r in train)} abusive), "
              f"held out {len(held)} ({sum(r['abuse'] for r in held)} abusive), "
              f"dropped {len(rows) - len(kept)} overlapping an evaluation set")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else corpora.DEFAULT_DATA_DIR)
