"""A newsroom's month, its desk's thresholds and a backtest: ``moderation train`` re-fitting the
review and reject thresholds on the desk's decisions, and ``moderation backtest``, timed.

The newsroom: ``--comments`` comments from the Kaggle insults training rows that are in no
evaluation set (comments on news and commentary sites, 2012; research-licensed, read from
../shared/data and never shipped; not in the base model's training), posted through the JSON API by 50 readers on 20
post-moderated articles and screened by the active model, then spread over the last 30 days. The
desk decides every held comment as the corpus labels it (an insult is rejected as abusive, the
rest approved), and the 5% of published comments that readers report. Then ``moderation train``
(the full model, with those decisions; it becomes the active version) and ``moderation backtest``
of the base model beside it, timed. SQLite in a temporary file, or PostgreSQL (parley_bench_backtest, dropped after).

    .venv/bin/python bench/backtest.py [--comments 2000] [--backend sqlite|postgresql|both] [--model PATH]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import json  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select, update  # noqa: E402

from bench.pgdb import backend_options, on_backends, require_model  # noqa: E402
from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import Comment, utcnow  # noqa: E402
from moderation.classifier import corpora  # noqa: E402
from moderation.classifier.datasets import evaluation_keys, research_rows  # noqa: E402

PG_NAME = "parley_bench_backtest"
READERS, ARTICLES, REPORTED_SHARE, DAYS = 50, 20, 0.05, 30
PASSWORD = "bench-password-1"
ARTICLE = "Readers discuss the day's news: politics, the economy, sport and the people in them."


def config(url: str, model: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": "bench",
            "MODERATION_MODEL_PATH": model, "RATELIMIT_ENABLED": False}


def token(client, username: str) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def newsroom(app, rows: list[dict]) -> dict:
    """Post ``rows``, spread them over the last DAYS days, and let the desk decide; return the counts."""
    client, runner, rng = app.test_client(), app.test_cli_runner(), random.Random(0)
    readers = []
    for n in range(READERS):
        name = f"reader{n}"
        response = client.post("/api/v1/auth/register",
                               json={"username": name, "email": f"{name}@example.org", "password": PASSWORD})
        assert response.status_code == 201, response.get_json()
        readers.append(token(client, name))
    created = runner.invoke(args=["users", "create", "desk", "--email", "desk@example.org", "--password", PASSWORD,
                                  "--role", "moderator"])
    assert created.exit_code == 0, created.output
    desk = token(client, "desk")
    for n in range(ARTICLES):
        response = client.put(f"/api/v1/articles/story-{n}", headers={"X-API-Key": "bench"},
                              json={"url": f"https://news.example.org/story-{n}", "title": f"Story {n}",
                                    "body": ARTICLE})
        assert response.status_code == 201, response.get_json()
    started, posted = time.perf_counter(), []
    for n, row in enumerate(rows):
        response = client.post(f"/api/v1/articles/story-{n % ARTICLES}/comments", json={"body": row["text"]},
                               headers=readers[n % READERS])
        if response.status_code == 201:
            posted.append((response.get_json()["comment"], row["abuse"]))
    post_seconds = time.perf_counter() - started
    now = utcnow()
    with app.app_context():
        ids = db.session.scalars(select(Comment.id).order_by(Comment.id)).all()
        for i, comment_id in enumerate(ids):
            db.session.execute(update(Comment).where(Comment.id == comment_id)
                               .values(created_at=now - timedelta(days=DAYS) * (1 - (i + 1) / (len(ids) + 1))))
        db.session.commit()
    counts = {"posted": len(posted), "refused": len(rows) - len(posted), "held": 0, "rejected": 0, "reported": 0}
    for comment, abusive in posted:
        counts["rejected"] += comment["status"] == "rejected"
        if comment["status"] == "published" and rng.random() < REPORTED_SHARE:
            response = client.post(f"/api/v1/comments/{comment['id']}/reports", json={"reason": "abusive"},
                                   headers=readers[(int(comment["author"]["username"][len("reader"):]) + 1) % READERS])
            assert response.status_code in (201, 409), response.get_json()
            counts["reported"] += 1
        elif comment["status"] != "pending":
            continue
        counts["held"] += comment["status"] == "pending"
        body = {"action": "reject", "reason": "abusive"} if abusive else {"action": "approve"}
        response = client.post(f"/api/v1/moderation/comments/{comment['id']}/decision", json=body, headers=desk)
        assert response.status_code == 200, response.get_json()
    counts["post_ms_each"] = round(post_seconds * 1000 / max(len(rows), 1), 1)
    return counts


def run(url: str, model: str, rows: list[dict]) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        active = Path(folder) / "model.skops"
        shutil.copyfile(model, active)
        app = create_app(config(url, str(active)))
        with app.app_context():
            upgrade()
        figures = {"newsroom": newsroom(app, rows)}
        runner = app.test_cli_runner()
        started = time.perf_counter()
        trained = runner.invoke(args=["moderation", "train"])
        assert trained.exit_code == 0, trained.output
        figures["train_seconds"] = round(time.perf_counter() - started, 1)
        figures["train"] = [line for line in trained.output.splitlines() if line.startswith(("Thresholds", "Active",
                                                                                               "Not activated"))]
        started = time.perf_counter()
        # Training promoted the new version (no worse on the held-out sets than none registered):
        # the base model is the candidate it is compared with.
        replayed = runner.invoke(args=["moderation", "backtest", "--days", str(DAYS), "--model", model])
        assert replayed.exit_code == 0, replayed.output
        figures["backtest_seconds"] = round(time.perf_counter() - started, 1)
        figures["backtest"] = replayed.output.splitlines()
        return figures


def main() -> None:
    parser = backend_options(__doc__.splitlines()[0], "the base model: the active one before the desk's decisions")
    parser.set_defaults(backend="sqlite")
    parser.add_argument("--comments", type=int, default=2000)
    args = parser.parse_args()
    require_model(args.model)
    # Its rows that are in no evaluation set, as research training reads them.
    found = research_rows(None, evaluation_keys(None)).get("kaggle-insults-train")
    if not found:
        sys.exit(f"The Kaggle insults corpus is not in {corpora.DEFAULT_DATA_DIR}.")
    rows = random.Random(0).sample(found, min(args.comments, len(found)))
    results = on_backends(args.backend, PG_NAME, lambda url: run(url, args.model, rows))
    for backend, figures in results.items():
        print(f"## {backend}")
        print(json.dumps(figures["newsroom"]))
        print(f"moderation train: {figures['train_seconds']} s")
        print("\n".join(figures["train"]))
        print(f"moderation backtest --days {DAYS}: {figures['backtest_seconds']} s "
              f"({figures['newsroom']['posted'] * 2 / figures['backtest_seconds']:.0f} comment scorings per second)")
        print("\n".join(figures["backtest"]))


if __name__ == "__main__":
    main()
