"""Compare abuse-model settings on training rows only: how the corpus weights and alpha were chosen.

For each setting it prints, per shipped corpus that has both classes:
- ``cv``: ROC-AUC of out-of-fold margins (3 folds stratified by corpus and label, all corpora);
- ``loso``: ROC-AUC on that corpus when the model is trained on every other corpus, which is what
  a newsroom's own comments are to the base model: a site it has never seen;
and the selection score, the mean of the two means. Held-out splits and ../shared/data are never
read. Usage: ``.venv/bin/python bench/abuse_selection.py [--settings NAME ...]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.parallel import Parallel, delayed

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moderation.classifier import training  # noqa: E402
from moderation.classifier.features import Featuriser  # noqa: E402

SHORT_NAMES = {"civil-comments-ccc": "ccc", "civil-comments-care-balanced": "care", "fox-news-comments": "fox",
               "davidson-hate-offensive": "davidson", "wiki-context-cat-large": "wiki"}
TARGETS = tuple(SHORT_NAMES)
PREVIOUS_WEIGHTS = {"civil-comments-toxic-spans": 1.0, "toxic-span-phrases": 0.0,
                    "wiki-context-cat-large": 1.0, "fox-news-comments": 2.0}
# Name -> (corpus weights overriding training.CORPUS_WEIGHTS, alpha).
SETTINGS = {
    "current": ({}, training.ALPHA),
    "previous (first session)": (PREVIOUS_WEIGHTS, 1e-5),
    "previous, alpha 3e-6": (PREVIOUS_WEIGHTS, 3e-6),
    "previous, Wikipedia 0.3": ({**PREVIOUS_WEIGHTS, "wiki-context-cat-large": 0.3}, 1e-5),
    "previous, span phrases 0.5": ({**PREVIOUS_WEIGHTS, "toxic-span-phrases": 0.5}, 1e-5),
    "previous, toxic-spans 2": ({**PREVIOUS_WEIGHTS, "civil-comments-toxic-spans": 2.0}, 1e-5),
    "current, Fox 2": ({"fox-news-comments": 2.0}, training.ALPHA),
    "current, alpha 3e-6": ({}, 3e-6),
    "current, no threat or idea rows": ({"threat-augmentation": 0.0, "idea-augmentation": 0.0}, training.ALPHA),
    "current, idea rows 3": ({"idea-augmentation": 3.0}, training.ALPHA),
}


def fit(x, y, w, alpha, seed=0):
    return training._fit_abuse_linear(x, y, w * len(w) / w.sum(), seed, alpha)


def evaluate(name, weights, alpha, x, y, sources):
    """Print the per-corpus cv and loso ROC-AUC of one setting and return its selection score."""
    w = np.array([weights.get(s, training.CORPUS_WEIGHTS[s]) for s in sources])
    used = w > 0
    jobs, tests = [], []
    for target in TARGETS:
        train = used & (sources != target)
        jobs.append(delayed(fit)(x[train], y[train], w[train], alpha))
        tests.append(("loso", target, sources == target))
    strata = np.array([f"{s}:{label}" for s, label in zip(sources, y, strict=True)])
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(len(y)), strata):
        tr = tr[used[tr]]
        jobs.append(delayed(fit)(x[tr], y[tr], w[tr], alpha))
        tests.append(("cv", None, te))
    fitted = Parallel(n_jobs=2, prefer="threads")(jobs)
    oof = np.zeros(len(y))
    loso = {}
    for (kind, target, rows), (coef, intercept) in zip(tests, fitted, strict=True):
        margins = x[rows] @ coef + intercept
        if kind == "loso":
            loso[target] = roc_auc_score(y[rows], margins)
        else:
            oof[rows] = margins
    cv = {t: roc_auc_score(y[sources == t], oof[sources == t]) for t in TARGETS}
    score = (np.mean(list(cv.values())) + np.mean(list(loso.values()))) / 2
    cells = "  ".join(f"{SHORT_NAMES[t]} {cv[t]:.3f}/{loso[t]:.3f}" for t in TARGETS)
    print(f"{name:32} score {score:.4f}  cv/loso: {cells}", flush=True)
    return score


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="*", choices=list(SETTINGS), default=list(SETTINGS))
    args = parser.parse_args()
    started = time.perf_counter()
    texts, y, _w, sources, _summary, _categories = training.gather_abuse([], False, None, None)
    x = Featuriser().fit_transform(texts)
    print(f"{len(y):,} training rows featurised in {time.perf_counter() - started:.0f} s")
    for name in args.settings:
        evaluate(name, *SETTINGS[name], x, y, sources)


if __name__ == "__main__":
    main()
