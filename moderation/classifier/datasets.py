"""The shipped corpora (``moderation/data``), research corpora, and the fixed held-out splits."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from . import corpora

SHIP_DIR = Path(__file__).resolve().parents[1] / "data"
SHIP_CORPORA = (
    "civil-comments-ccc",
    "civil-comments-care-balanced",
    "civil-comments-toxic-spans",
    "wiki-context-cat-large",
    "davidson-hate-offensive",
    "fox-news-comments",
)


def load_corpus(name: str, split: str | None = None, max_rows: int | None = None) -> list[dict]:
    """Return the rows of one shipped corpus, optionally one split and the first ``max_rows``."""
    rows = []
    with gzip.open(SHIP_DIR / f"{name}.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if split is None or row["split"] == split:
                rows.append(row)
                if max_rows is not None and len(rows) >= max_rows:
                    break
    return rows


def research_rows(data_dir: Path | None, exclude: set[str]) -> dict[str, list[dict]]:
    """Return the research-licensed training corpora found in ``data_dir`` (never evaluation sets)."""
    root = Path(data_dir) if data_dir else corpora.DEFAULT_DATA_DIR
    found = {}
    readers = {
        "olid-train": lambda: corpora.olid_train(root),
        "kaggle-insults-train": lambda: list(corpora.kaggle(root, "train.csv"))
        + list(corpora.kaggle(root, "test_with_solutions.csv")),
    }
    for name, reader in readers.items():
        try:
            rows = [r for r in reader() if corpora.norm_key(r["text"]) not in exclude]
        except FileNotFoundError:
            continue
        found[name] = rows
    return found


def evaluation_keys(data_dir: Path | None) -> set[str]:
    """Return normalised texts of every evaluation set available (shipped held-out parts included)."""
    keys = {corpora.norm_key(r["text"]) for name in SHIP_CORPORA for r in load_corpus(name, "heldout")}
    root = Path(data_dir) if data_dir else corpora.DEFAULT_DATA_DIR
    readers = (
        lambda: corpora.autolabel(root),
        lambda: corpora.identity_test(root),
        lambda: corpora.olid_test(root),
        lambda: corpora.kaggle(root, "impermium_verification_labels.csv"),
        lambda: corpora.socc_c3(root),
        lambda: corpora.socc_ctc(root),
    )
    for reader in readers:
        try:
            keys.update(corpora.norm_key(r["text"]) for r in reader())
        except FileNotFoundError:
            continue
    return keys
