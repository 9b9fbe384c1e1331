"""Benchmark the sentence encoder (moderation/data/encoder) on one core.

Prints: comments encoded per second in batch (``Encoder.encode`` on all of them at once), one
comment at a time p50 / p99 latency, load time, and the resident memory of a fresh process before
and after loading the encoder; with the machine's load average at the start and the end, since
other work on the machine slows every figure.

    .venv/bin/python bench/encoder.py [--rows 400]

Comments: the first held-out texts of the shipped Civil Comments CCC corpus. onnxruntime runs on
one thread (``Encoder``'s settings); math libraries are held to one thread too.
"""

from __future__ import annotations

import os

# Before numpy is imported, which sizes its thread pool once.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.classifier import Encoder  # noqa: E402
from moderation.classifier.datasets import load_corpus  # noqa: E402

# Run in a fresh interpreter, so that nothing this benchmark loaded counts.
MEMORY_PROBE = """
def rss():
    return int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) / 1024
start = rss()
import moderation.classifier
imported = rss()
encoder = moderation.classifier.Encoder.load()
loaded = rss()
encoder.encode(["A first comment, so that onnxruntime allocates its buffers."])
print(start, imported, loaded, rss())
"""


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values: list[float], share: float) -> float:
    """Return the value below which ``share`` of ``values`` fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def fresh_process_rss() -> list[float]:
    """Return MiB of a fresh process: at start, after the import, after loading, after one comment."""
    result = subprocess.run([sys.executable, "-c", MEMORY_PROBE], cwd=ROOT, env=os.environ, capture_output=True,
                            text=True, check=True)
    return [float(x) for x in result.stdout.split()]


def main(rows: int) -> None:
    """Print the encoder's figures on ``rows`` comments."""
    print(f"load average at the start: {load_average()} ({os.cpu_count()} cores)")
    texts = [r["text"] for r in load_corpus("civil-comments-ccc", "heldout", max_rows=rows)]
    print(f"{len(texts)} Civil Comments CCC held-out texts, {statistics.mean(map(len, texts)):.0f} characters "
          "on average")

    started = time.perf_counter()
    encoder = Encoder.load()
    print(f"load: {time.perf_counter() - started:.2f} s")

    encoder.encode(texts[:32])
    started = time.perf_counter()
    encoder.encode(texts)
    print(f"batch: {len(texts) / (time.perf_counter() - started):.1f} comments/s")

    times = []
    for text in texts:
        started = time.perf_counter()
        encoder.encode([text])
        times.append((time.perf_counter() - started) * 1000)
    print(f"one at a time: p50 {percentile(times, 0.5):.1f} ms, p99 {percentile(times, 0.99):.1f} ms, "
          f"mean {statistics.mean(times):.1f} ms")

    start, imported, loaded, encoded = fresh_process_rss()
    print(f"fresh process RSS: {start:.0f} MiB at start, {imported:.0f} after importing moderation.classifier, "
          f"{loaded:.0f} after Encoder.load() (+{loaded - imported:.0f}), {encoded:.0f} after one comment "
          f"(+{encoded - imported:.0f} in all)")
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400)
    main(parser.parse_args().rows)
