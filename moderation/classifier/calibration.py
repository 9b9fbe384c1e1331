"""Probabilities and thresholds: the map from a model's margin to a probability, and thresholds read
off labelled, out-of-sample probabilities (the corpora's when a model is trained, the newsroom's
own once its moderators have decided enough comments).

A threshold is the lowest probability at which what it flags reaches a target precision: the share
of held comments a moderator would reject (review), of rejected ones a moderator would have
rejected too (reject). The corpora set it for news comments at large; a newsroom's desk has its own
standard, stricter or looser, and its decisions say where that standard lies.
"""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import StratifiedKFold

#: Below this many decided comments (of each kind, below ``MIN_EACH_CLASS``) the corpora's
#: thresholds stay: a few dozen decisions would move them by noise.
MIN_NEWSROOM_DECISIONS = 200
MIN_EACH_CLASS = 20
NEWSROOM_FOLDS = 5
NEWSROOM_THRESHOLDS = ("abuse_review", "abuse_reject")
#: No probability is exactly 0 or 1: no comment is certain.
PROBABILITY_FLOOR = 1e-4


def fit_probability_map(margins, y) -> dict:
    """Return the map from margins to probabilities fitted on labelled margins: isotonic regression
    through the centres of its steps (Oron and Flournoy 2017), as knots to interpolate.

    Platt scaling bends one way only, and on the Civil Comments CCC training rows its out-of-fold
    probabilities were 0.10 too high between 0.7 and 0.9; isotonic regression fits any monotone
    shape but its flat steps tie comments the margin tells apart; through the steps' centres it
    rises strictly between the first and the last, so it keeps the margins' order there. By 5-fold
    cross-validation on those rows (bench/calibration.py) its largest gap in a reliability bin was
    0.035 (Platt's 0.096), with a lower log loss (0.1473 against 0.1485).
    """
    margins, y = np.asarray(margins, dtype=float), np.asarray(y, dtype=float)
    order = np.argsort(margins, kind="stable")
    sorted_margins = margins[order]
    levels = IsotonicRegression(y_min=PROBABILITY_FLOOR, y_max=1 - PROBABILITY_FLOOR).fit_transform(
        sorted_margins, y[order])
    starts = np.r_[0, np.flatnonzero(np.diff(levels)) + 1]
    sizes = np.diff(np.r_[starts, len(levels)])
    return {"margins": np.add.reduceat(sorted_margins, starts) / sizes, "probabilities": levels[starts]}


def probabilities(probability_map: dict, margins) -> np.ndarray:
    """Return the probabilities of ``margins`` under a map from ``fit_probability_map`` (constant
    beyond its first and last knots)."""
    return np.interp(margins, probability_map["margins"], probability_map["probabilities"])


def threshold_for_precision(y, p, target: float) -> dict:
    """Return the lowest threshold whose precision on (y, p) reaches ``target`` (or the best one)."""
    precision, recall, thresholds = precision_recall_curve(y, p)
    ok = np.flatnonzero(precision[:-1] >= target)
    i = int(ok[0]) if len(ok) else int(np.argmax(precision[:-1]))
    return {"threshold": float(thresholds[i]), "target_precision": target,
            "precision": float(precision[i]), "recall": float(recall[i])}


def flagged_metrics(y, flagged) -> dict:
    """Return what a rule flags of labelled comments: how many, its precision and its recall."""
    y, flagged = np.asarray(y), np.asarray(flagged, dtype=bool)
    hits = int((flagged & (y == 1)).sum())
    return {"flagged": int(flagged.sum()), "precision": float(hits / flagged.sum()) if flagged.any() else None,
            "recall": float(hits / (y == 1).sum()) if (y == 1).any() else None}


def newsroom_thresholds(p, y, corpus: dict, targets: dict, seed: int = 0) -> tuple[dict, dict]:
    """Re-fit the review and reject thresholds on a newsroom's decisions.

    :param p: out-of-sample abuse probabilities of the decided comments (out-of-fold for those the
        model trained on), so the thresholds are not read off what the model learned by heart.
    :param y: 1 where a moderator rejected the comment as abuse, 0 where they approved it.
    :param corpus: the thresholds chosen on the corpora, kept when there are too few decisions.
    :param targets: the target precision of each threshold.

    Returns (thresholds: the newsroom's, or ``corpus`` unchanged; what was done, with the
    cross-validated precision and recall of both rules on held-out folds of the decisions).
    Decided comments are the ones the desk saw: all those held, and below the old review threshold
    only those readers reported, which are likelier abusive than the rest. Precision is read
    straight above the old threshold and flattered below it, and a few hundred decisions put noise
    in the lowest threshold that reaches a target; so a re-fitted threshold only ever rises from
    the corpora's, and one whose target the decisions never reach stays where it was. A lenient
    desk gets fewer holds and fewer automatic rejections; a strict one keeps the corpora's.
    """
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=int)
    rejected = int(y.sum())
    info = {"decisions": len(y), "rejected": rejected, "minimum_decisions": MIN_NEWSROOM_DECISIONS}
    if len(y) < MIN_NEWSROOM_DECISIONS or min(rejected, len(y) - rejected) < MIN_EACH_CLASS:
        info["used"] = False
        info["why"] = (f"{len(y)} decisions, {rejected} of them rejections: re-fitting needs "
                       f"{MIN_NEWSROOM_DECISIONS}, with {MIN_EACH_CLASS} each approved and rejected")
        return dict(corpus), info

    def fit(rows) -> dict:
        chosen = {}
        for k in NEWSROOM_THRESHOLDS:
            found = threshold_for_precision(y[rows], p[rows], targets[k])
            chosen[k] = max(found["threshold"], corpus[k]) if found["precision"] >= targets[k] else corpus[k]
        chosen["abuse_reject"] = max(chosen["abuse_reject"], chosen["abuse_review"])
        return chosen

    flags = {rule: {k: np.zeros(len(y), dtype=bool) for k in NEWSROOM_THRESHOLDS} for rule in ("newsroom", "corpus")}
    for train_rows, test_rows in StratifiedKFold(NEWSROOM_FOLDS, shuffle=True, random_state=seed).split(p, y):
        for rule, chosen in (("newsroom", fit(train_rows)), ("corpus", corpus)):
            for k in NEWSROOM_THRESHOLDS:
                flags[rule][k][test_rows] = p[test_rows] >= chosen[k]
    cross_validation = {rule: {k: flagged_metrics(y, flagged) for k, flagged in by_kind.items()}
                        for rule, by_kind in flags.items()}
    thresholds = {**corpus, **fit(np.arange(len(y)))}
    info.update(used=True, thresholds={k: thresholds[k] for k in NEWSROOM_THRESHOLDS},
                corpus={k: corpus[k] for k in NEWSROOM_THRESHOLDS}, folds=NEWSROOM_FOLDS,
                cross_validation=cross_validation)
    return thresholds, info
