"""Benchmark the queue's views and filters with 5,000 comments waiting for review.

Builds 50,000 comments under 50 articles by 1,000 readers: 5,000 pending (a mix of hold reasons,
100 of them escalated), 40,000 published (500 of them reported once or twice) and 5,000 decided,
with their log rows (the decided view's history). Then times, through the app (Flask's test
client: a bearer token for the API, the session cookie for the page), ``--runs`` requests after two
warm-ups of the queue page ``/moderation`` and the API queue, in each view and with the filters by
article title and by reader: the median and p95 wall-clock time, and the median CPU time of this
process, which a busy machine inflates less. On SQLite (a temporary file) and PostgreSQL
(parley_bench_views, dropped after).

    .venv/bin/python bench/queue_views.py [--backend sqlite|postgresql|both] [--model PATH] [--runs 30]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy import text as sql  # noqa: E402

from bench.pgdb import backend_options, on_backends, require_model  # noqa: E402
from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import Article, Comment, User, url_digest, utcnow  # noqa: E402
from forum.security import hash_password  # noqa: E402
from moderation.models import ModerationDecision, Report  # noqa: E402

PENDING, PUBLISHED, DECIDED, ESCALATED, REPORTED = 5_000, 40_000, 5_000, 100, 500
READERS, ARTICLES = 1_000, 50
PG_NAME = "parley_bench_views"
PASSWORD = "bench-password"
BODIES = [
    "The council should publish the full survey before anyone decides on the fees.",
    "Buses on route 31 were late every day last week; more money is welcome.",
    "You are an idiot if you think parking fees will pay for this.",
    "What does any of this have to do with the football results?",
    "Shops on Quay Street will suffer, and the article barely mentions them.",
]
HOLDS = ["abuse"] * 5 + ["off_topic"] * 2 + ["premoderation", "suspect_word", "link", "new_user"]
TOPICS = ["Council budget", "Bus fares", "Harbour plan", "School meals", "Tram line", "Rent caps", "Library hours"]
#: (label, path): the page and the API, in each view and with each filter.
REQUESTS = [
    ("page /moderation (pending)", "/moderation"),
    ("page, escalated view", "/moderation?view=escalated"),
    ("page, reported view", "/moderation?view=reported"),
    ("page, decided view", "/moderation?view=decided"),
    ("page, title search 'bus fares'", "/moderation?article=bus+fares"),
    ("page, reader reader7", "/moderation?author=reader7"),
    ("API queue (pending)", "/api/v1/moderation/queue"),
    ("API, reason=abuse", "/api/v1/moderation/queue?reason=abuse"),
    ("API, escalated view", "/api/v1/moderation/queue?view=escalated"),
    ("API, reported view", "/api/v1/moderation/queue?view=reported"),
    ("API, decided view", "/api/v1/moderation/queue?view=decided"),
    ("API, title search 'bus fares'", "/api/v1/moderation/queue?article=bus+fares"),
    ("API, reader reader7", "/api/v1/moderation/queue?author=reader7"),
    ("API, decided view, reader reader7", "/api/v1/moderation/queue?view=decided&author=reader7"),
]


def build(rng: random.Random) -> None:
    """Insert the readers, the articles, the comments of every kind, their reports and decisions, in bulk."""
    now = utcnow()
    password = hash_password(PASSWORD)
    users = [{"id": i, "username": f"reader{i}", "username_key": f"reader{i}", "email": f"reader{i}@bench.test",
              "password_hash": password, "display_name": f"Reader {i}", "role": "reader", "created_at": now}
             for i in range(1, READERS + 1)]
    users.append({"id": READERS + 1, "username": "benchmod", "username_key": "benchmod",
                  "email": "benchmod@bench.test", "password_hash": password, "display_name": "Bench moderator",
                  "role": "moderator", "created_at": now})
    db.session.execute(insert(User), users)
    db.session.execute(insert(Article), [
        {"id": i, "external_id": f"story-{i}", "url": f"https://news.example.org/{i}",
         "url_hash": url_digest(f"https://news.example.org/{i}"), "title": f"{TOPICS[i % len(TOPICS)]}: part {i}",
         "body": "The city council approved the budget.", "moderation_mode": "post", "created_at": now,
         "updated_at": now} for i in range(1, ARTICLES + 1)])
    kinds = ["pending"] * PENDING + ["published"] * PUBLISHED + ["decided"] * DECIDED
    rng.shuffle(kinds)
    rows = [_comment(i, kind, now, rng) for i, kind in enumerate(kinds, start=1)]
    for row in rng.sample([r for r in rows if r["status"] == "pending"], ESCALATED):
        row["hold_reason"] = "escalated"
    reported = rng.sample([r for r in rows if r["status"] == "published" and r["decided_at"] is None], REPORTED)
    for row in reported:
        row["report_count"] = 1 + row["id"] % 2
    for start in range(0, len(rows), 5_000):
        db.session.execute(insert(Comment.__table__), rows[start:start + 5_000])
    db.session.execute(insert(Report), [
        {"comment_id": row["id"], "reporter_id": reporter, "reason": "abusive", "created_at": now}
        for row in reported for reporter in rng.sample(range(1, READERS + 1), row["report_count"])])
    _decisions([r for r in rows if r["decided_at"] is not None], rng)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # As autovacuum would soon after: the planner's statistics of the freshly loaded tables.
        db.session.execute(sql("ANALYZE"))
        db.session.commit()


def _comment(i: int, kind: str, now, rng: random.Random) -> dict:
    created = now - timedelta(minutes=rng.randint(60, 60 * 24 * 30))
    status = {"pending": "pending", "published": "published", "decided": rng.choice(["published", "rejected"])}[kind]
    return {"id": i, "article_id": rng.randint(1, ARTICLES), "author_id": rng.randint(1, READERS),
            "body": rng.choice(BODIES), "status": status, "depth": 0,
            "hold_reason": rng.choice(HOLDS) if kind == "pending" else None,
            "abuse_score": round(rng.random(), 4), "off_topic_score": round(rng.random(), 4),
            "model_version": "bench", "reaction_count": 0, "report_count": 0, "created_at": created,
            "decided_at": created + timedelta(minutes=rng.randint(1, 59)) if kind == "decided" else None}


def _decisions(decided: list[dict], rng: random.Random) -> None:
    """Log the moderator's decision on each decided comment, as the desk records it."""
    db.session.execute(insert(ModerationDecision), [
        {"comment_id": row["id"], "moderator_id": READERS + 1,
         "action": "approve" if row["status"] == "published" else "reject",
         "reason": None if row["status"] == "published" else rng.choice(["abusive", "spam", "off_topic"]),
         "note": "Checked against the guidelines." if row["id"] % 3 == 0 else None,
         "hold_reason": rng.choice(HOLDS), "abuse_score": row["abuse_score"],
         "off_topic_score": row["off_topic_score"], "model_version": "bench",
         "comment_created_at": row["created_at"], "created_at": row["decided_at"]} for row in decided])


def timings_ms(fetch, runs: int) -> tuple[list[float], list[float]]:
    """Return the wall-clock and the CPU times of ``runs`` calls of ``fetch`` after two warm-ups, in ms, sorted.

    The CPU time is this process's: the app's and, on SQLite, the database's work, without the time
    spent waiting for a core that other processes hold (PostgreSQL's own work is not in it).
    """
    for _ in range(2):
        fetch()
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fetch()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return sorted(wall), sorted(cpu)


def measure(app, runs: int) -> dict:
    """Return {label: (median, p95)} for each request of ``REQUESTS``."""
    api = app.test_client()
    token = api.post("/api/v1/auth/token", json={"username": "benchmod", "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    # The page needs a session; the benchmark logs in without a form's CSRF token.
    app.config["WTF_CSRF_ENABLED"] = False
    pages = app.test_client()
    assert pages.post("/login", data={"username": "benchmod", "password": PASSWORD}).status_code == 302
    figures = {}
    for label, path in REQUESTS:
        client, extra = (api, {"headers": headers}) if path.startswith("/api/") else (pages, {})

        def fetch(client=client, path=path, extra=extra):
            response = client.get(path, **extra)
            assert response.status_code == 200, (path, response.status_code)

        wall, cpu = timings_ms(fetch, runs)
        figures[label] = (statistics.median(wall), wall[min(len(wall) - 1, int(len(wall) * 0.95))],
                          statistics.median(cpu))
    return figures


def run(url: str, model: str, runs: int) -> dict:
    """Build the data on ``url`` and return the figures, with the build's time."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": "bench",
                      "MODERATION_MODEL_PATH": model, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        build(random.Random(7))
        built = time.perf_counter() - started
    figures = measure(app, runs)
    with app.app_context():
        db.engine.dispose()
    return {"build": built, **figures}


def print_table(results: dict, runs: int) -> None:
    """Print one row per request: the median, the p95 and the median CPU time of each backend."""
    names = list(results)
    print(f"\n| ms, {runs} requests | " + " | ".join(f"{n} median | p95 | CPU" for n in names) + " |")
    print("| --- |" + " ---: | ---: | ---: |" * len(names))
    for label, _ in REQUESTS:
        cells = " | ".join(" | ".join(f"{value:.1f}" for value in results[n][label]) for n in names)
        print(f"| {label} | {cells} |")
    print("| building the data (s) | " + " | ".join(f"{results[n]['build']:.0f} | | " for n in names) + "|")


def main() -> None:
    """Run the benchmark on the chosen backends and print the table."""
    args = backend_options(__doc__.splitlines()[0], "model artifact for the highlights").parse_args()
    require_model(args.model)
    print(f"{PENDING:,} pending ({ESCALATED} escalated), {REPORTED} reported, {DECIDED:,} decided, "
          f"{PUBLISHED:,} published; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    results = on_backends(args.backend, PG_NAME, lambda url: run(url, args.model, args.runs))
    print_table(results, args.runs)
    print(f"load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
