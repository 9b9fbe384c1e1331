"""Benchmark the word lists: the matcher's cost per comment with 2,000 terms, and the version check.

Comments are the first ``--comments`` texts of the bundled Civil Comments (CCC) and Fox News
corpora, alternating. The 2,000 terms are drawn from those comments' own words so that some of
them match: 1,500 single words (ranks 4,000 to 5,499 of their vocabulary, words most comments do
not use) and 500 two-word phrases (ranks 1,000 to 1,499 of their word pairs). Prints the time to
compile the list, the cost of matching one comment (tokenising it and walking both lists), the
cost per 1,000 characters of one 5,000- and one 50,000-character text (the time is linear in
the length), and, on SQLite and PostgreSQL, the version check that every screening makes and the
whole rule with it. PostgreSQL uses its own database (parley_bench_wordlists), dropped at the end.

    .venv/bin/python bench/wordlists.py [--backend sqlite|postgresql|both] [--comments 4000] [--runs 2000]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from itertools import islice  # noqa: E402

from flask_migrate import upgrade  # noqa: E402

from bench.pgdb import drop_database, fresh_database  # noqa: E402
from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.screening import Submission  # noqa: E402
from moderation.rules import wordlists  # noqa: E402
from moderation.rules.matching import Matcher, tokens  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "moderation" / "data"
CORPORA = ("civil-comments-ccc.jsonl.gz", "fox-news-comments.jsonl.gz")
PG_NAME = "parley_bench_wordlists"


def comments(count: int) -> list[str]:
    """Return ``count`` comments, alternating between the two corpora."""
    streams = [(json.loads(line)["text"] for line in gzip.open(DATA / name, "rt")) for name in CORPORA]
    texts = []
    while len(texts) < count:
        texts.extend(text for stream in streams for text in islice(stream, 1))
    return texts[:count]


def terms_from(texts: list[str]) -> list[str]:
    """Return 1,500 words and 500 word pairs of ``texts``, common enough that some comments match."""
    words, pairs = Counter(), Counter()
    for text in texts:
        found = [t.text for t in tokens(text)]
        words.update(found)
        pairs.update(" ".join(pair) for pair in zip(found, found[1:], strict=False))
    ranked_words = [w for w, _ in words.most_common()]
    ranked_pairs = [p for p, _ in pairs.most_common()]
    return ranked_words[4000:5500] + ranked_pairs[1000:1500]


def micros(action, items) -> list[float]:
    """Return the time of ``action(item)`` for every item, in µs."""
    times = []
    for item in items:
        started = time.perf_counter()
        action(item)
        times.append((time.perf_counter() - started) * 1e6)
    return times


def summary(times: list[float]) -> str:
    times = sorted(times)
    return (f"median {statistics.median(times):.0f} µs, p95 {times[int(len(times) * 0.95)]:.0f} µs, "
            f"p99 {times[int(len(times) * 0.99)]:.0f} µs")


def matcher_figures(texts: list[str], terms: list[str]) -> None:
    """Print the compile time and the per-comment cost of matching, in process (no database)."""
    started = time.perf_counter()
    banned, suspect = Matcher(terms), Matcher(())
    print(f"compile {len(terms):,} terms: {(time.perf_counter() - started) * 1e3:.1f} ms")

    def match(text):
        words = tokens(text)
        return banned.find(words), suspect.find(words)

    hits = sum(1 for text in texts if match(text)[0])
    lengths = sorted(len(t) for t in texts)
    print(f"{len(texts):,} comments, median {statistics.median(lengths):.0f} characters; "
          f"{hits / len(texts):.0%} match a term")
    print(f"tokenise only: {summary(micros(tokens, texts))}")
    print(f"tokenise and match both lists: {summary(micros(match, texts))}")
    joined = " ".join(texts)
    for length in (5_000, 50_000):
        per_k = statistics.median(micros(match, [joined[:length]] * 9)) / (length / 1000)
        print(f"one {length:,}-character text: {per_k:.0f} µs per 1,000 characters")


def database_figures(name: str, url: str, texts: list[str], terms: list[str], runs: int) -> None:
    """Print the version check and the whole rule (check, tokenise, match) on one backend."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": "bench",
                      "MODERATION_MODEL_PATH": "/nonexistent", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        wordlists.replace(wordlists.BANNED, terms)
        wordlists.replace(wordlists.SUSPECT, terms[:50])
        db.session.commit()
        wordlists.compiled()
        check = micros(lambda _: wordlists.compiled(), range(runs))
        rule = micros(lambda text: wordlists.screen_words(Submission(text)), texts)
        db.session.remove()
        db.engine.dispose()
    print(f"\n{name}\nversion check (list unchanged): {summary(check)}\nwhole rule per comment: {summary(rule)}")


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--comments", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=2000, help="version checks to time")
    args = parser.parse_args()
    texts = comments(args.comments)
    terms = terms_from(texts)
    matcher_figures(texts, terms)
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            database_figures("SQLite", f"sqlite:///{tmp}/bench.sqlite3", texts, terms, args.runs)
    if args.backend in ("postgresql", "both"):
        try:
            database_figures("PostgreSQL", fresh_database(PG_NAME), texts, terms, args.runs)
        finally:
            drop_database(PG_NAME)


if __name__ == "__main__":
    main()
