"""Benchmark how posting and reading a thread grow with the comments in one article and in the database.

Each row is a fresh database, bulk loaded (executemany on SQLite, COPY on PostgreSQL, the
secondary indexes built after the rows):

- ``one``: N comments in one article (``--sizes``, default 1,000 / 10,000 / 100,000);
- ``spread``: 100 comments in each article, over 10 articles (1,000 comments) and over
  ``--spread-articles`` articles (default 10,000: 1,000,000 comments).

Seven in ten comments are top-level, the rest reply to one of the 200 comments before them in the
same article (so a page looks alike at every size); 95 % are published, the rest held, rejected or
deleted. One more comment in the first article has 30 replies, for the page of replies. PostgreSQL
is then ``VACUUM ANALYZE``d, as autovacuum would; SQLite gets the statistics the app itself leaves
(``PRAGMA optimize`` when a connection that read the thread closes).

Through Flask's test client, signed in (a bearer token for the API, the login form for the pages)
as a reader whom ten readers follow, it times a POST into
the article (scored by the model), the first page of its thread in every sort (JSON API and HTML
page) and the first page of a comment's replies, and prints for each row the median wall time
and the CPU time (this process's median, plus on PostgreSQL the mean of the server's backends for
the run's database), each as a ratio to the layout's first row too.

    .venv/bin/python bench/growth.py [--backend sqlite|postgresql|both] [--sizes 1000,10000,100000]
                                     [--spread-articles 10000] [--layouts one,spread] [--runs 20]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402

from flask_migrate import upgrade  # noqa: E402

from bench import bulk  # noqa: E402
from bench.pgdb import backend_options, drop_database, fresh_database, require_model  # noqa: E402
from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import url_digest  # noqa: E402
from forum.security import hash_password  # noqa: E402

PG_NAME = "parley_bench_growth"
PASSWORD = "bench-password-1"
READER_ID, WRITERS, FOLLOWERS = 1, 1000, 10
START = datetime(2026, 1, 1)
BODIES = [
    "The council vote on transit funding deserves more scrutiny than this article gives it.",
    "Buses on route 31 were late every day last week, so more money for service is welcome.",
    "A 25 cent fare increase hurts the riders who depend on the bus the most.",
    "Bike lanes downtown are overdue, but shops on Quay Street need parking during construction.",
    "Twelve new buses will not fix the east side if the routes stay the same.",
]
ARTICLE_BODY = ("The city council voted 7-2 on Tuesday to approve a transit budget that adds bus routes, raises "
                "fares by 25 cents and funds bike lanes downtown. ") * 8
STATUSES = ["published"] * 95 + ["pending"] * 3 + ["rejected", "deleted"]
COLUMNS = {
    "users": "id, username, username_key, email, password_hash, display_name, role, created_at, email_verified_at",
    "articles": "id, external_id, url, url_hash, title, body, moderation_mode, created_at, updated_at",
    "follows": "follower_id, followed_id, created_at",
    "comments": "id, article_id, author_id, parent_id, root_id, depth, body, status, reaction_count, "
                "report_count, created_at",
}


def users():
    password = hash_password(PASSWORD)
    for i in range(1, WRITERS + 2):
        yield (i, f"reader{i}", f"reader{i}", f"reader{i}@bench.test", password, f"Reader {i}", "reader", START, START)


def articles(count: int):
    for i in range(1, count + 1):
        url = f"https://news.example.org/{i}"
        yield (i, f"story-{i}", url, url_digest(url), "Council approves new transit budget", ARTICLE_BODY, "post",
               START, START)


def comments(count: int, article_count: int, rng: random.Random):
    """``count`` comments dealt round the articles, a second apart; three in ten reply to a recent one.
    Then one more in the first article with 30 replies: the same page of replies at every size."""
    roots, depths = [None] * (count + 1), [0] * (count + 1)
    for i in range(1, count + 1):
        earlier = (i - 1) // article_count  # this article's comments before this one
        parent = None
        if earlier and rng.random() < 0.3:
            parent = i - article_count * rng.randint(1, min(earlier, 200))
            if depths[parent] >= 5:  # keep the trees a few levels deep, as readers make them
                parent = roots[parent]
        if parent is not None:
            roots[i], depths[i] = roots[parent] or parent, depths[parent] + 1
        status = rng.choice(STATUSES)
        yield (i, (i - 1) % article_count + 1, rng.randint(2, WRITERS + 1), parent, roots[i], depths[i],
               "" if status == "deleted" else rng.choice(BODIES) + f" (#{i})", status,
               int(rng.paretovariate(1.5)) - 1, 0, START + timedelta(seconds=i))
    replied = count + 1
    for i in range(replied, replied + 31):
        yield (i, 1, rng.randint(2, WRITERS + 1), None if i == replied else replied, None if i == replied else replied,
               0 if i == replied else 1, rng.choice(BODIES), "published", 0, 0, START + timedelta(seconds=i))


def dataset(count: int, article_count: int) -> dict:
    return {
        "users": users(),
        "articles": articles(article_count),
        "follows": ((follower, READER_ID, START) for follower in range(2, FOLLOWERS + 2)),
        "comments": comments(count, article_count, random.Random(14)),
    }


def server_cpu_seconds(app) -> float:
    """Return the CPU time so far of PostgreSQL's backends serving the run's database (0 on SQLite)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return 0.0
        with db.engine.connect() as conn:
            pids = conn.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").scalars()
            ticks = 0
            for pid in pids:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


#: Untimed requests of each kind before the first timed one, on each database.
WARM_UP = 5
#: The rows of a layout take turns, a share of the runs each, so that a change in the machine's load
#: (it is shared) falls on every row alike.
TURNS = 4


class Row:
    """One database of a layout, its app, two signed-in clients and what each request cost."""

    def __init__(self, url: str, model: str, count: int, article_count: int):
        self.count, self.per_article = count, count // article_count
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PUBLISHER_API_KEY": "bench",
                               "RATELIMIT_ENABLED": False, "MODERATION_MODEL_PATH": model,
                               "MODERATION_REPEAT_POST_HOLD": False, "MODERATION_BURST_LIMIT": 0})
        started = time.perf_counter()
        with self.app.app_context():
            upgrade()
            db.engine.dispose()
            if url.startswith("sqlite"):
                bulk.load_sqlite(url.removeprefix("sqlite:///"), dataset(count, article_count), COLUMNS, analyze=False)
            else:
                bulk.load_postgres(url, dataset(count, article_count), COLUMNS)
        if url.startswith("sqlite"):
            # What the app leaves when a worker's connection that read a thread closes (forum.sql).
            self.app.test_client().get("/api/v1/articles/story-1/comments")
            with self.app.app_context():
                db.engine.dispose()
        self.loaded_s = time.perf_counter() - started
        self.checks = self._checks()
        self.walls, self.cpus = {label: [] for label in self.checks}, {label: [] for label in self.checks}
        self.server = dict.fromkeys(self.checks, 0.0)
        self.load1 = []

    def _checks(self) -> dict:
        api = self.app.test_client()
        token = api.post("/api/v1/auth/token", json={"username": f"reader{READER_ID}", "password": PASSWORD})
        api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token.get_json()['token']}"
        pages = self.app.test_client()
        form = pages.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', form).group(1)
        signed_in = pages.post("/login", data={"csrf_token": csrf, "username": f"reader{READER_ID}",
                                               "password": PASSWORD})
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:300]
        return {
            "POST comment": (api, "POST", "/api/v1/articles/story-1/comments",
                             lambda i: {"body": f"Comment {i}: the council vote on transit deserves more scrutiny."}),
            **{f"API {sort}": (api, "GET", f"/api/v1/articles/story-1/comments?sort={sort}", None)
               for sort in ("newest", "oldest", "top")},
            **{f"page {sort}": (pages, "GET", f"/articles/story-1?sort={sort}", None)
               for sort in ("newest", "oldest", "top")},
            "API replies": (api, "GET", f"/api/v1/comments/{self.count + 1}/replies", None),
        }

    def take_turn(self, runs: int, first: bool) -> None:
        """Time ``runs`` requests of each kind (after a warm-up on the first turn)."""
        self.load1.append(os.getloadavg()[0])
        for label, (client, method, path, body) in self.checks.items():
            for i in range(WARM_UP if first else 0):
                self._request(client, method, path, body, i)
            server = server_cpu_seconds(self.app)
            for i in range(runs):
                cpu, started = time.process_time(), time.perf_counter()
                self._request(client, method, path, body, i)
                self.walls[label].append(time.perf_counter() - started)
                self.cpus[label].append(time.process_time() - cpu)
            self.server[label] += server_cpu_seconds(self.app) - server

    @staticmethod
    def _request(client, method, path, body, i) -> None:
        response = client.open(path, method=method, json=body(i) if body else None)
        assert response.status_code in (200, 201), (path, response.status_code, response.get_data()[:300])

    def figures(self, label: str) -> tuple[float, float]:
        """Return the median wall ms, and the CPU ms: this process's median (a garbage collection now
        and then stays out of it) plus the mean of the database server's (counted in clock ticks,
        too coarse for one request)."""
        runs = len(self.walls[label])
        return (statistics.median(self.walls[label]) * 1000,
                (statistics.median(self.cpus[label]) + self.server[label] / runs) * 1000)

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()


def print_table(backend: str, layout: str, rows: list[Row]) -> None:
    labels = list(rows[0].checks)
    base = {label: rows[0].figures(label) for label in labels}
    for title, which in (("median wall ms", 0), ("CPU ms (app median + database mean)", 1)):
        print(f"\n{backend}, {layout}: {title} (× the first row)")
        print("| comments | in the article | load1 | " + " | ".join(labels) + " |")
        print("| ---: | ---: | ---: |" + " ---: |" * len(labels))
        for row in rows:
            cells = [f"{row.figures(k)[which]:.1f} ({row.figures(k)[which] / base[k][which]:.2f}×)" for k in labels]
            load = f"{min(row.load1):.1f}–{max(row.load1):.1f}"
            print(f"| {row.count:,} | {row.per_article:,} | {load} | " + " | ".join(cells) + " |", flush=True)


def run(backend: str, layout: str, shapes: list[tuple[int, int]], args) -> None:
    """Build the layout's databases on ``backend``, time them turn by turn, print the tables, drop them."""
    with tempfile.TemporaryDirectory() as folder:
        names, rows = [], []
        try:
            for count, article_count in shapes:
                if backend == "sqlite":
                    url = f"sqlite:///{folder}/growth-{count}.sqlite3"
                else:
                    names.append(f"{PG_NAME}_{layout}_{count}")
                    url = fresh_database(names[-1])
                rows.append(Row(url, args.model, count, article_count))
                print(f"[{backend} {layout} {count:,}] loaded in {rows[-1].loaded_s:.0f} s", flush=True)
            for turn in range(TURNS):
                for row in rows:
                    row.take_turn(max(1, args.runs // TURNS), first=turn == 0)
            print_table(backend, layout, rows)
        finally:
            for row in rows:
                row.close()
            for name in names:
                drop_database(name)


def main() -> None:
    parser = backend_options(__doc__.splitlines()[0], model_help="the artifact that scores each POST")
    parser.add_argument("--sizes", default="1000,10000,100000", help="comments in the one article, per row")
    parser.add_argument("--spread-articles", type=int, default=10_000,
                        help="articles of 100 comments each in the spread layout's last row")
    parser.add_argument("--layouts", default="one,spread")
    parser.set_defaults(runs=20)
    args = parser.parse_args()
    require_model(args.model)
    shapes = {"one": [(int(n), 1) for n in args.sizes.split(",")],
              "spread": [(1000, 10), (100 * args.spread_articles, args.spread_articles)]}
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        for layout in args.layouts.split(","):
            run(backend, layout, shapes[layout], args)


if __name__ == "__main__":
    main()
