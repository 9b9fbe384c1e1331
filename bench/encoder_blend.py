"""Choose the encoder head's C and its blend weight on training rows only (``abuse_selection``'s score).

For the linear model alone and for each blend ``linear margin + BETA x head margin`` (the head a
logistic regression of C on the standardised vectors), prints per shipped corpus the in-corpus
out-of-fold ROC-AUC (3 folds stratified by corpus and label) and the leave-one-corpus-out ROC-AUC,
and the selection score, the mean of the two means. The vectors are the shipped ones
(``moderation/data/vectors.npz``); held-out splits and ../shared/data are never read.

    .venv/bin/python bench/encoder_blend.py [--c 0.1 1] [--beta 0.1 0.2 0.3 0.5]
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

from abuse_selection import SHORT_NAMES, TARGETS  # noqa: E402

from moderation.classifier import Encoder, training  # noqa: E402
from moderation.classifier.features import Featuriser  # noqa: E402
from moderation.classifier.model import head_margins  # noqa: E402
from moderation.classifier.vectors import ShippedVectors  # noqa: E402


def _splits(y, sources):
    """Yield (kind, target, train rows, test rows): one per held-out corpus, then the 3 folds."""
    for target in TARGETS:
        yield "loso", target, np.flatnonzero(sources != target), np.flatnonzero(sources == target)
    strata = np.array([f"{s}:{label}" for s, label in zip(sources, y, strict=True)])
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(len(y)), strata):
        yield "cv", None, tr, te


def _margins(fit, score, splits, n):
    """Return ({target: loso margins}, out-of-fold margins) of one model over ``splits``."""
    fitted = Parallel(n_jobs=2, prefer="threads")(delayed(fit)(tr) for _kind, _target, tr, _te in splits)
    loso, oof = {}, np.zeros(n)
    for (kind, target, _tr, te), params in zip(splits, fitted, strict=True):
        if kind == "loso":
            loso[target] = score(params, te)
        else:
            oof[te] = score(params, te)
    return loso, oof


def _report(name, loso, oof, y, sources):
    cv = {t: roc_auc_score(y[sources == t], oof[sources == t]) for t in TARGETS}
    held = {t: roc_auc_score(y[sources == t], loso[t]) for t in TARGETS}
    score = (np.mean(list(cv.values())) + np.mean(list(held.values()))) / 2
    cells = "  ".join(f"{SHORT_NAMES[t]} {cv[t]:.3f}/{held[t]:.3f}" for t in TARGETS)
    print(f"{name:28} score {score:.4f}  cv/loso: {cells}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", nargs="*", type=float, default=[0.1, 1.0])
    parser.add_argument("--beta", nargs="*", type=float, default=[0.1, 0.2, 0.3, 0.5])
    args = parser.parse_args()
    started = time.perf_counter()
    texts, y, w, sources, _summary, _categories = training.gather_abuse([], False, None, None)
    x = Featuriser().fit_transform(texts)
    vectors = ShippedVectors(Encoder.load()).get(texts)
    w = w * len(w) / w.sum()
    splits = list(_splits(y, sources))
    print(f"{len(y):,} training rows featurised and their vectors read in {time.perf_counter() - started:.0f} s")
    linear = _margins(lambda tr: training._fit_abuse_linear(x[tr], y[tr], w[tr], 0),
                      lambda p, te: x[te] @ p[0] + p[1], splits, len(y))
    _report("linear alone", *linear, y, sources)
    for c in args.c:
        head = _margins(lambda tr, c=c: training._fit_head(vectors[tr], y[tr], w[tr], c),
                        lambda p, te: head_margins(p, vectors[te]), splits, len(y))
        _report(f"head alone, C {c:g}", *head, y, sources)
        for beta in args.beta:
            blended = ({t: linear[0][t] + beta * head[0][t] for t in TARGETS}, linear[1] + beta * head[1])
            _report(f"blend, C {c:g}, beta {beta:g}", *blended, y, sources)
    print(f"in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
