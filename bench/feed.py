"""Benchmark the feed, a profile and notifications at scale, on SQLite and PostgreSQL.

Builds 1,000,000 comments by 50,000 readers (bulk loaded: executemany on SQLite, COPY on
PostgreSQL), a reader who follows 1,000 readers, then prints the median latency of repeated
requests through the Flask test client. The PostgreSQL database ``parley_bench`` is created and
dropped again; the SQLite file lives in a temporary folder.

    .venv/bin/python bench/feed.py [--backend sqlite|postgresql|both] [--comments N] [--readers N]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from functools import partial  # noqa: E402

from flask_migrate import upgrade  # noqa: E402

from bench import bulk  # noqa: E402
from bench.pgdb import drop_database, fresh_database  # noqa: E402
from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import url_digest  # noqa: E402
from forum.security import hash_password  # noqa: E402

PG_BENCH_DB = "parley_bench"
PASSWORD = "bench-password-1"
READER_ID = 1
ARTICLES = 1000
START = datetime(2025, 1, 1)
STATUSES = ["published"] * 95 + ["pending"] * 3 + ["rejected", "deleted"]


def users(count: int, password_hash: str):
    for i in range(1, count + 1):
        yield (i, f"reader{i}", f"reader{i}", f"reader{i}@example.org", password_hash, f"Reader {i}", "reader",
               START - timedelta(days=400) + timedelta(minutes=i))


def articles():
    for i in range(1, ARTICLES + 1):
        url = f"https://news.example.org/{i}"
        yield (i, f"story-{i}", url, url_digest(url), f"Story number {i} about the city",
               "The council met on Tuesday.", "post", START, START)


def comments(count: int, readers: int, rng: random.Random):
    """Comments spread over a year; a third are replies to an earlier comment on the same article."""
    roots = [0] * (count + 1)
    step = 365 * 86400 / count
    for i in range(1, count + 1):
        parent = i - ARTICLES * rng.randint(1, 20) if i > 20 * ARTICLES and rng.random() < 0.35 else None
        roots[i] = (roots[parent] or parent) if parent else 0
        yield (i, (i - 1) % ARTICLES + 1, rng.randint(1, readers), parent, roots[i] or None,
               f"Comment {i}: the buses, the fees and the council's plan for the centre.",
               rng.choice(STATUSES), rng.randint(0, 30), 0, START + timedelta(seconds=i * step))


def follows(readers: int, followed: list[int], rng: random.Random):
    """The bench reader follows ``followed``; every other reader follows ten random readers."""
    for other in followed:
        yield (READER_ID, other, START)
    for follower in range(2, readers + 1):
        for other in {rng.randint(1, readers) for _ in range(10)} - {follower}:
            yield (follower, other, START)


def notifications(count: int, comment_count: int, readers: int, rng: random.Random):
    """Notifications for everyone, and 5,000 for the bench reader (half of them read)."""
    for i in range(1, count + 1):
        recipient = READER_ID if i % (count // 5000) == 0 else rng.randint(2, readers)
        comment = rng.randint(1, comment_count)
        read_at = START if rng.random() < 0.5 else None
        yield (i, recipient, rng.choice(["reply", "followed_comment"]), comment, rng.randint(2, readers),
               START + timedelta(seconds=i), read_at)


TABLES = {
    "users": "id, username, username_key, email, password_hash, display_name, role, created_at",
    "articles": "id, external_id, url, url_hash, title, body, moderation_mode, created_at, updated_at",
    "comments": "id, article_id, author_id, parent_id, root_id, body, status, reaction_count, report_count, "
                "created_at",
    "follows": "follower_id, followed_id, created_at",
    "mutes": "muter_id, muted_id, created_at",
    "notifications": "id, recipient_id, kind, comment_id, actor_id, created_at, read_at",
}


def dataset(args, rng: random.Random) -> dict:
    followed = rng.sample(range(2, args.readers + 1), args.follows)
    muted = followed[:20] + rng.sample(range(2, args.readers + 1), 20)
    return {
        "users": users(args.readers, hash_password(PASSWORD)),
        "articles": articles(),
        "comments": comments(args.comments, args.readers, rng),
        "follows": follows(args.readers, followed, rng),
        "mutes": ((READER_ID, m, START) for m in dict.fromkeys(muted)),
        "notifications": notifications(args.comments, args.comments, args.readers, rng),
    }


def median_ms(client, path: str, headers: dict, repeat: int) -> float:
    timings = []
    for _ in range(repeat + 2):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
    return statistics.median(timings[2:])


def cursor_of_page(client, headers: dict, page: int) -> str:
    cursor = None
    for _ in range(page - 1):
        query = f"?cursor={cursor}" if cursor else ""
        cursor = client.get(f"/api/v1/feed{query}", headers=headers).get_json()["next_cursor"]
    return cursor


def measure(app, repeat: int) -> list[tuple[str, float]]:
    api = app.test_client()
    token = api.post("/api/v1/auth/token", json={"username": f"reader{READER_ID}", "password": PASSWORD}).get_json()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    pages = app.test_client()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                     pages.get("/login").get_data(as_text=True))
    signed_in = pages.post("/login", data={"username": f"reader{READER_ID}", "password": PASSWORD,
                                           "csrf_token": csrf.group(1) or csrf.group(2)})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:300]
    page50 = cursor_of_page(api, bearer, 50)
    profile = "reader2"
    checks = [
        ("API feed, page 1", "/api/v1/feed", bearer, api),
        ("API feed, page 50", f"/api/v1/feed?cursor={page50}", bearer, api),
        ("API profile", f"/api/v1/users/{profile}", bearer, api),
        ("API profile comments", f"/api/v1/users/{profile}/comments", bearer, api),
        ("API notifications", "/api/v1/notifications", bearer, api),
        ("API unread notifications", "/api/v1/notifications?unread=1", bearer, api),
        ("page /feed", "/feed", {}, pages),
        ("page /feed, page 50", f"/feed?cursor={page50}", {}, pages),
        ("page /users/<name>", f"/users/{profile}", {}, pages),
        ("page /notifications", "/notifications", {}, pages),
    ]
    return [(label, median_ms(client, path, headers, repeat)) for label, path, headers, client in checks]


def bench_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": "bench",
                       "RATELIMIT_ENABLED": False, "MODERATION_MODEL_PATH": "/nonexistent"})


def run(backend: str, args) -> list[tuple[str, float]]:
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            path = f"{tmp}/bench.sqlite3"
            url, target = f"sqlite:///{path}", path
            loader = partial(bulk.load_sqlite, columns=TABLES, analyze=True)
        else:
            target = fresh_database(PG_BENCH_DB)
            url = target.replace("postgresql://", "postgresql+psycopg://")
            loader = partial(bulk.load_postgres, columns=TABLES)
        app = bench_app(url)
        try:
            started = time.perf_counter()
            with app.app_context():
                upgrade()
                db.engine.dispose()
                loader(target, dataset(args, rng))
            print(f"[{backend}] loaded in {time.perf_counter() - started:.0f} s", flush=True)
            # No app context around the requests: each gets its own session, as in production.
            results = measure(app, args.repeat)
            with app.app_context():
                db.engine.dispose()
        finally:
            if backend == "postgresql":
                drop_database(PG_BENCH_DB)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--readers", type=int, default=50_000)
    parser.add_argument("--follows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = {backend: dict(run(backend, args)) for backend in backends}
    print(f"\nmedian of {args.repeat} requests, ms ({args.comments:,} comments, {args.readers:,} readers, "
          f"the reader follows {args.follows:,})")
    print(f"{'request':<28}" + "".join(f"{b:>12}" for b in backends))
    for label in results[backends[0]]:
        print(f"{label:<28}" + "".join(f"{results[b][label]:>12.1f}" for b in backends))


if __name__ == "__main__":
    main()
