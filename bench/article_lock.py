"""Benchmark how long a published POST holds its article's row: the ceiling of one hot article.

The comment's INSERT fires the trigger that adds it to ``articles.published_count``, and on
PostgreSQL that UPDATE locks the article's row until the POST commits: concurrent POSTs into one
article wait for each other over that stretch, however many cores the server has. This times it
in the app (the test client, the real model screening), POST by POST: from the start of the
comment's INSERT to the COMMIT, and the whole POST, ``--runs`` POSTs of five readers into one
article after ten not counted; median and p90, the statements sent in that stretch, and the most
POSTs a second one article can take (one over the median hold). On SQLite every write waits for
the database's one writer anyway; its row is timed the same for comparison.

    .venv/bin/python bench/article_lock.py [--backend sqlite|postgresql|both] [--runs 100] [--model PATH]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import statistics  # noqa: E402
import time  # noqa: E402

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.pgdb import backend_options, on_backends  # noqa: E402
from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402

PG_NAME = "parley_bench_article_lock"
WARMUP, READERS = 10, 5
KEY = "bench-publisher-key"


class HoldTimer:
    """Time, on ``engine``, each transaction's stretch from the comment's INSERT to its COMMIT."""

    def __init__(self, engine):
        self.held: list[float] = []
        self.statements: list[int] = []
        self._since: float | None = None
        self._count = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, _conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO comments "):
            self._since, self._count = time.perf_counter(), 0
        self._count += 1

    def _commit(self, _conn):
        if self._since is not None:
            self.held.append(time.perf_counter() - self._since)
            self.statements.append(self._count)
            self._since = None


def _ms(values: list[float], share: float) -> float:
    return sorted(values)[int(len(values) * share)] * 1000


def run(url: str, runs: int, model: str) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": KEY,
                      "RATELIMIT_ENABLED": False, "MODERATION_MODEL_PATH": model,
                      "MODERATION_REPEAT_POST_HOLD": False, "MODERATION_BURST_LIMIT": 0})
    with app.app_context():
        upgrade()
        timer = HoldTimer(db.engine)
    client = app.test_client()
    client.put("/api/v1/articles/hot-story", headers={"X-API-Key": KEY}, json={
        "url": "https://news.example.org/hot-story", "title": "The council votes on the bus routes",
        "body": "The council votes tonight on new bus routes and parking fees in the centre."})
    tokens = []
    for n in range(READERS):
        account = {"username": f"reader{n}", "email": f"reader{n}@example.org", "password": "a long bench password"}
        client.post("/api/v1/auth/register", json=account)
        token = client.post("/api/v1/auth/token", json=account).get_json()["token"]
        tokens.append({"Authorization": f"Bearer {token}"})
    posts = []
    for i in range(WARMUP + runs):
        started = time.perf_counter()
        response = client.post("/api/v1/articles/hot-story/comments", headers=tokens[i % READERS],
                               json={"body": f"The council should publish the timings of route {i} before the vote."})
        posts.append(time.perf_counter() - started)
        if response.status_code != 201 or response.get_json()["comment"]["status"] != "published":
            raise SystemExit(f"POST {i}: {response.status_code} {response.get_data(as_text=True)[:200]}")
    with app.app_context():
        db.engine.dispose()
    held, posts = timer.held[-runs:], posts[WARMUP:]
    return {"held_p50": _ms(held, 0.5), "held_p90": _ms(held, 0.9), "post_p50": _ms(posts, 0.5),
            "statements": statistics.median(timer.statements[-runs:]),
            "ceiling": 1 / statistics.median(held)}


def main() -> None:
    parser = backend_options(__doc__.splitlines()[0], model_help="the model that screens the POSTs")
    parser.set_defaults(runs=100)
    args = parser.parse_args()
    print("| backend | row held p50 ms | p90 ms | statements in it | whole POST p50 ms | share of the POST "
          "| one article's ceiling, POSTs/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for backend, r in on_backends(args.backend, PG_NAME, lambda url: run(url, args.runs, args.model)).items():
        print(f"| {backend} | {r['held_p50']:.2f} | {r['held_p90']:.2f} | {r['statements']:.0f} | "
              f"{r['post_p50']:.1f} | {r['held_p50'] / r['post_p50']:.0%} | {r['ceiling']:.0f} |")


if __name__ == "__main__":
    main()
