"""Benchmark a mixed load on gunicorn with PostgreSQL: the highest rate with p99 under 100 ms.

Starts gunicorn (``RATELIMIT_ENABLED=false``) on a free loopback port against its own PostgreSQL
database ``parley_bench_load`` (created, migrated with ``db upgrade``, dropped at the end), seeds it
through the CLI and the public API (an article with a thread of comments and replies by readers, a
pre-moderated article whose comments wait for a moderator), then offers an open-loop load from this
process: requests are due at a fixed rate, 80 % thread reads, 10 % posts, 5 % likes and 5 % decisions,
and a pool of threads sends them. A latency counts from the moment its request was due, so a
server that falls behind cannot hide it by slowing the client down. Half of the posts go to the
pre-moderated article, so the queue is fed as fast as the moderator empties it.

The rate steps up (``--rates``, ``--step-seconds`` each) until a step has p99 >= 100 ms or any
error; the highest passing rate then runs for ``--seconds`` (60), and if that fails, the rate below
it does. Every step sends at most rate x duration requests and stops by itself.

    .venv/bin/python bench/load.py [--workers 4] [--rates 10,20,40,...] [--step-seconds 15]
                                   [--seconds 60] [--model instance/model.skops]
"""
import sys
from pathlib import Path

# Run as a script: import the project from the repository root.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import collections  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import queue  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from bench.pgdb import drop_database, fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_BENCH_DB = "parley_bench_load"
PUBLISHER_KEY = "bench-publisher-key"
PASSWORD = "Lantern-Quartz-Meadow-81"
OPEN, PREMOD = "council-budget", "premod-story"
MIX = (("read", 80), ("post", 10), ("like", 5), ("decide", 5))
EXPECTED = {"read": 200, "post": 201, "like": 200, "decide": 200}
P99_LIMIT_MS = 100.0
TIMEOUT = 10.0
CLIENT_THREADS = 64
WORDS = ("buses", "parking fees", "the council", "the shops", "night buses", "the budget", "cycle lanes",
         "the bridge", "the timetable", "school runs", "the opposition", "Quay Street")
OPENERS = ("I think", "Honestly,", "As a commuter,", "My view:", "Good point, but", "Agreed:", "Not sure, but")
CLOSERS = ("will help.", "needs a second look.", "was long overdue.", "is worth the money.",
           "should be explained better.", "matters more than the fees.")


class Client:
    """HTTP/1.1 to the server on loopback, one connection per thread, reopened when closed."""

    def __init__(self, port: int):
        self.port = port
        self._local = threading.local()

    def call(self, method: str, path: str, body=None, token=None) -> tuple[int, dict]:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if path.startswith("/api/v1/articles/") and method == "PUT":
            headers["X-API-Key"] = PUBLISHER_KEY
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            self._local.conn = None
            raise
        if response.will_close:
            conn.close()
        return response.status, (json.loads(data) if data and data[:1] in (b"{", b"[") else {})


def comment_text(rng: random.Random, n: int) -> str:
    """Return a civil comment, different each time (near-duplicates may be held as spam)."""
    return f"{rng.choice(OPENERS)} {rng.choice(WORDS)} {rng.choice(CLOSERS)} ({n}, {rng.choice(WORDS)})"


class Scene:
    """What the load works on: readers' tokens, the moderator's, published comment ids, the queue."""

    def __init__(self):
        self.readers: list[str] = []
        self.moderator = ""
        self.published: list[int] = []
        self.queued: collections.deque = collections.deque()
        self.lock = threading.Lock()
        self.counter = 0

    def next_number(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter


def post(client: Client, scene: Scene, rng: random.Random, token: str, article: str, parent=None) -> int:
    """Post a comment; remember it as published or queued; return the HTTP status."""
    body = {"body": comment_text(rng, scene.next_number())}
    if parent is not None:
        body["parent_id"] = parent
    status, data = client.call("POST", f"/api/v1/articles/{article}/comments", body, token)
    if status == 201:
        comment = data["comment"]
        if comment["status"] == "published":
            scene.published.append(comment["id"])
        elif article == PREMOD:
            scene.queued.append(comment["id"])
    return status


def seed(client: Client, env: dict, readers: int, thread: int, queued: int) -> Scene:
    """Create the articles, readers, moderator, thread and queue through the CLI and the API."""
    scene = Scene()
    body = ("The council approved the budget. Buses get 12 million more, paid for by higher parking fees in the "
            "centre.")
    for article_id, extra in ((OPEN, {}), (PREMOD, {"moderation_mode": "pre"})):
        # One URL belongs to one article.
        status, data = client.call("PUT", f"/api/v1/articles/{article_id}", {
            "url": f"https://news.example.org/{article_id}", "body": body, "title": f"Budget: {article_id}", **extra})
        assert status in (200, 201), (status, data)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "users", "create", "mod", "--email",
                    "mod@example.org", "--password", PASSWORD, "--role", "moderator"],
                   cwd=ROOT, env=env, check=True, capture_output=True)

    def token(username: str) -> str:
        status, data = client.call("POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD})
        assert status == 200, (status, data)
        return data["token"]

    def reader(n: int) -> str:
        name = f"reader{n}"
        status, data = client.call("POST", "/api/v1/auth/register",
                                   {"username": name, "email": f"{name}@example.org", "password": PASSWORD})
        assert status == 201, (status, data)
        return token(name)

    with ThreadPoolExecutor(8) as pool:
        scene.readers = list(pool.map(reader, range(readers)))
        scene.moderator = token("mod")
        # The first third of the thread are top-level comments, the rest replies to earlier ones.
        list(pool.map(lambda n: post(client, scene, random.Random(n), scene.readers[n % readers], OPEN),
                      range(thread // 3)))
        list(pool.map(lambda n: post(client, scene, random.Random(n), scene.readers[n % readers], OPEN,
                                     random.Random(n).choice(scene.published)), range(thread // 3, thread)))
        list(pool.map(lambda n: post(client, scene, random.Random(n), scene.readers[n % readers], PREMOD),
                      range(queued)))
    return scene


def act(client: Client, scene: Scene, kind: str, rng: random.Random) -> int:
    """Send one request of ``kind``; return its HTTP status."""
    reader = rng.choice(scene.readers)
    if kind == "read":
        signed_in = rng.random() < 0.5
        return client.call("GET", f"/api/v1/articles/{OPEN}/comments", token=reader if signed_in else None)[0]
    if kind == "post":
        if rng.random() < 0.5:
            return post(client, scene, rng, reader, PREMOD)
        parent = rng.choice(scene.published) if rng.random() < 0.35 else None
        return post(client, scene, rng, reader, OPEN, parent)
    if kind == "like":
        status, _ = client.call("POST", f"/api/v1/comments/{rng.choice(scene.published)}/reactions", token=reader)
        return status
    try:
        comment_id = scene.queued.popleft()
    except IndexError:
        return -1  # the queue ran dry: a flaw of the bench's mix, reported as an error
    decision = {"action": "approve"} if rng.random() < 0.5 else {"action": "reject", "reason": "spam"}
    status, _ = client.call("POST", f"/api/v1/moderation/comments/{comment_id}/decision", decision, scene.moderator)
    return status


def run_step(client: Client, scene: Scene, rate: float, seconds: float, seed_value: int) -> dict:
    """Offer ``rate`` requests a second for ``seconds``; return latencies and errors per kind."""
    rng = random.Random(seed_value)
    count = int(rate * seconds)
    kinds = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX], k=count)
    tickets: queue.Queue = queue.Queue()
    start = time.perf_counter() + 0.2
    for i, kind in enumerate(kinds):
        tickets.put((start + i / rate, kind, i))
    deadline = start + seconds + TIMEOUT
    results = {k: {"ms": [], "errors": collections.Counter()} for k, _ in MIX}
    lag, lock = [], threading.Lock()

    def worker():
        local_rng = random.Random(seed_value * 1000 + threading.get_ident())
        while True:
            try:
                due, kind, _ = tickets.get_nowait()
            except queue.Empty:
                return
            now = time.perf_counter()
            if now > deadline:
                with lock:
                    results[kind]["errors"]["not sent in time"] += 1
                continue
            if due > now:
                time.sleep(due - now)
            sent = time.perf_counter()
            try:
                status = act(client, scene, kind, local_rng)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
            done = time.perf_counter()
            with lock:
                lag.append(sent - due)
                if status == EXPECTED[kind]:
                    results[kind]["ms"].append((done - due) * 1000)
                else:
                    results[kind]["errors"][str(status)] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {"rate": rate, "seconds": seconds, "elapsed": elapsed, "kinds": results, "lag": lag}


def percentile(values: list, q: float) -> float:
    """Return the nearest-rank ``q`` percentile of ``values`` (nan when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def summary(step: dict) -> tuple[float, int]:
    """Return the step's overall p99 (ms) and error count."""
    every = [ms for r in step["kinds"].values() for ms in r["ms"]]
    errors = sum(sum(r["errors"].values()) for r in step["kinds"].values())
    return percentile(every, 99), errors


def passed(step: dict) -> bool:
    p99, errors = summary(step)
    return errors == 0 and p99 < P99_LIMIT_MS


def print_step(step: dict) -> None:
    p99, errors = summary(step)
    sent = sum(len(r["ms"]) + sum(r["errors"].values()) for r in step["kinds"].values())
    print(f"{step['rate']:7.0f}/s for {step['seconds']:.0f} s: {sent} requests in {step['elapsed']:.1f} s, "
          f"p99 {p99:.1f} ms, {errors} errors, client lag p99 {percentile(step['lag'], 99) * 1000:.1f} ms: "
          f"{'pass' if passed(step) else 'FAIL'}", flush=True)


def print_table(step: dict) -> None:
    print(f"\n{step['rate']:.0f} requests/s offered for {step['seconds']:.0f} s "
          f"(latency from the time each request was due, ms):")
    print(f"{'request':<10}{'count':>8}{'errors':>8}{'p50':>9}{'p90':>9}{'p99':>9}")
    rows = list(step["kinds"].items()) + [("all", {"ms": [ms for r in step["kinds"].values() for ms in r["ms"]],
                                                   "errors": sum((r["errors"] for r in step["kinds"].values()),
                                                                 collections.Counter())})]
    for kind, r in rows:
        errors = sum(r["errors"].values())
        print(f"{kind:<10}{len(r['ms']) + errors:>8}{errors:>8}{percentile(r['ms'], 50):>9.1f}"
              f"{percentile(r['ms'], 90):>9.1f}{percentile(r['ms'], 99):>9.1f}"
              + (f"  {dict(r['errors'])}" if errors else ""))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served_env(database_url: str, model: str, **extra) -> dict:
    """Return the environment of a Parley a benchmark serves: its database, the model, fixed keys,
    no rate limits, and ``extra``."""
    return {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret",
            "PUBLISHER_API_KEY": PUBLISHER_KEY, "MODERATION_MODEL_PATH": str(Path(model).resolve()),
            "RATELIMIT_ENABLED": "false", "RATELIMIT_STORAGE_URI": "memory://", **extra}


def migrate(env: dict, code: Path = ROOT) -> None:
    """Run ``flask --app wsgi db upgrade`` of the code in ``code`` on the database ``env`` names."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=code, env=env,
                   check=True, capture_output=True)


def wait_until_healthy(server: subprocess.Popen, port: int, timeout: float) -> subprocess.Popen:
    """Return ``server`` once its /healthz answers 200; stop it and raise if that takes ``timeout`` s."""
    client, until = Client(port), time.monotonic() + timeout
    while time.monotonic() < until:
        try:
            if client.call("GET", "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        time.sleep(0.3)
    server.terminate()
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:g} s")


def start_server(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    """Start gunicorn and wait until /healthz answers 200."""
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "--threads", str(threads),
               "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    return wait_until_healthy(subprocess.Popen(command, cwd=ROOT, env=env), port, 60)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers [4]")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker [1: sync workers]")
    parser.add_argument("--rates", default="10,20,40,60,80,100,120,150,180,220,260,300",
                        help="offered rates to step through, requests/s")
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--seconds", type=float, default=60, help="the final run at the highest passing rate [60]")
    parser.add_argument("--model", default=str(ROOT / "instance" / "model.skops"), help="the model artifact")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--thread", type=int, default=300, help="comments in the read thread before the load")
    parser.add_argument("--queued", type=int, default=300, help="comments waiting for the moderator before the load")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not Path(args.model).is_file():
        sys.exit(f"No model at {args.model}: run `make model` first or pass --model.")
    env = served_env(fresh_database(PG_BENCH_DB), args.model)
    server = None
    try:
        migrate(env)
        port = free_port()
        server = start_server(env, port, args.workers, args.threads)
        client = Client(port)
        started = time.perf_counter()
        scene = seed(client, env, args.readers, args.thread, args.queued)
        print(f"gunicorn: {args.workers} workers x {args.threads} threads on 127.0.0.1:{port}; seeded "
              f"{len(scene.readers)} readers, {len(scene.published)} published comments, "
              f"{len(scene.queued)} queued, in {time.perf_counter() - started:.1f} s", flush=True)
        run_step(client, scene, 10, 5, seed_value=0)  # warm-up: every worker loads the model
        rates = [float(r) for r in args.rates.split(",")]
        good = []
        for n, rate in enumerate(rates, start=1):
            step = run_step(client, scene, rate, args.step_seconds, seed_value=n)
            print_step(step)
            if not passed(step):
                print_table(step)
                break
            good.append(rate)
        if not good:
            print("No rate passed.")
            return 1
        for rate in reversed(good[-2:]):
            final = run_step(client, scene, rate, args.seconds, seed_value=100)
            print_step(final)
            print_table(final)
            if passed(final):
                print(f"\nHighest rate with p99 < {P99_LIMIT_MS:.0f} ms and no error for {args.seconds:.0f} s: "
                      f"{rate:.0f} requests/s")
                return 0
        return 1
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        drop_database(PG_BENCH_DB)


if __name__ == "__main__":
    sys.exit(main())
