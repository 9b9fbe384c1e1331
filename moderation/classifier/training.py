"""Build and fit the abuse, highlight and off-topic models with fixed seeds (no file or DB I/O).

Abuse: hashed word 1-2 + char 2-5 gram TF-IDF of the normalised text, a logistic-loss linear model
fitted by SGD (as accurate as liblinear's logistic regression here in cross-validation, and six
times faster), blended with the sentence encoder's head, then a map to probabilities
(``calibration.fit_probability_map``) fitted on out-of-fold margins of the Civil Comments CCC
training rows, so probabilities match news comments at natural prevalence (about 7 % abusive)
rather than the mixture of corpora. Thresholds are read off the same out-of-fold probabilities.
"""

from __future__ import annotations

import hashlib
import platform
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from scipy.special import expit
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold
from sklearn.utils.parallel import Parallel, delayed

from . import augment, calibration, explain, offtopic
from .calibration import threshold_for_precision
from .corpora import CATEGORIES
from .datasets import SHIP_CORPORA, evaluation_keys, load_corpus, research_rows
from .encoder import Encoder
from .features import Featuriser, term_columns
from .heldout import heldout_summary
from .model import Model, head_margins
from .vectors import ShippedVectors

# 2, 3: the off-topic model's features and products (offtopic.design); 4: the sentence encoder's
# head and similarities, with the linear model's own calibration for when the encoder cannot run;
# 5: margins become probabilities through a monotone map (calibration.fit_probability_map), not Platt.
FORMAT_VERSION = 5
# Chosen by cross-validation on training rows only (bench/README.md, "Choosing the abuse model"):
# the mean of in-corpus 3-fold ROC-AUC and leave-one-corpus-out ROC-AUC over the five shipped
# corpora with both classes went from 0.827 to 0.840 with these weights and the span phrases.
CORPUS_WEIGHTS = {
    "civil-comments-ccc": 2.0,
    "civil-comments-care-balanced": 2.0,
    "civil-comments-toxic-spans": 2.0,
    "toxic-span-phrases": 0.5,
    # Wikipedia talk pages: 1 % abusive and another register; at 1.0 they diluted news comments.
    "wiki-context-cat-large": 0.2,
    # Keyword-sampled tweets: their profanity would otherwise dominate (data/README.md).
    "davidson-hate-offensive": 0.3,
    "fox-news-comments": 5.0,
    "identity-augmentation": 3.0,
    "idea-augmentation": 0.5,
    "threat-augmentation": 3.0,
    "olid-train": 0.5,
    "kaggle-insults-train": 1.0,
}
# A moderator's decision is the newsroom's own standard: it counts as much as this many rows.
MODERATOR_WEIGHT = 20.0
MODERATOR_SOURCE = "moderator-decisions"
ALPHA = 1e-5  # 3e-6 gave the same selection score (0.840), 3e-5 one point less
EPOCHS = 8  # 15 gave the same cross-validated ROC-AUC (0.915 vs 0.915) in twice the time
FOLDS = 3
# Averaged SGD (with the relative cut below): alpha 1e-6 / 2e-6 / 3e-6 / 5e-6 / 1e-5: CV char F1
# 0.586 / 0.588 / 0.588 / 0.585 / 0.583; plain SGD at 1e-5 gave 0.583 (0.577 without the cut).
SPAN_ALPHA = 3e-6
SPAN_FOLDS = 5
SPAN_EPOCHS = 5  # 3 / 10 epochs: CV char F1 0.586 / 0.587
# A token is highlighted only at half its post's top probability or more: relative cut 0 / 0.35 /
# 0.45 / 0.5 / 0.55 gave CV char F1 0.578 / 0.582 / 0.583 / 0.583 / 0.582 (plain SGD, 5 folds).
SPAN_RELATIVE = 0.5
CALIBRATION_CORPUS = "civil-comments-ccc"
# The encoder head's regularisation and its margin's weight in the blend: chosen by cross-validation
# on training rows (bench/README.md, "Choosing the encoder blend").
HEAD_C = 1.0
BLEND = 0.3
# The kinds' heads are fitted on few positives (140 labelled threats), so they need more regularisation
# than the abuse head: C 1 / 0.3 / 0.1 / 0.03 / 0.01 / 0.003 / 0.001 gave a mean out-of-fold AP over the
# four kinds, on their corpus rows, of 0.308 / 0.312 / 0.319 / 0.330 / 0.339 / 0.343 / 0.340 (threat
# alone 0.079 / 0.092 / 0.111 / 0.137 / 0.154 / 0.152 / 0.141).
CATEGORY_C = 0.003
# The share of news comments each kind may hold on its own (``fit_categories``): threats are the
# gravest, so they may cost the desk the most.
CATEGORY_SHARE = {"threat": 0.01, "insult": 0.005, "identity_attack": 0.005, "obscene": 0.005}
TARGET_PRECISION = {"abuse_review": 0.6, "abuse_reject": 0.95, "off_topic_review": 0.9}


def _linear(seed: int, alpha: float) -> SGDClassifier:
    return SGDClassifier(loss="log_loss", alpha=alpha, max_iter=EPOCHS, tol=None, random_state=seed)


def nb_ratios(x, y, w) -> np.ndarray:
    """Return each column's smoothed log-count ratio between abusive and other rows (NB-SVM)."""
    pos = np.asarray(x[y == 1].T @ w[y == 1]).ravel() + 1.0
    neg = np.asarray(x[y == 0].T @ w[y == 0]).ravel() + 1.0
    return np.log((pos / pos.sum()) / (neg / neg.sum())).astype(np.float32)


def _fit_abuse_linear(x, y, w, seed: int, alpha: float = ALPHA) -> tuple[np.ndarray, float]:
    """Fit the abuse model; return the effective (coef, intercept) on TF-IDF rows.

    Features are scaled by their naive-Bayes log-count ratios before the logistic model (Wang and
    Manning 2012), which raised cross-validated ROC-AUC on the CCC training rows from 0.893 to
    0.915; the scaling folds into the coefficients, so scoring costs nothing more.
    Identity-term n-grams may lower abuse but never raise it. Abuse corpora mention identity words
    mostly in abusive posts, so a linear model learns "muslims" or "gay" as insults (Dixon et al.
    2018); clipping those weights at zero is a rule we can state and audit, set once and not tuned
    on the identity test set.
    """
    ratios = nb_ratios(x, y, w)
    model = _linear(seed, alpha).fit(x @ sp.diags(ratios), y, sample_weight=w)
    coef = (model.coef_.ravel() * ratios).astype(np.float32)
    cols = term_columns(augment.neutral_terms())
    coef[cols] = np.minimum(coef[cols], 0.0)
    return coef, float(model.intercept_[0])


def gather_abuse(extra_examples, research: bool, data_dir, max_rows):
    """Return (texts, labels, weights, sources, summary, categories) of the abuse training rows.

    ``categories`` has one column per ``CATEGORIES``: 1 or 0 where the corpus labels it, 0 on
    every row that is not abusive, -1 (unknown) on other abusive rows.
    """
    corpora = {name: load_corpus(name, "train", max_rows) for name in SHIP_CORPORA}
    corpora["toxic-span-phrases"] = [{"text": t, "abuse": 1}
                                     for t in augment.span_phrases(corpora["civil-comments-toxic-spans"])]
    corpora["identity-augmentation"] = [{"text": t, "abuse": 0} for t in augment.neutral_sentences()]
    corpora["idea-augmentation"] = [{"text": t, "abuse": 0} for t in augment.idea_sentences()]
    threat = {**dict.fromkeys(CATEGORIES, 0), "threat": 1}
    corpora["threat-augmentation"] = [{"text": t, "abuse": 1, "categories": threat} for t in augment.threat_sentences()]
    if research:
        found = research_rows(data_dir, evaluation_keys(data_dir))
        corpora.update({k: (v[:max_rows] if max_rows else v) for k, v in found.items()})
    moderator = [{"text": e.text, "abuse": int(e.abuse)} for e in extra_examples if e.abuse is not None]
    corpora[MODERATOR_SOURCE] = moderator
    texts, labels, weights, sources, categories = [], [], [], [], []
    unknown = dict.fromkeys(CATEGORIES, -1)
    for name, rows in corpora.items():
        weight = MODERATOR_WEIGHT if name == MODERATOR_SOURCE else CORPUS_WEIGHTS[name]
        for row in rows:
            texts.append(row["text"])
            labels.append(row["abuse"])
            weights.append(weight)
            sources.append(name)
            known = row.get("categories") or (dict.fromkeys(CATEGORIES, 0) if not row["abuse"] else unknown)
            categories.append([known[c] for c in CATEGORIES])
    summary = {name: dict(Counter(str(r["abuse"]) for r in rows)) for name, rows in corpora.items()}
    return (texts, np.array(labels), np.array(weights), np.array(sources), summary,
            np.array(categories, dtype=np.int8).reshape(len(texts), len(CATEGORIES)))


def abuse_folds(strata, seed: int) -> list:
    """Return the abuse model's cross-validation folds, stratified by corpus and label."""
    counts = Counter(strata)
    strata = np.array([s if counts[s] >= FOLDS else "rare" for s in strata])
    return list(StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(np.zeros(len(strata)), strata))


def _fit_head(vectors, y, w, c: float = HEAD_C) -> dict:
    """Fit the encoder head: a logistic regression on the standardised vectors."""
    mean, scale = vectors.mean(axis=0), vectors.std(axis=0)
    scale[scale < 1e-6] = 1.0
    model = LogisticRegression(C=c, max_iter=500).fit((vectors - mean) / scale, y, sample_weight=w)
    return {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32),
            "coef": model.coef_.ravel().astype(np.float32), "intercept": float(model.intercept_[0])}


def _calibrated(oof, y, calib) -> tuple[dict, dict, dict]:
    """Return the map of margins ``oof`` to probabilities fitted on the ``calib`` rows, its
    thresholds and CV metrics."""
    params = {"calibration": calibration.fit_probability_map(oof[calib], y[calib])}
    p = calibration.probabilities(params["calibration"], oof[calib])
    thresholds = {k: threshold_for_precision(y[calib], p, TARGET_PRECISION[k])
                  for k in ("abuse_review", "abuse_reject")}
    cv = {"calibration_rows": int(calib.sum()), "oof_roc_auc": float(roc_auc_score(y[calib], p)),
          "oof_average_precision": float(average_precision_score(y[calib], p))}
    return params, thresholds, cv


@dataclass
class AbuseFit:
    """The abuse model fitted with and without the encoder, and what was read off its folds."""

    #: The linear model's coefficients with the blend's map to probabilities.
    params: dict
    head: dict
    #: The linear model's own map to probabilities, for scoring without the encoder.
    linear: dict
    thresholds: dict
    cv: dict
    linear_thresholds: dict
    linear_cv: dict
    #: The linear model's out-of-fold margins of every training row.
    linear_oof: np.ndarray
    #: The blend's out-of-fold margins of every training row.
    oof_margins: np.ndarray

    @property
    def oof_probabilities(self) -> np.ndarray:
        """Return the blend's out-of-fold margins through its map to probabilities."""
        return calibration.probabilities(self.params["calibration"], self.oof_margins)


def fit_abuse(x, y, w, sources, seed, vectors) -> AbuseFit:
    """Fit the abuse model, the encoder head and their blend, each with its map to probabilities.

    The blend is the linear margin plus ``BLEND`` times the head's, calibrated on out-of-fold
    margins of both; the linear model alone, which serves when the encoder cannot run, is
    calibrated on its own out-of-fold margins.
    """
    strata = [f"{s}:{label}" for s, label in zip(sources, y, strict=True)]
    folds = abuse_folds(strata, seed)
    subsets = [tr for tr, _te in folds]
    # One pool for the folds' fits and the final ones, so both cores stay busy to the last: SGD's
    # inner loop and lbfgs's BLAS release the GIL.
    fits = Parallel(n_jobs=2, prefer="threads")(
        [delayed(_fit_abuse_linear)(x[tr], y[tr], w[tr], seed) for tr in subsets]
        + [delayed(_fit_abuse_linear)(x, y, w, seed)]
        + [delayed(_fit_head)(vectors[tr], y[tr], w[tr]) for tr in subsets]
        + [delayed(_fit_head)(vectors, y, w)])
    k = len(folds)
    (coef, intercept), head = fits[k], {**fits[-1], "blend": BLEND}
    linear_oof, head_oof = np.zeros(len(y)), np.zeros(len(y))
    for (_tr, te), (fold_coef, fold_intercept), fold_head in zip(folds, fits[:k], fits[k + 1:-1], strict=True):
        linear_oof[te] = x[te] @ fold_coef + fold_intercept
        head_oof[te] = head_margins(fold_head, vectors[te])
    calib = sources == CALIBRATION_CORPUS
    if len(set(y[calib])) < 2:
        calib = np.ones(len(y), dtype=bool)
    linear, linear_thresholds, linear_cv = _calibrated(linear_oof, y, calib)
    blended = linear_oof + BLEND * head_oof
    blend, thresholds, cv = _calibrated(blended, y, calib)
    return AbuseFit({"coef": coef, "intercept": intercept, **blend}, head, linear, thresholds, cv,
                    linear_thresholds, linear_cv, linear_oof, blended)


def fit_categories(vectors, linear_margins, categories, w, sources, seed) -> tuple[dict, dict]:
    """Fit one head per kind of abuse on the vectors and the linear model's out-of-fold margin.

    Each is a logistic regression on the rows whose label for that kind is known; a seeded third
    of the rows that are not abusive stands for all of them, at three times the weight (a third
    of the fitting time, the same expected loss). A kind's review threshold is a workload: the
    level its out-of-fold probability exceeds on ``CATEGORY_SHARE`` of the Civil Comments CCC
    training rows, news comments at their natural share of abuse. Kinds are rare (140 labelled
    threats), so no threshold reaches a useful precision on its own; the share says what a kind
    costs the desk. Precision and recall there are read off the corpus rows alone: the rows
    written for this project are easy to tell apart and would flatter them. Returns
    ({kind: params}, {kind: threshold info with its out-of-fold ROC-AUC}).
    """
    rows = np.hstack([vectors, linear_margins[:, None]])
    rng = np.random.default_rng(seed)
    sampled = (categories.max(axis=1) > 0) | (rng.random(len(rows)) < 1 / 3) | (categories.min(axis=1) < 0)
    weights = np.where(categories.max(axis=1) > 0, w, 3 * w)
    natural = np.flatnonzero(sources == CALIBRATION_CORPUS)
    problems = []
    for j in range(len(CATEGORIES)):
        known = np.flatnonzero((categories[:, j] >= 0) & sampled)
        x, y, weight = rows[known], categories[known, j], weights[known]
        folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(x, y))
        problems.append((known, x, y, weight, folds))
    # Every kind's folds and final fit in one pool, so both cores stay busy to the last.
    fitted = iter(Parallel(n_jobs=2, prefer="threads")(
        delayed(_fit_head)(x[tr], y[tr], weight[tr], CATEGORY_C)
        for _known, x, y, weight, folds in problems for tr in (*(tr for tr, _te in folds), slice(None))))
    params, info = {}, {}
    for j, (kind, (known, x, _y, _weight, folds)) in enumerate(zip(CATEGORIES, problems, strict=True)):
        fold_heads = [next(fitted) for _ in folds]
        params[kind] = next(fitted)
        # Out-of-fold where the row was fitted, the full head's elsewhere (rows it never saw).
        p = expit(head_margins(params[kind], rows))
        for (_tr, te), head in zip(folds, fold_heads, strict=True):
            p[known[te]] = expit(head_margins(head, x[te]))
        threshold = float(np.quantile(p[natural], 1 - CATEGORY_SHARE[kind]))
        real = known[~np.char.endswith(sources[known].astype(str), "augmentation")]
        flagged, labels = p[real] >= threshold, categories[real, j]
        info[kind] = {"threshold": threshold, "share_of_news_comments": CATEGORY_SHARE[kind],
                      "precision": float(labels[flagged].mean()) if flagged.any() else 0.0,
                      "recall": float(flagged[labels == 1].mean()), "rows": len(real),
                      "positives": int(labels.sum()), "oof_roc_auc": float(roc_auc_score(labels, p[real]))}
    return params, info


def _token_rows(featuriser, rows):
    """Return (X, labels, tokens per post) of every word of ``rows`` (each distinct word featurised once)."""
    words, labels, counts = [], [], []
    for row in rows:
        spans, lab = explain.token_labels(row["text"], row["spans"])
        words.extend(row["text"][s:e] for s, e in spans)
        labels.extend(lab)
        counts.append(len(spans))
    distinct, index = np.unique(np.array(words, dtype=object).astype(str), return_inverse=True)
    return featuriser.transform(list(distinct))[index], np.array(labels), np.array(counts)


def _fit_tokens(x, y, seed) -> dict:
    # Averaging the SGD iterates steadies the ranking of a post's few strong words: the per-post
    # choice the raters make. It is still one coefficient vector, so scoring costs the same.
    model = SGDClassifier(loss="log_loss", alpha=SPAN_ALPHA, max_iter=SPAN_EPOCHS, tol=None,
                          average=True, random_state=seed).fit(x, y)
    return {"coef": model.coef_.ravel().astype(np.float32), "intercept": float(model.intercept_[0])}


def _fit_gate(features, has_span) -> dict:
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale[scale < 1e-6] = 1.0
    model = LogisticRegression(C=1.0, max_iter=1000).fit((features - mean) / scale, has_span)
    return {"mean": mean, "scale": scale, "coef": model.coef_.ravel(), "intercept": float(model.intercept_[0])}


def fit_spans(featuriser, rows, seed):
    """Fit the token model of toxic spans and its post-level gate; choose threshold and gate by CV.

    Out-of-fold token probabilities (posts split in ``SPAN_FOLDS``) feed a small logistic gate
    that predicts whether a post has any rater-agreed span (``explain.gate_features``); the token
    threshold and the gate's cut-off maximise the out-of-fold SemEval character F1 of training
    posts. Raising SGD's alpha from 1e-6 to 1e-5 and adding the gate model raised that
    cross-validated F1 from 0.530 to 0.577 (5 folds); averaged SGD, trimming "!" and dashes off
    tokens and the relative cut (``SPAN_RELATIVE``) raised it to 0.588.
    """
    x, y, counts = _token_rows(featuriser, rows)
    offsets = np.concatenate(([0], np.cumsum(counts)))
    post_of = np.repeat(np.arange(len(rows)), counts)
    folds = list(KFold(SPAN_FOLDS, shuffle=True, random_state=seed).split(np.arange(len(rows))))
    masks = [np.isin(post_of, te) for _tr, te in folds]
    # The final fit in the folds' pool, so both cores stay busy to the last.
    *fitted, final = Parallel(n_jobs=2, prefer="threads")(
        [delayed(_fit_tokens)(x[~m], y[~m], seed) for m in masks] + [delayed(_fit_tokens)(x, y, seed)])
    z = np.zeros(len(y))
    for m, fold in zip(masks, fitted, strict=True):
        z[m] = x[m] @ fold["coef"] + fold["intercept"]
    probs = [expit(z[offsets[i]: offsets[i + 1]]) for i in range(len(rows))]
    spans = [explain.tokens(r["text"]) for r in rows]
    gold = [explain.span_chars(r["spans"]) for r in rows]
    empty = np.array([not g for g in gold], dtype=float)
    feats = np.vstack([explain.gate_features(p) for p in probs])
    gate_p = np.zeros(len(rows))
    for tr, te in folds:
        gm = _fit_gate(feats[tr], 1 - empty[tr])
        gate_p[te] = [explain.gate_probability(gm, p) for p in (probs[i] for i in te)]
    scored = []
    for t in np.arange(0.05, 0.6, 0.05):
        predicted = [explain.span_chars(explain.merge(s, p, t, relative=SPAN_RELATIVE))
                     for s, p in zip(spans, probs, strict=True)]
        f1 = np.array([explain.char_f1(a, b) for a, b in zip(predicted, gold, strict=True)])
        for gate in np.arange(0.2, 0.8, 0.05):
            # Below the gate nothing is predicted: F1 is 1 on posts without gold spans, else 0.
            f1_mean = float(np.where(gate_p >= gate, f1, empty).mean())
            scored.append((f1_mean, round(float(t), 2), round(float(gate), 2)))
    f1, threshold, gate = max(scored)
    params = {**final, "threshold": threshold, "gate": gate, "relative": SPAN_RELATIVE}
    params["gate_model"] = _fit_gate(feats, 1 - empty)
    return params, {"cv_char_f1": f1, "folds": SPAN_FOLDS, "threshold": threshold, "gate": gate}


def fit_off_topic(featuriser, extra_examples, seed, max_rows, vectors):
    """Fit the off-topic models on Fox News pairs (+ moderator labels): one on TF-IDF similarities
    alone, one with the encoder's similarities too; choose each one's threshold by CV.

    Returns (semantic params, its threshold info, TF-IDF params, its threshold info).
    """
    rows = load_corpus("fox-news-comments", "train", max_rows)
    articles = {r["thread"]: r["article"] for r in rows}
    pool: dict = {}
    for r in rows:
        pool.setdefault(r["thread"], []).append(r["text"])
    x, semantic, y = offtopic.fox_pairs(featuriser, rows, pool, articles, np.random.default_rng(seed),
                                        short_threads=True, vectors=vectors)
    w = np.ones(len(y))
    # Folds by article: with the same article on both sides the similarities are optimistic, and
    # so would be the threshold read off them. A moderator's example is a group of its own.
    groups = np.repeat([r["thread"] for r in rows], len(y) // len(rows))
    labelled = [e for e in extra_examples if e.off_topic is not None]
    if labelled:
        rows_x = featuriser.transform([e.text for e in labelled])
        extra = np.vstack([offtopic.features(featuriser, rows_x[i], e.article, e.parent, ())
                           for i, e in enumerate(labelled)])
        texts, contexts = vectors([e.text for e in labelled]), vectors([e.article or " " for e in labelled])
        parents = vectors([e.parent or " " for e in labelled])
        extra_semantic = np.vstack([
            offtopic.semantic_similarities(texts[i: i + 1], contexts[i] if e.article.strip() else None,
                                           parents[i] if e.parent.strip() else None)
            for i, e in enumerate(labelled)])
        x, semantic = np.vstack([x, extra]), np.vstack([semantic, extra_semantic])
        y = np.concatenate([y, [int(e.off_topic) for e in labelled]])
        w = np.concatenate([w, np.full(len(labelled), MODERATOR_WEIGHT / 4)])
        groups = np.concatenate([groups, -1 - np.arange(len(labelled))])
    folds = list(GroupKFold(max(2, min(5, len(set(groups))))).split(x, y, groups))
    fitted = {}
    for name, fit, predict, inputs in (
            ("semantic", offtopic.fit_semantic, offtopic.predict_semantic, (x, semantic)),
            ("linear", offtopic.fit, offtopic.predict, (x,))):
        oof = np.zeros(len(y))
        for tr, te in folds:
            oof[te] = predict(fit(*(a[tr] for a in inputs), y[tr], w[tr]), *(a[te] for a in inputs))
        info = threshold_for_precision(y, oof, TARGET_PRECISION["off_topic_review"])
        info["oof_roc_auc"] = float(roc_auc_score(y, oof))
        fitted[name] = (fit(*inputs, y, w), info)
    return *fitted["semantic"], *fitted["linear"]


def train(extra_examples=(), *, seed: int = 0, research: bool = False, data_dir=None,
          max_rows: int | None = None, encoder: Encoder | None = None) -> Model:
    """Train a model on the shipped corpora plus moderator ``extra_examples``.

    :param research: also train on research-licensed evaluate corpora found in ``data_dir``
        (OLID training part, Kaggle insults train and test), never on a held-out set.
    :param max_rows: cap rows per corpus, for quick runs.
    :param encoder: the sentence encoder (default: the shipped one); texts of the shipped corpora
        take their vectors from ``moderation/data/vectors.npz``, other texts are encoded.
    :raise EncoderError: the encoder cannot be loaded or run; a model is never trained without it.
    """
    started = time.perf_counter()
    seconds = {}

    def lap(stage):
        seconds[stage] = round(time.perf_counter() - started - sum(seconds.values()), 1)

    extra_examples = list(extra_examples)
    encoder = encoder if encoder is not None else Encoder.load()
    shipped = ShippedVectors(encoder)
    texts, y, w, sources, summary, categories = gather_abuse(extra_examples, research, data_dir, max_rows)
    w = w * len(w) / w.sum()
    featuriser = Featuriser()
    x = featuriser.fit_transform(texts)
    vectors = shipped.get(texts)
    lap("load_featurise_and_encode")
    abuse = fit_abuse(x, y, w, sources, seed, vectors)
    decided = sources == MODERATOR_SOURCE
    newsroom, newsroom_info = calibration.newsroom_thresholds(
        abuse.oof_probabilities[decided], y[decided], {k: v["threshold"] for k, v in abuse.thresholds.items()},
        TARGET_PRECISION, seed)
    lap("abuse")
    kinds, kinds_info = fit_categories(vectors, abuse.linear_oof, categories, w, sources, seed)
    lap("categories")
    spans, spans_info = fit_spans(featuriser, load_corpus("civil-comments-toxic-spans", "train", max_rows), seed)
    lap("highlights")
    off, off_info, linear_off, linear_off_info = fit_off_topic(featuriser, extra_examples, seed, max_rows, shipped.get)
    lap("off_topic")

    def chosen(abuse_thresholds, off_topic_info):
        return {**abuse_thresholds, "off_topic_review": off_topic_info["threshold"]}

    trained_at = datetime.now(timezone.utc)
    digest = hashlib.sha256(abuse.params["coef"].tobytes() + abuse.head["coef"].tobytes()
                            + spans["coef"].tobytes()).hexdigest()[:8]
    state = {
        "format": FORMAT_VERSION,
        "version": f"{trained_at:%Y%m%dT%H%M%S}-{digest}",
        "encoder": encoder.version,
        "idf": featuriser.idf,
        "abuse": abuse.params,
        "head": abuse.head,
        "categories": kinds,
        "spans": spans,
        "off_topic": off,
        "thresholds": {**chosen(newsroom, off_info),
                       **{f"{kind}_review": info["threshold"] for kind, info in kinds_info.items()}},
        # What scores when the encoder cannot run: the linear model and TF-IDF similarities alone.
        "linear": {**abuse.linear, "off_topic": linear_off,
                   "thresholds": chosen({k: v["threshold"] for k, v in abuse.linear_thresholds.items()},
                                        linear_off_info)},
    }
    state["metadata"] = {
        "version": state["version"],
        "trained_at": trained_at.isoformat(timespec="seconds"),
        "seed": seed,
        "research": research,
        "max_rows": max_rows,
        "encoder": encoder.version,
        "data": {"rows_per_corpus_and_class": summary, "moderator_examples": len(extra_examples)},
        "thresholds": {"abuse": abuse.thresholds, "newsroom": newsroom_info, "off_topic_review": off_info,
                       "categories": kinds_info,
                       "without_encoder": {"abuse": abuse.linear_thresholds, "off_topic_review": linear_off_info},
                       "chosen_on": f"out-of-fold predictions on {CALIBRATION_CORPUS} training rows "
                                    "(abuse), Fox News training pairs (off-topic) and the labelled "
                                    "training rows of each kind of abuse (categories); abuse review and "
                                    "reject on the moderators' decisions' out-of-fold predictions once "
                                    "there are enough of them (newsroom)"},
        "cross_validation": {"abuse": abuse.cv, "abuse_without_encoder": abuse.linear_cv, "highlights": spans_info,
                             "off_topic": off_info, "off_topic_without_encoder": linear_off_info},
        "libraries": {"python": platform.python_version(), "numpy": np.__version__,
                      "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
        "train_seconds": None,
    }
    model = Model(state, encoder)
    state["metadata"]["heldout"] = heldout_summary(model, shipped)
    lap("heldout_summary")
    state["metadata"]["train_seconds"] = round(time.perf_counter() - started, 1)
    state["metadata"]["stage_seconds"] = seconds
    return model
