"""Benchmark what garbage collection costs a 1,000-comment thread's read, in the served process.

Migrates a fresh SQLite database (``flask db upgrade``, in a child process as a deployment does),
then imports ``wsgi`` as gunicorn does (so the start-up heap is frozen and the collector tuned as
served), seeds through Flask's test client the thread that bench/hot_threads.py reads (100 top-level
comments with 9 replies each, scored by the model), and times ``--reads`` reads of its first page
(``?sort=oldest&limit=100``, as its author) with ``gc.callbacks`` timing every collection, three ways
in one process, in turn:

- as served: the start-up heap frozen, young collections every 10,000 net allocations;
- frozen, with Python's default threshold (700); then as served again;
- nothing frozen, the default threshold (the app before the start-up freeze).

It prints for each the read's p50 / p90 / max wall time and mean CPU, the collections per read, the
time they took, and how many were full ones and what each cost.

    .venv/bin/python bench/read_gc.py [--reads 100] [--model instance/model.skops]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import gc  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from bench.hot_threads import READ_PATH, seed  # noqa: E402
from bench.load import PUBLISHER_KEY, migrate, percentile, served_env  # noqa: E402

DEFAULT_THRESHOLD = (700, 10, 10)


class TestClientCalls:
    """``bench.load.Client``'s ``call`` over Flask's test client, so the seeding is the same."""

    def __init__(self, client):
        self.client = client

    def call(self, method: str, path: str, body=None, token=None) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if path.startswith("/api/v1/articles/") and method == "PUT":
            headers["X-API-Key"] = PUBLISHER_KEY
        response = self.client.open(path, method=method, json=body, headers=headers)
        return response.status_code, response.get_json(silent=True) or {}


class Collections:
    """Every collection's generation and duration, from ``gc.callbacks``."""

    def __init__(self):
        self.seen: list[tuple[int, float]] = []
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seen.append((info["generation"], time.perf_counter() - self._started))


def measure(client, auth: dict, reads: int, collections: Collections) -> dict:
    for _ in range(5):
        client.get(READ_PATH, headers=auth)
    collections.seen.clear()
    walls, cpus = [], []
    for _ in range(reads):
        wall, cpu = time.perf_counter(), time.process_time()
        assert client.get(READ_PATH, headers=auth).status_code == 200
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    full = [seconds * 1000 for generation, seconds in collections.seen if generation == 2]
    return {"p50": percentile(walls, 50), "p90": percentile(walls, 90), "max": max(walls),
            "cpu": statistics.mean(cpus), "collections": len(collections.seen) / reads,
            "gc_ms": sum(seconds for _, seconds in collections.seen) * 1000 / reads,
            "full": len(full), "full_ms": statistics.mean(full) if full else 0.0, "unfrozen": len(gc.get_objects())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=100)
    parser.add_argument("--model", default=os.environ.get("MODERATION_MODEL_PATH", "instance/model.skops"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        # This process serves the reads itself (its own collector is what is timed): the app reads this environment.
        os.environ.update(served_env(f"sqlite:///{instance}/bench.sqlite3", args.model, PARLEY_INSTANCE_PATH=instance))
        migrate(dict(os.environ))
        from wsgi import app

        client = app.test_client(use_cookies=False)
        token, seeded = seed(TestClientCalls(client), articles=1)
        auth = {"Authorization": f"Bearer {token}"}
        for _ in range(50):  # the first reads of a process run slower (caches filling): not measured
            client.get(READ_PATH, headers=auth)
        collections = Collections()
        print(f"seeded {dict(seeded)}; {args.reads} reads of {READ_PATH}; {os.cpu_count()} cores, "
              f"load {os.getloadavg()[0]:.2f}")
        print(f"{'heap and threshold':<34}{'p50':>7}{'p90':>7}{'max':>7}{'cpu':>7}{'gc/read':>9}{'gc ms':>7}"
              f"{'full':>6}{'ms each':>9}{'unfrozen':>10}")
        served = gc.get_threshold()
        for label, configure in (
                (f"frozen, threshold {served[0]:,} (served)", lambda: None),
                (f"frozen, threshold {DEFAULT_THRESHOLD[0]}", lambda: gc.set_threshold(*DEFAULT_THRESHOLD)),
                (f"frozen, threshold {served[0]:,} (served)", lambda: gc.set_threshold(*served)),
                (f"not frozen, threshold {DEFAULT_THRESHOLD[0]}",
                 lambda: (gc.unfreeze(), gc.set_threshold(*DEFAULT_THRESHOLD)))):
            configure()
            row = measure(client, auth, args.reads, collections)
            print(f"{label:<34}{row['p50']:>7.1f}{row['p90']:>7.1f}{row['max']:>7.1f}{row['cpu']:>7.1f}"
                  f"{row['collections']:>9.1f}{row['gc_ms']:>7.2f}{row['full']:>6}{row['full_ms']:>9.1f}"
                  f"{row['unfrozen']:>10,}", flush=True)


if __name__ == "__main__":
    main()
