"""The full evaluation over the fixed held-out sets, side by side with the peers.

Shipped held-out splits are always there; the evaluate-only corpora are read from ``data_dir``
(default ``../shared/data``) and skipped with a message when absent. Nothing here feeds back into
training: thresholds come from the model, chosen on training data.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score, roc_auc_score

from . import corpora, offtopic
from .augment import IDENTITY_TERMS
from .datasets import load_corpus
from .heldout import fox_off_topic, highlight_f1
from .peers import load_peers
from .report import format_report
from .vectors import for_model

__all__ = ["evaluate", "format_report"]

_TERM = {t: re.compile(r"\b" + re.escape(t) + r"s?\b") for t in IDENTITY_TERMS}


def _abuse_sets(root: Path):
    """Yield (name, rows or None, message) for every abuse evaluation set."""
    shipped = [("Civil Comments ccc 20%", "civil-comments-ccc"),
               ("Civil Comments balanced 20%", "civil-comments-care-balanced"),
               ("Wikipedia CAT-LARGE 20%", "wiki-context-cat-large"),
               ("Davidson tweets 20%", "davidson-hate-offensive"),
               ("Fox News 20%", "fox-news-comments")]
    external = [("Civil Comments natural prevalence (autolabel)", lambda: corpora.autolabel(root)),
                ("OLID official test", lambda: corpora.olid_test(root)),
                ("Kaggle insults verification",
                 lambda: corpora.kaggle(root, "impermium_verification_labels.csv")),
                ("SOCC C3 toxicity", lambda: corpora.socc_c3(root))]
    for title, reader in external[:1]:
        yield title, *_read(reader, title)
    for title, name in shipped:
        yield title, load_corpus(name, "heldout"), None
    for title, reader in external[1:]:
        yield title, *_read(reader, title)


def _read(reader, title):
    try:
        return list(reader()), None
    except FileNotFoundError as exc:
        return None, f"{title}: skipped, {exc.filename} not found"


def _metrics(y, scores, decisions) -> dict:
    return {
        "roc_auc": float(roc_auc_score(y, scores)),
        "average_precision": float(average_precision_score(y, scores)),
        "macro_f1": float(f1_score(y, decisions, average="macro")),
        "precision": float(precision_score(y, decisions, zero_division=0)),
        "recall": float(recall_score(y, decisions, zero_division=0)),
    }


def _systems(model, peers, vectors):
    """Return [(name, scores(texts), decisions(texts))] for Parley and every peer."""
    review = model.thresholds["abuse_review"]

    def parley_scores(texts):
        return model.abuse_probabilities(texts, vectors.get(texts) if vectors is not None else None)

    out = [("parley", parley_scores, lambda texts: (parley_scores(texts) >= review).astype(int))]
    out += [(p.name, p.scores, p.decisions) for p in peers]
    return out


def identity_fpr(flagged: np.ndarray, texts, baseline_flagged: np.ndarray) -> dict:
    """Return FPRs on non-toxic comments per identity term, overall, and without any term."""
    lowered = [t.lower() for t in texts]
    per_term = {}
    for term, pattern in _TERM.items():
        hits = np.array([bool(pattern.search(t)) for t in lowered])
        if hits.sum() >= 10:
            per_term[term] = {"rows": int(hits.sum()), "fpr": float(flagged[hits].mean())}
    fpr_with = float(flagged.mean())
    fpr_without = float(baseline_flagged.mean())
    return {"fpr_with": fpr_with, "fpr_without": fpr_without,
            "ratio": fpr_with / fpr_without if fpr_without else float("inf"), "per_term": per_term,
            "worst_term": max(per_term.items(), key=lambda kv: kv[1]["fpr"])[0] if per_term else None}


def _identity(root, systems, messages):
    rows, message = _read(lambda: corpora.identity_test(root), "identity terms")
    if rows is None:
        messages.append(message)
        return None
    texts = [r["text"] for r in rows if not r["abuse"]]
    has_term = lambda t: any(p.search(t.lower()) for p in _TERM.values())  # noqa: E731
    wiki = [r["text"] for r in load_corpus("wiki-context-cat-large", "heldout")
            if not r["abuse"] and not has_term(r["text"])]
    mention = [t for t in texts if has_term(t)]
    out = {"rows": len(mention), "baseline_rows": len(wiki), "systems": {}}
    for name, _scores, decide in systems:
        out["systems"][name] = identity_fpr(decide(mention), mention, decide(wiki))
    return out


def _reliability(scores, rows) -> list[dict]:
    y = np.array([r["abuse"] for r in rows])
    p = scores([r["text"] for r in rows])
    edges = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0001]
    table = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        k = (p >= lo) & (p < hi)
        if k.any():
            table.append({"bin": f"{lo:.2f}-{min(hi, 1):.2f}", "rows": int(k.sum()),
                          "mean_predicted": float(p[k].mean()), "observed": float(y[k].mean())})
    return table


def socc_off_topic(model, rows, vectors=None) -> dict:
    """Return SOCC 'not relevant' ROC-AUC overall, within length deciles, and of length alone.

    Each comment is compared with the other comments of its thread (SOCC has no article text).
    """
    threads: dict = {}
    for i, r in enumerate(rows):
        threads.setdefault(r["thread"], []).append(i)
    probs = np.zeros(len(rows))
    for idx in threads.values():
        x = model.featuriser.transform([rows[i]["text"] for i in idx])
        pair, lengths = offtopic.dense(x), offtopic.log_lengths(x)
        table = offtopic.ThreadTable(pair)
        feats = np.vstack([
            offtopic.pair_features((pair[0][j: j + 1], pair[1][j: j + 1]), None, None,
                                   table.context(j, offtopic.context_rows(len(idx), j)))
            for j in range(len(idx))])
        feats[:, 7] = lengths
        if vectors is None:
            probs[idx] = offtopic.predict(model.state["linear"]["off_topic"], feats)
            continue
        thread = vectors.get([rows[i]["text"] for i in idx])
        semantic = np.vstack([
            offtopic.semantic_similarities(thread[j: j + 1], None, None, thread[offtopic.context_rows(len(idx), j)])
            for j in range(len(idx))])
        probs[idx] = offtopic.predict_semantic(model.state["off_topic"], feats, semantic)
    y = np.array([r["off_topic"] for r in rows])
    length = np.array([len(r["text"]) for r in rows])
    deciles = np.searchsorted(np.quantile(length, np.linspace(0.1, 0.9, 9)), length)
    within = [roc_auc_score(y[deciles == d], probs[deciles == d]) for d in range(10)
              if len(set(y[deciles == d])) == 2]
    return {"rows": len(y), "positives": int(y.sum()), "roc_auc": float(roc_auc_score(y, probs)),
            "within_length_deciles": float(np.mean(within)),
            "length_alone_roc_auc": float(roc_auc_score(y, -length))}


def evaluate(model, data_dir=None, peers: bool = True) -> dict:
    """Evaluate ``model`` (and the peers) on every held-out set; return the report dict."""
    root = Path(data_dir) if data_dir else corpora.DEFAULT_DATA_DIR
    loaded, messages = load_peers() if peers else ([], [])
    vectors = for_model(model)
    systems = _systems(model, loaded, vectors)
    report = {"model": model.version, "thresholds": model.thresholds, "messages": messages,
              "systems": [s[0] for s in systems], "abuse": []}
    socc_rows = None
    for title, rows, message in _abuse_sets(root):
        if rows is None:
            messages.append(message)
            continue
        if title.startswith("SOCC"):
            socc_rows = rows
        texts, y = [r["text"] for r in rows], np.array([r["abuse"] for r in rows])
        results = {name: _metrics(y, scores(texts), decide(texts)) for name, scores, decide in systems}
        report["abuse"].append({"set": title, "rows": len(y), "positives": int(y.sum()), "systems": results})
    report["identity"] = _identity(root, systems, messages)
    spans = load_corpus("civil-comments-toxic-spans", "heldout")
    report["highlights"] = {"rows": len(spans), "char_f1": highlight_f1(model, spans)}
    y, p = fox_off_topic(model, vectors=vectors)
    report["off_topic"] = {"fox_other_article": {"rows": len(y), "roc_auc": float(roc_auc_score(y, p))}}
    if socc_rows is not None:
        report["off_topic"]["socc_not_relevant"] = socc_off_topic(model, socc_rows, vectors)
    autolabel = next((a for a in report["abuse"] if a["set"].startswith("Civil Comments natural")), None)
    calib_rows = list(corpora.autolabel(root)) if autolabel else load_corpus("civil-comments-ccc", "heldout")
    report["reliability"] = {"set": "civil-comments-autolabel" if autolabel else "civil-comments-ccc 20%",
                             "bins": _reliability(systems[0][1], calib_rows)}
    return report
