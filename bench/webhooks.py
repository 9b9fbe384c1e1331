"""Benchmark webhooks end to end: commit -> outbox worker -> signed POST -> receiver.

For each backend it migrates a fresh database, adds a webhook for ``article.created`` pointing at a
receiver on loopback (http.server in this process), starts ``flask --app wsgi worker`` as a separate
process with the shipped defaults, then registers EVENTS articles one commit at a time, RATE a
second, and prints the latency from each commit to its arrival at the receiver (p50, p99, max).
Then it leaves the worker idle for IDLE seconds and prints its CPU use and resident memory. The
PostgreSQL run uses its own database (parley_bench_webhooks), dropped at the end.

    .venv/bin/python bench/webhooks.py [--backend sqlite|postgresql|both] [--events 1000] [--rate 20]
        [--idle 60] [--poll S]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

from flask_migrate import upgrade  # noqa: E402

from bench.pgdb import on_backends  # noqa: E402
from forum import PROJECT_ROOT, create_app  # noqa: E402
from forum.articles.service import upsert_article  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.schemas import ArticleBody  # noqa: E402
from forum.validation import validate  # noqa: E402
from forum.webhooks.service import create_webhook  # noqa: E402

PG_NAME = "parley_bench_webhooks"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Arrivals:
    """A receiver that notes when each article's event arrived (perf_counter, this process's clock)."""

    def __init__(self):
        self.times: dict[str, float] = {}
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                arrivals.times[body["data"]["article"]["id"]] = time.perf_counter()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


def start_worker(url: str, instance: str, **settings: str) -> subprocess.Popen:
    """Start ``flask --app wsgi worker`` on the database at ``url``, with ``settings`` in its environment."""
    env = {**os.environ, "DATABASE_URL": url, "PARLEY_INSTANCE_PATH": instance, "SECRET_KEY": "bench", **settings}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def produce(app, arrivals: Arrivals, events: int, rate: float) -> list[float]:
    """Commit ``events`` new articles, ``rate`` a second; return each one's commit-to-arrival latency (ms)."""
    committed: dict[str, float] = {}
    with app.app_context():
        for i in range(events):
            article_id = f"bench-{i}"
            fields = validate(ArticleBody, {"url": f"https://news.example.org/{i}", "title": f"Story {i}"}, "json")
            upsert_article(article_id, fields)
            db.session.commit()
            committed[article_id] = time.perf_counter()
            time.sleep(1 / rate)
    deadline = time.monotonic() + 30
    while len(arrivals.times) < events and time.monotonic() < deadline:
        time.sleep(0.05)
    missing = events - len(arrivals.times)
    if missing:
        raise SystemExit(f"{missing} events never arrived")
    return sorted((arrivals.times[a] - t) * 1000 for a, t in committed.items())


def idle_cost(pid: int, seconds: float) -> tuple[float, float]:
    """Return the worker's CPU use over ``seconds`` (percent of one core) and its RSS (MiB)."""
    def cpu() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    before, started = cpu(), time.monotonic()
    time.sleep(seconds)
    used, elapsed = cpu() - before, time.monotonic() - started
    rss_kb = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if line.startswith("VmRSS:"))
    return 100 * used / elapsed, rss_kb / 1024


def run(url: str, events: int, rate: float, idle: float, poll: float | None) -> dict:
    """Measure one backend at ``url``."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": "bench",
                      "RATELIMIT_ENABLED": False, "WEBHOOKS_ALLOW_PRIVATE_URLS": True})
    arrivals = Arrivals()
    with app.app_context():
        upgrade()
        create_webhook(arrivals.url, ["article.created"])
        db.session.commit()
    with tempfile.TemporaryDirectory() as instance:
        polling = {"FLASK_OUTBOX_POLL_INTERVAL": str(poll)} if poll is not None else {}
        worker = start_worker(url, instance, WEBHOOKS_ALLOW_PRIVATE_URLS="true", **polling)
        try:
            time.sleep(8)  # the worker's start-up (imports, model-free app) is not part of a delivery
            latencies = produce(app, arrivals, events, rate)
            time.sleep(3)
            cpu, rss = idle_cost(worker.pid, idle)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    with app.app_context():
        db.engine.dispose()
    arrivals.server.shutdown()
    return {**latency_figures(latencies), "cpu": cpu, "rss": rss}


def latency_figures(latencies: list[float]) -> dict:
    """Return the median, p99 and largest of sorted ``latencies``."""
    return {"p50": statistics.median(latencies), "p99": latencies[int(len(latencies) * 0.99) - 1],
            "max": latencies[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20, help="events committed per second")
    parser.add_argument("--idle", type=float, default=60, help="seconds the idle worker is watched")
    parser.add_argument("--poll", type=float, default=None, help="OUTBOX_POLL_INTERVAL (default: the shipped one)")
    args = parser.parse_args()
    poll = f"poll every {args.poll:g} s" if args.poll is not None else "default settings"
    print(f"{args.events} article.created events, {args.rate:g} commits/s, one worker ({poll}); "
          f"idle worker watched {args.idle:g} s")
    print(f"{'backend':<11} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'idle CPU %':>11} {'RSS MiB':>8}")
    results = on_backends(args.backend, PG_NAME, lambda url: run(url, args.events, args.rate, args.idle, args.poll))
    for backend, figures in results.items():
        print(f"{backend:<11} {figures['p50']:>8.1f} {figures['p99']:>8.1f} {figures['max']:>8.1f} "
              f"{figures['cpu']:>11.2f} {figures['rss']:>8.1f}")

if __name__ == "__main__":
    main()
