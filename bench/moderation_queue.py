"""Benchmark the moderation queue: 100,000 comments of which 5,000 wait for review.

Prints the median latency of the queue's first page (JSON API and HTML page, highlights
included) and of a decision, on SQLite and on PostgreSQL. The PostgreSQL run uses its own database
(parley_bench_queue), dropped at the end.

    .venv/bin/python bench/moderation_queue.py [--backend sqlite|postgresql|both] [--model PATH] [--runs 30]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bench.pgdb import backend_options, on_backends, require_model  # noqa: E402
from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import Article, Comment, User, url_digest, utcnow  # noqa: E402
from forum.security import hash_password  # noqa: E402
from moderation.models import Report  # noqa: E402

COMMENTS, QUEUED, READERS, ARTICLES, REPORTS = 100_000, 5_000, 1_000, 50, 2_000
PG_NAME = "parley_bench_queue"
BODIES = [
    "The council should publish the full survey before anyone decides on the fees.",
    "Buses on route 31 were late every day last week; more money is welcome.",
    "You are an idiot if you think parking fees will pay for this.",
    "What does any of this have to do with the football results?",
    "Shops on Quay Street will suffer, and the article barely mentions them.",
    "Typical lazy reporting, but the numbers look right to me.",
]
HOLD_REASONS = ["abuse"] * 5 + ["off_topic"] * 2 + ["premoderation", "reported"]


def build(app, rng: random.Random) -> None:
    """Insert readers, articles, 100,000 comments (5,000 queued) and reports in bulk."""
    now = utcnow()
    password = hash_password("bench-password")
    rows = [{"id": i, "username": f"reader{i}", "username_key": f"reader{i}", "email": f"reader{i}@bench.test",
             "password_hash": password,
             "display_name": f"Reader {i}", "role": "reader", "created_at": now} for i in range(1, READERS + 1)]
    rows.append({"id": READERS + 1, "username": "benchmod", "username_key": "benchmod", "email": "benchmod@bench.test",
                 "password_hash": password, "display_name": "Bench moderator", "role": "moderator",
                 "created_at": now})
    db.session.execute(insert(User), rows)
    db.session.execute(insert(Article), [
        {"id": i, "external_id": f"story-{i}", "url": f"https://news.example.org/{i}",
         "url_hash": url_digest(f"https://news.example.org/{i}"), "title": f"Story {i}",
         "body": "The city council approved the budget.", "moderation_mode": "post", "created_at": now,
         "updated_at": now} for i in range(1, ARTICLES + 1)])
    queued = set(rng.sample(range(1, COMMENTS + 1), QUEUED))
    for start in range(1, COMMENTS + 1, 5_000):
        db.session.execute(insert(Comment), [_comment(i, i in queued, now, rng)
                                             for i in range(start, min(start + 5_000, COMMENTS + 1))])
    reported = rng.sample(sorted(queued), REPORTS // 2)
    db.session.execute(insert(Report), [
        {"comment_id": c, "reporter_id": r, "reason": "abusive", "created_at": now}
        for c in reported for r in rng.sample(range(1, READERS + 1), 2)])
    db.session.commit()


def _comment(i: int, queued: bool, now, rng: random.Random) -> dict:
    status = "pending" if queued else rng.choice(["published"] * 19 + ["rejected"])
    return {"id": i, "article_id": rng.randint(1, ARTICLES), "author_id": rng.randint(1, READERS),
            "body": rng.choice(BODIES), "status": status,
            "hold_reason": rng.choice(HOLD_REASONS) if queued else None,
            "abuse_score": round(rng.random(), 4), "off_topic_score": round(rng.random(), 4),
            "model_version": "bench", "report_count": 2 if queued and rng.random() < 0.2 else 0,
            "reaction_count": 0, "created_at": now - timedelta(minutes=rng.randint(0, 60 * 24 * 30))}


def median_ms(action, runs: int) -> float:
    """Return the median time of ``runs`` calls of ``action``, in milliseconds."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure(app, runs: int) -> dict:
    """Time the queue's first page (API and HTML) and decisions on the most urgent comments."""
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "benchmod", "password": "bench-password"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}

    def first_page():
        """Fetch the queue's first page."""
        response = client.get("/api/v1/moderation/queue", headers=headers)
        assert response.status_code == 200 and len(response.get_json()["items"]) == 20

    def decide():
        """Reject the most urgent comment, timing only the decision."""
        top = client.get("/api/v1/moderation/queue?limit=1", headers=headers).get_json()["items"][0]
        started = time.perf_counter()
        response = client.post(f"/api/v1/moderation/comments/{top['comment']['id']}/decision",
                               json={"action": "reject", "reason": "abusive"}, headers=headers)
        assert response.status_code == 200, response.get_json()
        decisions.append((time.perf_counter() - started) * 1000)

    # The HTML page needs a session; the benchmark logs in without a form's CSRF token.
    app.config["WTF_CSRF_ENABLED"] = False
    pages = app.test_client()
    assert pages.post("/login", data={"username": "benchmod", "password": "bench-password"}).status_code == 302
    first_page()
    decisions = []
    for _ in range(runs):
        decide()
    return {"queue first page (API)": median_ms(first_page, runs),
            "queue page (HTML)": median_ms(lambda: pages.get("/moderation"), runs),
            "queue page 2 (API, cursor)": _second_page(client, headers, runs),
            "decision": statistics.median(decisions)}


def _second_page(client, headers, runs: int) -> float:
    cursor = client.get("/api/v1/moderation/queue", headers=headers).get_json()["next_cursor"]
    return median_ms(lambda: client.get(f"/api/v1/moderation/queue?cursor={cursor}", headers=headers), runs)


def run(url: str, model: str, runs: int) -> dict:
    """Build the data on ``url`` and return the figures."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": "bench",
                      "MODERATION_MODEL_PATH": model, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        build(app, random.Random(4))
        built = time.perf_counter() - started
    figures = measure(app, runs)
    with app.app_context():
        db.engine.dispose()
    return {"build data (s)": built, **figures}


def main() -> None:
    """Run the benchmark on the chosen backends and print the figures."""
    args = backend_options(__doc__.splitlines()[0], "model artifact for scores and highlights").parse_args()
    require_model(args.model)
    print(f"{COMMENTS:,} comments, {QUEUED:,} queued, {READERS:,} readers; median of {args.runs} runs (ms)")
    for name, figures in on_backends(args.backend, PG_NAME, lambda url: run(url, args.model, args.runs)).items():
        report(name, figures)


def report(name: str, figures: dict) -> None:
    """Print one backend's figures."""
    print(f"\n{name}")
    for label, value in figures.items():
        print(f"  {label:<28} {value:8.1f}")


if __name__ == "__main__":
    main()
