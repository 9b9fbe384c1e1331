"""How well each way of calibrating the abuse model's margin fits news comments, by cross-validation
on training rows only (no held-out set is read).

Fits the abuse model's folds as training does, takes the out-of-fold blended margins of the
Civil Comments CCC training rows (news comments at their natural share of abuse, about 7%), and
calibrates them by each method on four fifths, predicting the fifth left out: Platt scaling (what
training used until model format 5), Platt on the margin and its square, isotonic regression, and
isotonic regression through the centres of its steps (what training uses). Prints, per method,
the reliability table with the bins ``moderation evaluate`` uses (rows, mean predicted, observed),
the largest gap in a bin of 30 rows or more, the log loss, the ROC-AUC (a calibration with flat
steps ties comments the margin tells apart) and how many distinct probabilities it gives.

    .venv/bin/python bench/calibration.py
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import numpy as np  # noqa: E402
from sklearn.isotonic import IsotonicRegression  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import log_loss, roc_auc_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from moderation.classifier import Encoder, calibration, training  # noqa: E402
from moderation.classifier.features import Featuriser  # noqa: E402
from moderation.classifier.vectors import ShippedVectors  # noqa: E402

EDGES = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0001]
MIN_BIN_ROWS = 30


def platt(train_m, train_y, test_m):
    model = LogisticRegression(C=1e4).fit(train_m[:, None], train_y)
    return model.predict_proba(test_m[:, None])[:, 1]


def platt_quadratic(train_m, train_y, test_m):
    def design(m):
        return np.column_stack([m, m * m])
    model = LogisticRegression(C=1e4, max_iter=1000).fit(design(train_m), train_y)
    return model.predict_proba(design(test_m))[:, 1]


def isotonic(train_m, train_y, test_m):
    return IsotonicRegression(out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4).fit(train_m, train_y).predict(test_m)


def centred_isotonic(train_m, train_y, test_m):
    return calibration.probabilities(calibration.fit_probability_map(train_m, train_y), test_m)


METHODS = {"Platt (until model format 5)": platt, "Platt on margin and margin²": platt_quadratic,
           "isotonic": isotonic, "centred isotonic (in use: calibration.fit_probability_map)": centred_isotonic}


def ccc_margins() -> tuple[np.ndarray, np.ndarray]:
    """Return the out-of-fold blended margins and labels of the CCC training rows."""
    shipped = ShippedVectors(Encoder.load())
    texts, y, w, sources, _summary, _categories = training.gather_abuse((), False, None, None)
    w = w * len(w) / w.sum()
    x = Featuriser().fit_transform(texts)
    fit = training.fit_abuse(x, y, w, sources, 0, shipped.get(texts))
    calib = sources == training.CALIBRATION_CORPUS
    return fit.oof_margins[calib], y[calib]


def main() -> None:
    margins, y = ccc_margins()
    print(f"{len(y)} CCC training rows, {int(y.sum())} abusive; 5-fold cross-validation of the calibration")
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(margins, y))
    for name, method in METHODS.items():
        p = np.zeros(len(y))
        for tr, te in folds:
            p[te] = method(margins[tr], y[tr], margins[te])
        print(f"\n{name}: log loss {log_loss(y, np.clip(p, 1e-6, 1 - 1e-6)):.4f}, ROC-AUC {roc_auc_score(y, p):.4f}, "
              f"{len(np.unique(p))} distinct probabilities")
        print(f"{'bin':>10} {'rows':>6} {'predicted':>9} {'observed':>8}")
        gaps = []
        for lo, hi in zip(EDGES[:-1], EDGES[1:], strict=True):
            k = (p >= lo) & (p < hi)
            if k.any():
                gap = abs(p[k].mean() - y[k].mean())
                if k.sum() >= MIN_BIN_ROWS:
                    gaps.append(gap)
                print(f"{lo:.2f}-{min(hi, 1):.2f} {int(k.sum()):>6} {p[k].mean():>9.3f} {y[k].mean():>8.3f}")
        print(f"largest gap in a bin of {MIN_BIN_ROWS}+ rows: {max(gaps):.3f}")


if __name__ == "__main__":
    main()
