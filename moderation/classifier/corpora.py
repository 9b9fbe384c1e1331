"""Read the raw public corpora in ``../shared/data`` (each in its published format).

Used by ``build_data`` (to compact the *ship* corpora into ``moderation/data``) and by
``evaluation`` / research training (the *evaluate* corpora, never copied into the project).
Every reader returns plain dicts with at least ``text`` and ``abuse``.
"""

from __future__ import annotations

import ast
import codecs
import csv
import html
import json
import re
from pathlib import Path

csv.field_size_limit(1 << 30)

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"
_HANDLE = re.compile(r"@\w+")
_SPACE = re.compile(r"\s+")


def norm_key(text: str) -> str:
    """Return the deduplication key of a text: lower case, whitespace collapsed."""
    return _SPACE.sub(" ", text).strip().lower()


def _rows(path: Path, **kwargs):
    with open(path, newline="", encoding="utf-8") as f:
        yield from csv.DictReader(f, **kwargs)


def civil_ccc(root: Path):
    """Civil Comments in context: abuse = out-of-context toxic fraction >= 0.5."""
    for row in _rows(root / "civil-comments-ccc" / "xenos2021.csv", delimiter="\t"):
        oc, _ic = ast.literal_eval("[" + row["label"] + "]")
        text = row["text"].replace("\\n", "\n")
        yield {"text": text, "abuse": int(sum(oc) / len(oc) >= 0.5)}


#: The kinds of abuse scored besides abuse itself: Civil Comments' attribute columns of the same names,
#: and the toxic-spans span types below.
CATEGORIES = ("threat", "insult", "identity_attack", "obscene")
SPAN_TYPES = {"Threat": "threat", "Insult": "insult", "Identity based Attack": "identity_attack",
              "Profane/Obscene": "obscene"}


def civil_care(root: Path):
    """Balanced Civil Comments sample: abuse = toxicity >= 0.5, each category = its attribute >= 0.5."""
    for row in _rows(root / "civil-comments-care-balanced" / "civilcomments.csv"):
        yield {"text": row["text"], "abuse": int(row["label"]),
               "categories": {c: int(float(row[c]) >= 0.5) for c in CATEGORIES}}


def toxic_spans(root: Path):
    """Toxic-spans posts (all abusive) with the majority-of-raters character offsets, and each
    category present when a majority of the raters marked a span of its type."""
    folder = root / "civil-comments-toxic-spans"
    raters: dict[str, list[str]] = {}
    for row in _rows(folder / "annotations.csv"):
        raters.setdefault(row["comment_id"], []).append(row["annotation"])
    marked: dict[str, set[int]] = {}
    kinds: dict[str, set[str]] = {}
    for row in _rows(folder / "spans.csv"):
        marked.setdefault(row["annotation"], set()).update(range(int(row["start"]), int(row["end"])))
        if row["type"] in SPAN_TYPES:
            kinds.setdefault(row["annotation"], set()).add(SPAN_TYPES[row["type"]])
    for row in _rows(folder / "comments.csv"):
        annotations = raters.get(row["comment_id"], [])
        counts: dict[int, int] = {}
        for ann in annotations:
            for i in marked.get(ann, ()):
                counts[i] = counts.get(i, 0) + 1
        # SemEval-2021 Task 5 ground truth: characters marked by a majority of the raters.
        gold = sorted(i for i, c in counts.items() if 2 * c > len(annotations))
        votes = {c: sum(c in kinds.get(ann, ()) for ann in annotations) for c in CATEGORIES}
        yield {"text": row["comment_text"], "abuse": 1, "spans": offsets_to_spans(gold),
               "categories": {c: int(2 * v > len(annotations)) for c, v in votes.items()}}


def offsets_to_spans(offsets) -> list[list[int]]:
    """Turn sorted character offsets into ``[start, end)`` runs."""
    spans: list[list[int]] = []
    for i in offsets:
        if spans and spans[-1][1] == i:
            spans[-1][1] = i + 1
        else:
            spans.append([i, i + 1])
    return spans


def wiki_cat_large(root: Path):
    """Wikipedia talk comments (gn and gc), about 1 % toxic."""
    for name in ("gn.csv", "gc.csv"):
        for row in _rows(root / "wiki-context-cat-large" / name):
            yield {"text": row["text"], "abuse": int(row["label"])}


def davidson(root: Path):
    """Davidson tweets: abuse = hate speech or offensive (class 0 or 1); handles masked."""
    for row in _rows(root / "davidson-hate-offensive" / "labeled_data.csv"):
        text = _HANDLE.sub("@USER", html.unescape(row["tweet"]))
        yield {"text": text, "abuse": int(row["class"] in ("0", "1"))}


def fox_news(root: Path):
    """Fox News comments with their article (title + meta); screen names dropped."""
    titles: dict[str, int] = {}
    with open(root / "fox-news-comments" / "fox-news-comments.json", encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            thread = titles.setdefault(obj["title"], len(titles))
            yield {
                "text": _HANDLE.sub("@USER", obj["text"]),
                "abuse": int(obj["label"]),
                "article": obj["title"] + "\n" + obj["meta"],
                "thread": thread,
                "prev": _HANDLE.sub("@USER", obj["prev"]),
            }


def autolabel(root: Path):
    """Civil Comments at natural prevalence (evaluate only): test.csv and seed.csv."""
    for name in ("test.csv", "seed.csv"):
        for row in _rows(root / "civil-comments-autolabel" / name):
            yield {"text": row["example"], "abuse": int(row["label"] == "toxic"), "file": name}


def identity_test(root: Path):
    """Wikipedia identity-term test set (evaluate only)."""
    for row in _rows(root / "wiki-toxicity-identity-test" / "toxicity_nonfuzzed_testset.csv"):
        yield {"text": row["comment"].replace("``", '"'), "abuse": int(row["toxic"] == "True")}


def olid_train(root: Path):
    """OLID training tweets (research training only)."""
    path = root / "olid" / "olid-training-v1.0.tsv"
    for row in _rows(path, delimiter="\t", quoting=csv.QUOTE_NONE):
        yield {"text": row["tweet"], "abuse": int(row["subtask_a"] == "OFF")}


def olid_test(root: Path):
    """OLID official level-A test set (evaluate only)."""
    labels = {r["id"]: r["label"] for r in _rows(root / "olid" / "labels-levela.csv")}
    for row in _rows(root / "olid" / "testset-levela.tsv", delimiter="\t", quoting=csv.QUOTE_NONE):
        yield {"text": row["tweet"], "abuse": int(labels[row["id"]] == "OFF")}


def _kaggle_text(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith('"') and raw.endswith('"'):
        raw = raw[1:-1]
    try:
        text = codecs.decode(raw, "unicode_escape")
        # unicode_escape yields UTF-8 bytes as latin-1 characters; undo that where possible.
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return raw.replace("\\n", "\n")


def kaggle(root: Path, name: str):
    """Kaggle insults file ``name`` (train.csv / test_with_solutions.csv / verification)."""
    for row in _rows(root / "kaggle-insults" / name):
        yield {"text": _kaggle_text(row["Comment"]), "abuse": int(row["Insult"])}


def socc_c3(root: Path):
    """SOCC C3 (evaluate only): toxicity >= 2, 'not relevant' share >= 0.4, article id."""
    for row in _rows(root / "socc" / "C3_anonymized.csv"):
        votes = dict(
            part.split(":", 1) for part in row["non_constructive_characteristics"].split() if ":" in part
        )
        judgements = float(row["njudgements_constructiveness_expt"] or 0) or 1.0
        yield {
            "text": row["comment_text"],
            "abuse": int(float(row["crowd_toxicity_level"]) >= 2),
            "off_topic": int(float(votes.get("non_relevant", 0)) / judgements >= 0.4),
            "thread": row["article_id"],
        }


def socc_ctc(root: Path):
    """SOCC's older constructiveness-and-toxicity corpus (evaluation exclusion only)."""
    for row in _rows(root / "socc" / "SFU_constructiveness_toxicity.csv"):
        yield {"text": row["comment"], "abuse": int(row["is_toxic_popular_answer_1"] not in ("", "1"))}
