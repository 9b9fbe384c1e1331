"""Benchmark the spam rules: the near-duplicate check with a day of signatures, and a spam burst.

Part 1 stores 100,000 recent comments with their signatures and bands, then times the
repeated-text rule (signature, band lookup, comparison with the candidates) for new texts, half
of them near-duplicates of stored ones, and prints the median and p95 in ms. Part 2 posts 1,000
adverts with small random changes from 20 accounts over 50 articles through the JSON API (the real
screen: the model, then the rules; rate limits off so that only the rules stop them) and counts
how many were published. On SQLite (a temporary file) and PostgreSQL (parley_bench_repeats, dropped
after).

    .venv/bin/python bench/repeats.py [--backend sqlite|postgresql|both] [--model PATH] [--runs 200] [--no-burst]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import timedelta  # noqa: E402

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy import text as sql  # noqa: E402

from bench.pgdb import drop_database, fresh_database  # noqa: E402
from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import Article, Comment, User, url_digest, utcnow  # noqa: E402
from forum.screening import Submission  # noqa: E402
from forum.security import hash_password  # noqa: E402
from moderation.rules import minhash, repeats  # noqa: E402
from moderation.rules.signatures import TextBand, TextSignature  # noqa: E402

STORED, ACCOUNTS, ARTICLES, BURST = 100_000, 20, 50, 1_000
PG_NAME = "parley_bench_repeats"
WORDS = ("council budget bus route parking fee shop centre street harbour plan vote money school road "
         "traffic police station river bridge park library tax rent house flat market square tram train "
         "cycle lane survey report mayor ward resident business worker nurse teacher hospital clinic").split()
ADVERT = "Earn 5000 dollars a week working from home! Visit cash-now.example today, limited places, no experience"
SWAPS = {"Earn": "Make", "week": "month", "today": "now", "limited": "few", "places": "spots", "home": "your sofa"}
LEET = str.maketrans("aeio", "4310")


def random_text(rng: random.Random) -> str:
    """Return a comment-like text of 10 to 40 random words."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 40))) + "."


def vary(text: str, rng: random.Random) -> str:
    """Return ``text`` with one or two words swapped, and maybe its case, punctuation or leetspeak changed."""
    words = text.split()
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(words))
        words[i] = SWAPS.get(words[i], rng.choice(WORDS))
    text = " ".join(words)
    change = rng.choice(("upper", "punct", "leet", "none"))
    return {"upper": text.upper(), "punct": text.replace(" ", ", ", 2) + "!!!", "leet": text.translate(LEET),
            "none": text}[change]


def build(rng: random.Random) -> list[str]:
    """Insert one reader, one article and 100,000 signed comments of the last day; return their texts."""
    now = utcnow()
    url = "https://news.example.org/story"
    db.session.execute(insert(User), [{"id": 1, "username": "bench", "username_key": "bench", "email": "b@bench.test",
                                       "password_hash": "x", "display_name": "Bench", "role": "reader",
                                       "created_at": now}])
    db.session.execute(insert(Article), [{"id": 1, "external_id": "story", "url": url, "url_hash": url_digest(url),
                                          "title": "Story", "body": "Text.", "moderation_mode": "post",
                                          "created_at": now, "updated_at": now}])
    texts = [random_text(rng) for _ in range(STORED)]
    for start in range(0, STORED, 5_000):
        batch = [(i + 1, texts[i], now - timedelta(minutes=rng.randint(0, 60 * 23)))
                 for i in range(start, min(start + 5_000, STORED))]
        db.session.execute(insert(Comment.__table__), [
            {"id": i, "article_id": 1, "author_id": 1, "body": body, "status": "published", "depth": 0,
             "reaction_count": 0, "report_count": 0, "created_at": at} for i, body, at in batch])
        sigs = [(i, minhash.signature.__wrapped__(body), at) for i, body, at in batch]
        db.session.execute(insert(TextSignature.__table__),
                           [{"comment_id": i, "minhash": sig, "created_at": at} for i, sig, at in sigs])
        db.session.execute(insert(TextBand.__table__), [
            {"comment_id": i, "band": band, "band_hash": value, "created_at": at}
            for i, sig, at in sigs for band, value in enumerate(minhash.bands(sig))])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # As autovacuum would soon after: the planner's statistics of the freshly loaded tables.
        db.session.execute(sql("ANALYZE"))
        db.session.commit()
    return texts


def check_cost(texts: list[str], runs: int, rng: random.Random) -> dict:
    """Time the repeated-text rule on new texts (signature not cached), half of them near-duplicates."""
    timings, held = [], 0
    for n in range(runs):
        text = vary(rng.choice(texts), rng) if n % 2 else random_text(rng)
        started = time.perf_counter()
        hit = repeats.repeated_text(Submission(text=text))
        timings.append((time.perf_counter() - started) * 1000)
        held += hit is not None
    timings.sort()
    return {"median ms": statistics.median(timings), "p95 ms": timings[int(len(timings) * 0.95)],
            "near-duplicates held": f"{held} of {runs // 2}"}


def spam_burst(url: str, model: str, rng: random.Random, **config) -> Counter:
    """Post 1,000 varied adverts from 20 accounts over 50 articles; count the outcomes."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": "bench",
                      "MODERATION_MODEL_PATH": model, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                      **config})
    client = app.test_client()
    with app.app_context():
        upgrade()
        db.session.execute(insert(User), [
            {"username": f"spam{n}", "username_key": f"spam{n}", "email": f"spam{n}@bench.test",
             "password_hash": hash_password("bench-password"), "display_name": f"Spam {n}", "role": "reader",
             "created_at": utcnow()} for n in range(ACCOUNTS)])
        db.session.commit()
    tokens = [client.post("/api/v1/auth/token", json={"username": f"spam{n}", "password": "bench-password"})
              .get_json()["token"] for n in range(ACCOUNTS)]
    for n in range(ARTICLES):
        client.put(f"/api/v1/articles/s{n}", headers={"X-API-Key": "bench"},
                   json={"url": f"https://news.example.org/s{n}", "title": f"Story {n}", "body": "The council met."})
    outcomes = Counter()
    for n in range(BURST):
        response = client.post(f"/api/v1/articles/s{rng.randrange(ARTICLES)}/comments",
                               json={"body": vary(ADVERT, rng)},
                               headers={"Authorization": f"Bearer {tokens[n % ACCOUNTS]}"})
        comment = response.get_json()["comment"]
        outcomes[comment["status"] if comment["status"] != "pending" else f"held: {comment['hold_reason']}"] += 1
    with app.app_context():
        db.engine.dispose()
    return outcomes


def run(url: str, second_url, model: str, runs: int, bursts: bool = True) -> None:
    """Print the check's cost on ``url`` and the bursts' outcomes on fresh databases."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": "bench",
                      "MODERATION_MODEL_PATH": model})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        texts = build(random.Random(11))
        print(f"  built {STORED:,} signed comments in {time.perf_counter() - started:.0f} s")
        for label, value in check_cost(texts, runs, random.Random(12)).items():
            print(f"  near-duplicate check, {label}: {value:.2f}" if isinstance(value, float)
                  else f"  {label}: {value}")
        db.engine.dispose()
    configs = (("all rules", {}), ("repeats only (burst rule off)", {"MODERATION_BURST_LIMIT": 0}))
    for label, config in configs if bursts else ():
        outcomes = spam_burst(second_url(), model, random.Random(13), **config)
        print(f"  burst of {BURST:,} adverts, {label}: {outcomes['published']} published; {dict(outcomes)}")


def main() -> None:
    """Run the benchmark on the chosen backends and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--model", default=os.environ.get("MODERATION_MODEL_PATH", "instance/model.skops"))
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--no-burst", action="store_true", help="time the check only")
    args = parser.parse_args()
    if not Path(args.model).is_file():
        sys.exit(f"No model at {args.model}: run `flask --app wsgi moderation train` or pass --model.")
    if args.backend in ("sqlite", "both"):
        print("SQLite")
        with tempfile.TemporaryDirectory() as tmp:
            burst_files = iter(f"sqlite:///{tmp}/burst{n}.sqlite3" for n in range(2))
            run(f"sqlite:///{tmp}/bench.sqlite3", lambda: next(burst_files), args.model, args.runs, not args.no_burst)
    if args.backend in ("postgresql", "both"):
        print("PostgreSQL")
        try:
            run(fresh_database(PG_NAME), lambda: fresh_database(PG_NAME + "_burst"), args.model, args.runs,
                not args.no_burst)
        finally:
            drop_database(PG_NAME)
            drop_database(PG_NAME + "_burst")


if __name__ == "__main__":
    main()
