"""Benchmark a hot thread on gunicorn: a read's tail latency (garbage collection) and a POST's cost.

For each backend, every version of the code (``--rev``: a git revision, extracted with ``git
archive`` into a temporary folder, or a folder holding the code, such as ``.``) is served at once,
each by its own gunicorn (``--workers`` sync workers, ``RATELIMIT_ENABLED=false``) on its own fresh
database (``flask db upgrade`` of that version), seeded through the public API:

- readers ``bench``, ``writer0``-``writer9`` and ``fan0``-``fan9``, who follow ``bench``, so that each
  published comment of ``bench`` notifies ten readers;
- the article ``nested-1000``: 100 top-level comments with 9 replies each, by the writers;
- ``--articles`` fresh articles that take the POST load.

Then the versions take turns, ``--rounds`` times (in reverse order every other round), so that they
share the machine's drift; each turn is a closed loop from ``--clients`` connections in this
process, ``--warmup`` seconds (not counted) and ``--seconds`` measured, of each of:

- read: ``GET /api/v1/articles/nested-1000/comments?sort=oldest&limit=100`` as ``bench`` (the page
  shows every top-level comment with its first replies);
- post: ``POST /api/v1/articles/fresh-{n}/comments`` as ``bench``, a new text each time.

It prints, per row, the requests per second, the latency (p50 / p90 / p99 ms, from sending to the
last byte), the CPU per request of gunicorn (master and workers, from /proc) and of PostgreSQL (the
backends connected to the bench database), the machine's load average and ``other%``: the CPU that
everything else used (this client included) as a share of all cores; after several rounds, each
version's rows pooled. With ``--harness ../shared/bench/peer_isso.sh`` the served versions are
loaded by that script's own procedure instead (wrk; its table), as it loads Isso.

    .venv/bin/python bench/hot_threads.py [--rev REV ...] [--backend sqlite|postgresql|both]
        [--workers 2] [--clients 8] [--seconds 10] [--warmup 3] [--rounds 1] [--preload]
        [--model instance/model.skops] [--harness ../shared/bench/peer_isso.sh]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import http.client  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402

import psycopg  # noqa: E402

from bench.load import Client, free_port, migrate, percentile, served_env, wait_until_healthy  # noqa: E402
from bench.pgdb import drop_database, fresh_database  # noqa: E402
from forum import PROJECT_ROOT  # noqa: E402

PG_NAME = "parley_bench_hot"
PASSWORD = "Lantern-Quartz-Meadow-81"
THREAD, ROOTS, REPLIES = "nested-1000", 100, 9
READ_PATH = f"/api/v1/articles/{THREAD}/comments?sort=oldest&limit=100"
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
ARTICLE_BODY = (
    "The city council voted 7-2 on Tuesday to approve a transit budget that adds bus routes, raises fares by "
    "25 cents and funds bike lanes downtown. Supporters said the plan would cut commute times on the busiest "
    "routes, while opponents warned that the fare increase would hit low-income riders hardest. The budget "
    "sets aside money for twelve new buses, longer evening service on route 31, and a pilot of free transfers "
    "between buses and the light rail line. Shop owners on Quay Street asked for parking during construction.")
#: Comments are drawn from these words: enough of them that no two texts are near-duplicates (the
#: spam rule would hold them), all about the article (the off-topic model would hold others).
WORDS = tuple("""bus buses route routes fare fares council councillors budget vote voted lanes bike downtown riders
    evening service transfers shops parking survey ridership mayor commute commuters east side light rail
    Tuesday money city plan street Quay twelve pilot funding drivers timetable schedule stops winter tax taxes
    income shoppers construction delays traffic cyclists pedestrians crossing signals depot garage electric
    diesel maintenance subsidy subsidies ticket tickets pass passes monthly seniors students school hospital
    market bridge tunnel corridor frequency peak weekend night shift workers union contract overtime audit
    report committee hearing opposition motion amendment deficit reserve bonds grant province federal
    transit agency board chair""".split())


def comment_text(rng: random.Random, n: int) -> str:
    """Return a comment on the transit budget that no other text of the run repeats."""
    return (f"I think the {' '.join(rng.sample(WORDS, 7))} matter most, and the {' '.join(rng.sample(WORDS, 5))} "
            f"should come next ({n}).")


def checkout(rev: str, folder: Path) -> Path:
    """Return the folder of the code ``rev``: itself when it is a folder (``.``: this checkout as it
    is), else the git revision's files, extracted into ``folder``."""
    if Path(rev).is_dir():
        return Path(rev).resolve()
    target = folder / rev.replace("/", "_")
    target.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=PROJECT_ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def process_ticks(pids) -> dict[int, int]:
    """Return the CPU ticks (user + system) each of ``pids`` has used, leaving out those that ended."""
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def machine_ticks() -> tuple[int, int]:
    """Return the busy and the total CPU ticks of the whole machine, all cores."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields[:8]) - idle, sum(fields[:8])


class Meters:
    """CPU of the server's processes and of its database backends, and of the whole machine."""

    def __init__(self, server: subprocess.Popen, database_url: str | None):
        self.server, self.database_url = server, database_url

    def _server_pids(self) -> list[int]:
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text().split()
        return [self.server.pid, *map(int, children)]

    def _database_pids(self) -> list[int]:
        if self.database_url is None:
            return []
        with psycopg.connect(self.database_url) as conn:
            return [pid for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]

    def read(self) -> tuple[dict, dict, tuple[int, int]]:
        return process_ticks(self._server_pids()), process_ticks(self._database_pids()), machine_ticks()

    @staticmethod
    def spent(before: dict, after: dict) -> int:
        return sum(ticks - before.get(pid, 0) for pid, ticks in after.items())


def seed(client: Client, articles: int) -> tuple[str, Counter]:
    """Create the readers, the followers, the articles and the nested thread; return bench's token
    and the statuses of the seeded comments."""
    def token(name: str) -> str:
        status, data = client.call("POST", "/api/v1/auth/register",
                                   {"username": name, "email": f"{name}@example.org", "password": PASSWORD})
        assert status == 201, (status, data)
        status, data = client.call("POST", "/api/v1/auth/token", {"username": name, "password": PASSWORD})
        assert status == 200, (status, data)
        return data["token"]

    def article(external_id: str) -> None:
        status, data = client.call("PUT", f"/api/v1/articles/{external_id}", {
            "url": f"https://news.example.org/{external_id}", "title": "Council approves the transit budget",
            "body": ARTICLE_BODY})
        assert status in (200, 201), (status, data)

    statuses = Counter()

    def post(writer: str, parent: int | None = None, n: int = 0) -> int:
        body = {"body": comment_text(random.Random(n), n), **({"parent_id": parent} if parent else {})}
        status, data = client.call("POST", f"/api/v1/articles/{THREAD}/comments", body, writers[writer])
        assert status == 201, (status, data)
        statuses[data["comment"]["status"]] += 1
        return data["comment"]["id"]

    with ThreadPoolExecutor(4) as pool:
        names = ["bench", *(f"writer{i}" for i in range(10)), *(f"fan{i}" for i in range(10))]
        tokens = dict(zip(names, pool.map(token, names), strict=True))
        for i in range(10):
            assert client.call("PUT", "/api/v1/users/bench/follow", token=tokens[f"fan{i}"])[0] in (200, 201, 204)
        list(pool.map(article, [THREAD, *(f"fresh-{i}" for i in range(articles))]))
        writers = {name: tokens[name] for name in names if name.startswith("writer")}
        roots = list(pool.map(lambda n: post(f"writer{n % 10}", n=n), range(ROOTS)))
        replies = [(root, ROOTS + r * REPLIES + k) for r, root in enumerate(roots) for k in range(REPLIES)]
        list(pool.map(lambda pair: post(f"writer{pair[1] % 10}", pair[0], pair[1]), replies))
    return tokens["bench"], statuses


def request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None,
            headers: dict) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def closed_loop(port: int, seconds: float, clients: int, make_request, numbers) -> dict:
    """Keep ``clients`` connections busy with ``make_request(n)`` -> (method, path, body, headers),
    ``n`` from ``numbers``, for ``seconds``; return the latencies (ms), the statuses and the created
    comments' statuses."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    latencies, statuses, created = [], Counter(), Counter()

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                n = next(numbers)
            method, path, body, headers = make_request(n)
            started = time.perf_counter()
            status, data = request(conn, method, path, body, headers)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] += 1
                if method == "POST" and status == 201:
                    created[json.loads(data)["comment"]["status"]] += 1
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"ms": latencies, "statuses": statuses, "created": created, "elapsed": time.monotonic() - started}


def measure(target: "Target", scenario: str, args) -> dict:
    """Warm up, then measure one scenario on ``target``: latencies, statuses and CPU ticks."""
    make_request = target.requests(scenario, args.articles)
    closed_loop(target.port, args.warmup, args.clients, make_request, target.numbers)
    server0, db0, machine0 = target.meters.read()
    load = os.getloadavg()[0]
    result = closed_loop(target.port, args.seconds, args.clients, make_request, target.numbers)
    server1, db1, machine1 = target.meters.read()
    result.update(rev=target.rev, backend=target.backend, scenario=scenario, returned=target.returned, load=load,
                  server=Meters.spent(server0, server1), db=Meters.spent(db0, db1) if target.has_database else None,
                  busy=machine1[0] - machine0[0], total=machine1[1] - machine0[1])
    return result


def pooled(rows: list[dict]) -> dict:
    """Return the rows of one version and scenario as one: latencies pooled, counts and ticks summed."""
    first = rows[0]
    return {**first, "ms": [ms for row in rows for ms in row["ms"]],
            "statuses": sum((row["statuses"] for row in rows), Counter()),
            "created": sum((row["created"] for row in rows), Counter()),
            "load": max(row["load"] for row in rows),
            **{key: sum(row[key] for row in rows) for key in ("elapsed", "server", "busy", "total")},
            "db": None if first["db"] is None else sum(row["db"] for row in rows)}


def start_server(code: Path, env: dict, port: int, workers: int, preload: bool) -> subprocess.Popen:
    """Start gunicorn from ``code`` and wait until /healthz answers 200."""
    command = [str(Path(sys.executable).parent / "gunicorn"), "--no-control-socket", "-w", str(workers),
               "-b", f"127.0.0.1:{port}", "--log-level", "warning", *(["--preload"] if preload else []), "wsgi:app"]
    return wait_until_healthy(subprocess.Popen(command, cwd=code, env=env), port, 120)


class Target:
    """One version of the code, served on its own seeded database."""

    def __init__(self, rev: str, backend: str, port: int, meters: Meters, token: str, returned: int):
        self.rev, self.backend, self.port, self.meters = rev, backend, port, meters
        self.has_database = meters.database_url is not None
        self.returned = returned
        self.auth = {"Authorization": f"Bearer {token}"}
        # Numbers past the seeded comments': every text of the run is new.
        self.numbers = itertools.count(10**6)

    def requests(self, scenario: str, articles: int):
        """Return the request maker of ``scenario``: the thread read, or a post of a new text."""
        if scenario == "read":
            return lambda n: ("GET", READ_PATH, None, self.auth)
        headers = {**self.auth, "Content-Type": "application/json"}
        return lambda n: ("POST", f"/api/v1/articles/fresh-{n % articles}/comments",
                          json.dumps({"body": comment_text(random.Random(n), n)}).encode(), headers)


@contextmanager
def served(rev: str, code: Path, backend: str, number: int, args):
    """Serve ``code`` on a fresh, seeded ``backend`` database; yield the ``Target``, then stop it
    and drop the database."""
    with tempfile.TemporaryDirectory() as instance:
        name = f"{PG_NAME}_{number}"
        url = fresh_database(name) if backend == "postgresql" else f"sqlite:///{instance}/bench.sqlite3"
        env = served_env(url, args.model, PARLEY_INSTANCE_PATH=instance)
        server = None
        try:
            migrate(env, code)
            port = free_port()
            server = start_server(code, env, port, args.workers, args.preload)
            token, seeded = seed(Client(port), args.articles)
            page = request(http.client.HTTPConnection("127.0.0.1", port), "GET", READ_PATH, None,
                           {"Authorization": f"Bearer {token}"})[1]
            print(f"{rev} on {backend}: seeded {dict(seeded)}", flush=True)
            yield Target(rev, backend, port, Meters(server, url if backend == "postgresql" else None), token,
                         len(_flatten(json.loads(page))))
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
            if backend == "postgresql":
                drop_database(name)


def run_harness(script: str, target: Target) -> None:
    """Load ``target`` with the peer benchmark's own procedure (``script load``, e.g.
    ../shared/bench/peer_isso.sh, with wrk), as the peer was: the thread read, and new comments
    posted into one article (``fresh-0``); its settings (DURATION, CLIENTS...) come from the environment.
    Its texts differ by a number only: the repeat rule holds them as spam unless
    FLASK_MODERATION_REPEAT_POST_HOLD=false, which publishes them as Isso does."""
    print(f"== {target.rev} on {target.backend}: {script} load, {target.returned} comments per page", flush=True)
    subprocess.run(["bash", script, "load"], check=True, env={
        **os.environ, "BASE_URL": f"http://127.0.0.1:{target.port}", "SERVER_PID": str(target.meters.server.pid),
        "SEED_COUNT": "0", "HEADERS": f"Authorization: {target.auth['Authorization']}",
        "GET_PATH": READ_PATH, "POST_PATH": "/api/v1/articles/fresh-0/comments",
        "POST_BODY": '{"body":"Comment {n}: the council vote on transit funding deserves more scrutiny than '
                     'this article gives it."}',
        "RESULTS": os.environ.get("RESULTS", f"/tmp/parley-hot-threads-{target.backend}-{target.port}.tsv")})


def _flatten(page: dict) -> list[dict]:
    """Return every comment of a thread page, its nested replies included."""
    found, pending = [], list(page["comments"])
    while pending:
        comment = pending.pop()
        found.append(comment)
        pending += comment["replies"]
    return found


HEADER = (f"{'version':<14}{'backend':<12}{'scenario':<10}{'c':>3}{'req/s':>9}{'p50':>8}{'p90':>8}{'p99':>8}"
          f"{'p90/p50':>9}{'cpu ms':>8}{'db ms':>7}{'load':>6}{'other%':>7}  notes")


def print_row(row: dict, clients: int) -> None:
    ms, count = row["ms"], len(row["ms"])
    p50, p90, p99 = (percentile(ms, q) for q in (50, 90, 99))
    other = 100 * (row["busy"] - row["server"] - (row["db"] or 0)) / max(row["total"], 1)
    errors = {status: n for status, n in row["statuses"].items() if status >= 400}
    notes = (f"{row['returned']} comments per page" if row["scenario"] == "read"
             else "created " + ", ".join(f"{n} {status}" for status, n in row["created"].items()))
    if errors:
        notes += f"; errors {errors}"
    db_ms = "-" if row["db"] is None else f"{row['db'] * TICK_MS / count:.2f}"
    print(f"{row['rev'][:13]:<14}{row['backend']:<12}{row['scenario']:<10}{clients:>3}{count / row['elapsed']:>9.1f}"
          f"{p50:>8.1f}{p90:>8.1f}{p99:>8.1f}{p90 / p50:>9.2f}{row['server'] * TICK_MS / count:>8.2f}{db_ms:>7}"
          f"{row['load']:>6.2f}{other:>7.0f}  {notes}", flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", action="append", help="a git revision or a folder of code to serve [.: this checkout]")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=1, help="runs of every version, in alternating order [1]")
    parser.add_argument("--articles", type=int, default=100, help="fresh articles taking the posts [100]")
    parser.add_argument("--preload", action="store_true", help="gunicorn --preload: the app is built before forking")
    parser.add_argument("--model", default=os.environ.get("MODERATION_MODEL_PATH", "instance/model.skops"))
    parser.add_argument("--harness", help="instead of this script's load, run this peer benchmark's (SCRIPT load)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not Path(args.model).is_file():
        sys.exit(f"No model at {args.model}: run `make model` first or pass --model.")
    revs = args.rev or ["."]
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    folder = Path(tempfile.mkdtemp(prefix="parley-hot-threads-"))
    try:
        codes = {rev: checkout(rev, folder) for rev in revs}
        load = (f"load: {args.harness}" if args.harness else
                f"{args.clients} clients, {args.warmup:g} s warm-up + {args.seconds:g} s per row")
        print(f"gunicorn -w {args.workers}{' --preload' if args.preload else ''}, {load}; {os.cpu_count()} cores",
              flush=True)
        for backend in backends:
            with ExitStack() as stack:
                targets = [stack.enter_context(served(rev, codes[rev], backend, number, args))
                           for number, rev in enumerate(revs)]
                if args.harness:
                    for target in targets:
                        run_harness(args.harness, target)
                    continue
                print(HEADER, flush=True)
                rows = []
                for round_number in range(args.rounds):
                    for target in targets if round_number % 2 == 0 else targets[::-1]:
                        for scenario in ("read", "post"):
                            rows.append(measure(target, scenario, args))
                            print_row(rows[-1], args.clients)
                if args.rounds > 1:
                    print(f"all {args.rounds} rounds:")
                    for target in targets:
                        for scenario in ("read", "post"):
                            print_row(pooled([row for row in rows if row["rev"] == target.rev
                                              and row["scenario"] == scenario]), args.clients)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
