"""Benchmark mail end to end: commit -> outbox -> ``flask --app wsgi worker`` -> SMTP server.

For each backend it migrates a fresh database, starts an aiosmtpd server on loopback in this
process and ``flask --app wsgi worker`` as a separate process with the shipped defaults and
MAIL_URL pointing at that server, then queues MAILS decision notifications (``queue_mail`` with
the real template, the one-click headers and a signed unsubscribe link), each in its own committed
transaction. Twice: paced at RATE commits a second (the latency a reader sees), then all at once
(a burst, for the worker's throughput). It prints, per run, the milliseconds from each commit to
the SMTP server receiving that message (p50, p99, max) and the mails per second from the first
commit to the last arrival. The PostgreSQL run uses its own database (parley_bench_mail).

    .venv/bin/python bench/mail.py [--backend sqlite|postgresql|both] [--mails 1000] [--rate 20]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from email.parser import BytesHeaderParser  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bench.pgdb import on_backends  # noqa: E402
from bench.webhooks import latency_figures, start_worker  # noqa: E402
from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.mail.service import queue_mail  # noqa: E402
from forum.models import User  # noqa: E402

PG_NAME = "parley_bench_mail"


class Arrivals:
    """An SMTP server that notes when each message arrived, by its Subject (perf_counter)."""

    def __init__(self):
        self.times: dict[str, float] = {}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{port}"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.times[BytesHeaderParser().parsebytes(envelope.content)["Subject"]] = time.perf_counter()
        return "250 OK"


def produce(app, arrivals: Arrivals, reader_id: int, label: str, mails: int, rate: float | None) -> dict:
    """Commit ``mails`` decision mails (``rate`` a second, or at once); return the latency figures."""
    committed: dict[str, float] = {}
    with app.test_request_context():
        reader = db.session.get(User, reader_id)
        for i in range(mails):
            subject = f"Your comment was rejected ({label} {i})"
            queue_mail(reader.email, subject, "decision", {
                "name": reader.display_name, "verb": "rejected", "reason": "Abusive or insulting",
                "article": "City council approves a budget", "quote": "A comment of a few words " * 8,
                "comment_url": f"http://localhost/comments/{i}", "guidelines_url": "http://localhost/guidelines",
            }, unsubscribe="decision", user=reader)
            db.session.commit()
            committed[subject] = time.perf_counter()
            if rate:
                time.sleep(1 / rate)
    deadline = time.monotonic() + 120
    while any(s not in arrivals.times for s in committed) and time.monotonic() < deadline:
        time.sleep(0.05)
    missing = [s for s in committed if s not in arrivals.times]
    if missing:
        raise SystemExit(f"{len(missing)} mails never arrived")
    latencies = sorted((arrivals.times[s] - t) * 1000 for s, t in committed.items())
    span = max(arrivals.times[s] for s in committed) - min(committed.values())
    return {**latency_figures(latencies), "per_second": mails / span}


def run(url: str, mails: int, rate: float) -> dict:
    """Measure one backend at ``url``: a paced run and a burst."""
    arrivals = Arrivals()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": "bench",
                      "RATELIMIT_ENABLED": False, "MAIL_URL": arrivals.url})
    with app.app_context():
        upgrade()
        reader = User(username="reader", email="reader@example.org", password_hash="!", display_name="A Reader")
        db.session.add(reader)
        db.session.commit()
        reader_id = reader.id
    with tempfile.TemporaryDirectory() as instance:
        worker = start_worker(url, instance, MAIL_URL=arrivals.url)
        try:
            time.sleep(8)  # the worker's start-up (imports, app) is not part of a delivery
            figures = {"paced": produce(app, arrivals, reader_id, "paced", mails, rate),
                       "burst": produce(app, arrivals, reader_id, "burst", mails, None)}
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    with app.app_context():
        db.engine.dispose()
    arrivals.controller.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20, help="mails committed per second in the paced run")
    args = parser.parse_args()
    print(f"{args.mails} decision mails per run, each in its own commit; one worker (default settings); "
          f"paced: {args.rate:g} commits/s, burst: as fast as they commit")
    print(f"{'backend':<11} {'run':<6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>9} {'mails/s':>8}")
    for backend, results in on_backends(args.backend, PG_NAME, lambda url: run(url, args.mails, args.rate)).items():
        for name, figures in results.items():
            print(f"{backend:<11} {name:<6} {figures['p50']:>8.1f} {figures['p99']:>8.1f} {figures['max']:>9.1f} "
                  f"{figures['per_second']:>8.1f}")

if __name__ == "__main__":
    main()
