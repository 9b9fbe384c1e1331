"""Benchmark the classifier on real news comments, side by side with the peer classifiers.

Prints: comments scored per second in batch (abuse only, and full scores with off-topic and
highlights against an article and a 300-comment thread), one-at-a-time latency p50 / p99, model
load time, artifact size, and the resident memory of a fresh worker process with the model
loaded; for the model with its sentence encoder and for the same model without it. One core: math libraries are limited
to one thread through threadpoolctl, and everything runs in this one process.

    .venv/bin/python bench/classifier.py [--model instance/model.skops] [--rows 4000]

Comments: SOCC C3 (Globe and Mail) from ../shared/data when present, else the shipped
Civil Comments CCC held-out texts. Without --model (or if it is missing) a model is trained first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits  # noqa: E402, I001

from moderation.classifier import MAX_CONTEXT, ContextVectors, Model, corpora, load, save, train  # noqa: E402
from moderation.classifier.datasets import load_corpus  # noqa: E402
from moderation.classifier.peers import load_peers  # noqa: E402

ARTICLE = ("Council approves new transit budget\nThe city council voted 7-2 on Tuesday to approve a "
           "transit budget that adds bus routes, raises fares by 25 cents and funds bike lanes downtown.")


def news_comments(limit: int) -> tuple[str, list[str]]:
    """Return (source name, comment texts)."""
    try:
        texts = [r["text"] for r in corpora.socc_c3(corpora.DEFAULT_DATA_DIR)]
        return "SOCC C3 (Globe and Mail)", texts[:limit]
    except FileNotFoundError:
        return "Civil Comments CCC held-out", [r["text"] for r in load_corpus("civil-comments-ccc", "heldout")][:limit]


def rate(fn, texts, batch: int, min_seconds: float = 2.0) -> float:
    """Return texts per second for ``fn`` over ``texts`` in chunks of ``batch``, repeated."""
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < min_seconds:
        for i in range(0, len(texts), batch):
            fn(texts[i:i + batch])
        done += len(texts)
    return done / (time.perf_counter() - started)


def latencies(fn, texts) -> tuple[float, float]:
    """Return p50 and p99 milliseconds of ``fn(text)`` one at a time."""
    times = []
    for text in texts:
        started = time.perf_counter()
        fn(text)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.99 * len(times)))]


def worker_memory(model_path: Path) -> tuple[float, float]:
    """Return (MiB RSS of a bare process with the library imported, MiB after loading the model)."""
    code = ("import sys; sys.path.insert(0, %r)\n"
            "import moderation.classifier as c\n"
            "def rss():\n"
            "    return int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) / 1024\n"
            "before = rss(); m = c.load(%r); m.score('warm up', article='a'); print(before, rss())\n"
            % (str(ROOT), str(model_path)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", type=Path, default=ROOT / "instance" / "model.skops")
    p.add_argument("--rows", type=int, default=1000, help="comments used [%(default)s]")
    p.add_argument("--batch", type=int, default=250, help="comments per batch call [%(default)s]")
    p.add_argument("--single", type=int, default=1000, help="comments scored one at a time [%(default)s]")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model_path = args.model
    if not model_path.is_file():
        model_path = Path(tempfile.mkdtemp()) / "model.skops"
        print(f"no model at {args.model}; training one into {model_path}")
        started = time.perf_counter()
        save(train(), model_path)
        print(f"trained in {time.perf_counter() - started:.1f} s")
    source, texts = news_comments(args.rows)
    mean_len = sum(map(len, texts)) / len(texts)
    print(f"comments: {len(texts)} from {source}, mean {mean_len:.0f} characters; python {sys.version.split()[0]}, "
          f"nproc {os.cpu_count()}, one math thread")
    rows = []
    with threadpool_limits(1):
        loads = []
        for _ in range(3):
            started = time.perf_counter()
            model = load(model_path)
            loads.append(time.perf_counter() - started)
        model.score("warm up", article=ARTICLE)
        # The same artifact without its encoder: what scores when the encoder cannot run.
        linear = Model(model.state)
        singles = texts[:args.single]
        size = model_path.stat().st_size
        # Posting in a busy thread: the app passes the stored vectors of the article and the
        # thread's latest MAX_CONTEXT comments, so only the new comment is encoded.
        thread = texts[-MAX_CONTEXT:]
        stored = ContextVectors(model.embed([ARTICLE])[0], None, model.embed(thread))
        for name, scorer in (("parley", model), ("parley without its encoder (linear model alone)", linear)):
            rows.append((f"{name}: abuse only (abuse_probabilities)",
                         rate(scorer.abuse_probabilities, texts, args.batch),
                         *latencies(lambda t, m=scorer: m.abuse_probabilities([t]), singles), min(loads), size))
            rows.append((f"{name}: full scores, article + {len(thread)}-comment thread",
                         rate(lambda b, m=scorer: m.score_batch(b, article=ARTICLE, context=thread,
                                                                context_vectors=stored), texts, args.batch),
                         *latencies(lambda t, m=scorer: m.score(t, article=ARTICLE, context=thread,
                                                                context_vectors=stored), singles),
                         min(loads), size))
        peers, messages = load_peers()
        for peer in peers:
            started = time.perf_counter()
            peer.score_one("warm up")
            rows.append((peer.name, rate(peer.scores, texts, args.batch), *latencies(peer.score_one, singles),
                         None, None))
    before, after = worker_memory(model_path)
    print("| system | batch comments/s | single p50 ms | single p99 ms | load s | artifact MB |")
    print("|---|---|---|---|---|---|")
    for name, per_s, p50, p99, load_s, size in rows:
        load_txt = f"{load_s:.3f}" if load_s is not None else "(at import)"
        size_txt = f"{size / 1e6:.1f}" if size is not None else "(in package)"
        print(f"| {name} | {per_s:,.0f} | {p50:.3f} | {p99:.3f} | {load_txt} | {size_txt} |")
    print(f"worker memory: {before:.0f} MiB with the library imported, {after:.0f} MiB with the model loaded "
          f"(+{after - before:.0f} MiB)")
    for message in messages:
        print(f"note: {message}")


if __name__ == "__main__":
    main()
