"""Benchmark the queue's precedents with 100,000 decided comments.

Builds, in bulk, 100,000 decided comments (published or rejected, each with its moderator's
decision; 2,000 of them escalated first and 1,000 approved before they were rejected) and 50
pending ones, each with a random unit vector in its stored int8 form. A fresh process then times,
in the app: the index's first build, its refresh after 100 new decisions and with nothing new, and
``precedents_of`` for one queue item and for a page of 50 (the refresh every use makes, the search
and the query of the precedents' comments; and the search alone), ``--runs`` runs after two
warm-ups: median and p95, on one BLAS thread; and its resident memory (VmRSS) before the build,
after it and after the runs. On SQLite (a temporary file) and PostgreSQL (parley_bench_precedents,
dropped after).

    .venv/bin/python bench/precedents.py [--backend sqlite|postgresql|both] [--runs 30]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

import numpy as np  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy import text as sql  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bench.pgdb import backend_options, on_backends  # noqa: E402
from bench.queue_views import timings_ms  # noqa: E402
from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import Article, Comment, User, url_digest, utcnow  # noqa: E402
from moderation.classifier import DIMENSIONS  # noqa: E402
from moderation.classifier.encoder import quantise  # noqa: E402
from moderation.embeddings import CommentVector, comment_vectors  # noqa: E402
from moderation.models import ModerationDecision  # noqa: E402
from moderation.queue import precedents  # noqa: E402

DECIDED, ESCALATED_FIRST, DECIDED_TWICE, ITEMS, NEW = 100_000, 2_000, 1_000, 50, 100
PG_NAME = "parley_bench_precedents"
#: The stored vectors' encoder: the benchmark needs no model, only vectors that name one encoder.
ENCODER = "bench-encoder-00"
MODERATOR, AUTHOR, ARTICLE = 1, 2, 1
BATCH = 5_000
BODIES = [
    "Buy cheap watches at example shop, best prices today",
    "The council should publish the full survey before anyone decides on the fees.",
    "You are an idiot if you think parking fees will pay for this.",
    "Buses on route 31 were late every day last week; more money is welcome.",
]
ROWS = [
    ("first build (ms)", "build"), ("refresh after 100 new decisions (ms)", "refresh_new"),
    ("refresh, nothing new (ms)", "refresh_none"), ("precedents of 1 item (ms)", "one"),
    ("precedents of a 50-item page (ms)", "page"), ("of which the search alone (ms)", "search"),
    ("RSS before the build (MB)", "rss_before"), ("RSS growth: the build (MB)", "rss_build"),
    ("RSS growth: after the runs (MB)", "rss_runs"), ("index arrays (MB)", "arrays"),
]


def config(url: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": "bench",
            "MODERATION_MODEL_PATH": "/nonexistent", "RATELIMIT_ENABLED": False}


def unit_vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    vectors = rng.standard_normal((count, DIMENSIONS), dtype=np.float32)
    return quantise(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))


def insert_comments(first_id: int, statuses: list[str], rng: np.random.Generator, now) -> None:
    """Insert comments from ``first_id`` on, one per status, with their vectors, a batch at a time."""
    for offset in range(0, len(statuses), BATCH):
        batch = statuses[offset:offset + BATCH]
        ids = range(first_id + offset, first_id + offset + len(batch))
        created = now - timedelta(days=30)
        db.session.execute(insert(Comment.__table__), [
            {"id": i, "article_id": ARTICLE, "author_id": AUTHOR, "body": f"{BODIES[i % len(BODIES)]} (#{i})",
             "status": status, "depth": 0, "hold_reason": "premoderation" if status == "pending" else None,
             "abuse_score": 0.5, "off_topic_score": 0.1, "model_version": "bench", "reaction_count": 0,
             "report_count": 0, "created_at": created,
             "decided_at": None if status == "pending" else created + timedelta(minutes=5)}
            for i, status in zip(ids, batch, strict=True)])
        db.session.execute(insert(CommentVector.__table__), [
            {"comment_id": i, "vector": vector.tobytes(), "encoder": ENCODER}
            for i, vector in zip(ids, unit_vectors(rng, len(batch)), strict=True)])


def insert_decisions(first_id: int, statuses: list[str], pick: random.Random, now, *, escalated=(), twice=()) -> None:
    """Log each decided comment's decisions in order: an escalation or an approval first where
    asked, then the final one."""
    rows = []
    for i, status in enumerate(statuses, start=first_id):
        earlier = ["escalate"] * (i in escalated) + ["approve"] * (i in twice)
        final = "approve" if status == "published" else "reject"
        for action in [*earlier, final]:
            rows.append({"comment_id": i, "moderator_id": MODERATOR, "action": action,
                         "reason": pick.choice(["spam", "abusive", "off_topic"]) if action == "reject" else None,
                         "hold_reason": "premoderation", "abuse_score": 0.5, "off_topic_score": 0.1,
                         "model_version": "bench", "comment_created_at": now - timedelta(days=30),
                         "created_at": now - timedelta(days=29)})
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(ModerationDecision), rows[start:start + BATCH])


def build() -> None:
    """Insert the author, the moderator, the article, the decided comments and the queue's items, in bulk."""
    now, pick, rng = utcnow(), random.Random(7), np.random.default_rng(7)
    db.session.execute(insert(User), [
        {"id": MODERATOR, "username": "benchmod", "username_key": "benchmod", "email": "benchmod@bench.test",
         "password_hash": "!", "display_name": "Bench moderator", "role": "moderator", "created_at": now},
        {"id": AUTHOR, "username": "reader", "username_key": "reader", "email": "reader@bench.test",
         "password_hash": "!", "display_name": "Reader", "role": "reader", "created_at": now}])
    db.session.execute(insert(Article), [
        {"id": ARTICLE, "external_id": "story", "url": "https://news.example.org/story",
         "url_hash": url_digest("https://news.example.org/story"), "title": "Council budget",
         "body": "The city council approved the budget.", "moderation_mode": "pre", "created_at": now,
         "updated_at": now}])
    statuses = [pick.choice(["published", "rejected"]) for _ in range(DECIDED)]
    escalated = set(pick.sample(range(1, DECIDED + 1), ESCALATED_FIRST))
    twice = set(pick.sample([i for i, s in enumerate(statuses, start=1) if s == "rejected"], DECIDED_TWICE))
    insert_comments(1, statuses, rng, now)
    insert_decisions(1, statuses, pick, now, escalated=escalated, twice=twice)
    insert_comments(DECIDED + 1, ["pending"] * ITEMS, rng, now)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # As autovacuum would soon after: the planner's statistics of the freshly loaded tables.
        db.session.execute(sql("ANALYZE"))
        db.session.commit()


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmRSS")).split()[1]) / 1024


def timed(fetch, runs: int) -> tuple[float, float]:
    """Return the median and p95 wall-clock time of ``fetch`` in ms; each call ends its transaction,
    as a request does."""
    def call():
        fetch()
        db.session.rollback()

    wall, _ = timings_ms(call, runs)
    return statistics.median(wall), wall[min(len(wall) - 1, int(len(wall) * 0.95))]


def measure(url: str, runs: int) -> dict:
    """Time the index on the data at ``url`` in this process; return the figures."""
    app = create_app(config(url))
    with app.app_context():
        index = precedents.app_index()
        figures = {"rss_before": rss_mb()}
        started = time.perf_counter()
        index.refresh(ENCODER)
        figures["build"] = (time.perf_counter() - started) * 1000
        figures["rss_build"] = rss_mb() - figures["rss_before"]
        db.session.rollback()

        first_new = DECIDED + ITEMS + 1
        now, pick, rng = utcnow(), random.Random(8), np.random.default_rng(8)
        statuses = [pick.choice(["published", "rejected"]) for _ in range(NEW)]
        insert_comments(first_new, statuses, rng, now)
        insert_decisions(first_new, statuses, pick, now)
        db.session.commit()
        started = time.perf_counter()
        index.refresh(ENCODER)
        figures["refresh_new"] = (time.perf_counter() - started) * 1000
        assert index.count == DECIDED + NEW, index.count
        db.session.rollback()

        items = comment_vectors(range(DECIDED + 1, DECIDED + ITEMS + 1), ENCODER)
        one = dict([next(iter(items.items()))])
        figures["refresh_none"] = timed(lambda: index.refresh(ENCODER), runs)
        figures["one"] = timed(lambda: precedents.precedents_of(one, ENCODER), runs)
        figures["page"] = timed(lambda: precedents.precedents_of(items, ENCODER), runs)
        figures["search"] = timed(lambda: index.search(ENCODER, items), runs)
        shown = precedents.precedents_of(items, ENCODER)
        assert all(len(found) == precedents.SHOWN for found in shown.values()), shown
        figures["rss_runs"] = rss_mb() - figures["rss_before"]
        figures["arrays"] = index.nbytes / 2**20
        db.engine.dispose()
    return figures


def run(url: str, runs: int) -> dict:
    """Build the data on ``url``, then measure it in a fresh process (its memory is the index's alone)."""
    app = create_app(config(url))
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        build()
        built = time.perf_counter() - started
        db.engine.dispose()
    measured = subprocess.run([sys.executable, __file__, "--measure", url, "--runs", str(runs)],
                              stdout=subprocess.PIPE, text=True, check=True)
    return {"data": built, **json.loads(measured.stdout)}


def cell(value) -> str:
    if isinstance(value, list):
        return f"{value[0]:.1f} | {value[1]:.1f}"
    return f"{value:.1f} |"


def print_table(results: dict, runs: int) -> None:
    names = list(results)
    print(f"\n| {DECIDED:,} decided, {runs} runs | " + " | ".join(f"{n} median | p95" for n in names) + " |")
    print("| --- |" + " ---: | ---: |" * len(names))
    for label, key in ROWS:
        print(f"| {label} | " + " | ".join(cell(results[n][key]) for n in names) + " |")
    print("| building the data (s) | " + " | ".join(f"{results[n]['data']:.0f} |" for n in names) + " |")


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    """Run the benchmark on the chosen backends and print the table."""
    parser = backend_options(__doc__.splitlines()[0])
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        # One core, as a worker has on the shared machine: the similarities run on numpy's BLAS.
        with threadpool_limits(1):
            print(json.dumps(measure(args.measure, args.runs)))
        return
    print(f"{DECIDED:,} decided comments ({ESCALATED_FIRST:,} escalated first, {DECIDED_TWICE:,} decided twice), "
          f"{ITEMS} queued; load average {load()}")
    results = on_backends(args.backend, PG_NAME, lambda url: run(url, args.runs))
    print_table(results, args.runs)
    print(f"load average at the end {load()}")


if __name__ == "__main__":
    main()
