"""Fixtures: the app on SQLite and on PostgreSQL, clients, the CLI runner, and the trained model.

Every test that takes ``app`` (or anything built on it) runs once per database backend, as
``[sqlite]`` and ``[postgresql]``. A test whose outcome cannot depend on the database (pure logic,
rendering, the classifier, an authorisation matrix whose routes are tested on both elsewhere) is
marked ``backend_independent`` (on the test, or ``pytestmark`` for a module) and runs on SQLite
only. Each backend's schema is built by the real migrations once per test process, when first
needed; each test then starts from empty tables.

Under pytest-xdist (``make test`` runs two workers) every worker has its own PostgreSQL database,
its own SQLite files and its own Redis database number (``PARLEY_TEST_REDIS``, read by the tests
that use Redis); the trained base model is shared, behind a file lock (tests/model_fixtures.py).
"""
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import jinja2
import psycopg
import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from forum import create_app
from forum.extensions import db
from tests.factories import ApiActions, PageActions
from tests.mail_server import mail_app, mail_server  # noqa: F401  (fixtures)
from tests.model_fixtures import base_model, base_model_path  # noqa: F401  (fixtures)
from tests.screens import WordScreen
from tests.webhook_receiver import Receiver

PG_ADMIN_URL = os.environ.get("PARLEY_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
#: "gw0", "gw1"… in a pytest-xdist worker; "main" in a run without workers.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
REDIS_DATABASES = 16  # Redis's default number of databases


def _worker_redis_url(url: str) -> str:
    """Return ``url`` with a database number of this worker's own, counting down from the given one."""
    index = int(WORKER.removeprefix("gw")) if WORKER.startswith("gw") else 0
    base, _, number = url.rpartition("/")
    return f"{base}/{(int(number or 0) - index) % REDIS_DATABASES}"


# Set before the test modules are imported, so a module-level read of it sees this worker's number.
REDIS_URL = os.environ["PARLEY_TEST_REDIS"] = _worker_redis_url(
    os.environ.get("PARLEY_TEST_REDIS", "redis://127.0.0.1:6379/15"))


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _backends() -> list:
    backends = ["sqlite"]
    if _postgres_reachable():
        backends.append("postgresql")
    elif os.environ.get("PARLEY_REQUIRE_POSTGRES") == "1":
        raise RuntimeError(f"PostgreSQL must run for this test run but {PG_ADMIN_URL} does not answer.")
    return backends


def _check_redis() -> None:
    """Fail the whole run at once when Redis is required (CI) and does not answer."""
    if os.environ.get("PARLEY_REQUIRE_REDIS") != "1":
        return
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        raise RuntimeError(f"Redis must run for this test run but {REDIS_URL} does not answer: {exc}") from None


BACKENDS = _backends()
_check_redis()


def _reuse_url_builders() -> None:
    """Compile each URL rule's builder once per test process rather than once per app.

    Werkzeug compiles two small Python functions for every rule it adds to a map (``url_for``'s
    builders), and that was 90 % of ``create_app``: about 0.1 s for each of the suite's 2,000-odd
    apps. A builder is a pure function of the rule's text, its parsed parts, its defaults and
    converters: it reaches the rule only through its ``.self`` argument, bound afterwards. So the
    same rule in a later app gets the same function, bound to its own rule object.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    built: dict = {}

    def reused(rule, append_unknown=True):
        key = (rule.rule, rule.subdomain, rule.host, tuple(rule._trace), append_unknown,
               repr(sorted((rule.defaults or {}).items())),
               tuple(sorted((name, type(c), vars(c).get("regex")) for name, c in rule._converters.items())))
        if key not in built:
            built[key] = compile_builder(rule, append_unknown)
        return built[key]

    Rule._compile_builder = reused


_reuse_url_builders()

#: The databases whose engines the test process's apps share (``_share_engines``).
_SHARED_ENGINE_URLS: set[str] = set()


def _share_engines() -> None:
    """Give every app of the test process one engine per test database and engine options.

    SQLAlchemy caches each statement's compiled SQL in its engine. Each test makes its own app,
    and so its own engine, and compiled every statement it ran again: about a fifth of the time of
    a test that posts comments. An app in production keeps its engine for its life, as the tests'
    apps now do. Each test still starts from an empty database (``Databases``); apps dispose of
    their connections when their test ends.
    """
    from flask_sqlalchemy import SQLAlchemy

    make_engine = SQLAlchemy._make_engine
    engines: dict = {}

    def shared(self, bind_key, options, app):
        url = str(options["url"])
        if url not in _SHARED_ENGINE_URLS:
            return make_engine(self, bind_key, options, app)
        key = (url, repr(sorted((name, value) for name, value in options.items() if name != "url")))
        if key not in engines:
            engines[key] = make_engine(self, bind_key, options, app)
        return engines[key]

    SQLAlchemy._make_engine = shared


_share_engines()


class _SharedTemplateCode(jinja2.BytecodeCache):
    """Compiled templates shared by the test process's apps.

    Each test makes its own app, and each app's Jinja environment compiled every template it
    rendered again: a page's layout, and the two parts of the confirmation mail every registration
    sends (20 ms a reader). Jinja checks each entry against its template's source, so an edited
    template is compiled afresh.
    """

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _SharedTemplateCode()


#: Tests that passed in this process (under xdist, the controller's count is the whole run's).
_passed = {"count": 0}


def pytest_generate_tests(metafunc):
    """Run every test that needs a database on each backend, or on SQLite alone if marked so."""
    if "backend" in metafunc.fixturenames:
        independent = metafunc.definition.get_closest_marker("backend_independent") is not None
        metafunc.parametrize("backend", BACKENDS[:1] if independent else BACKENDS)


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        _passed["count"] += 1


def pytest_sessionfinish(session, exitstatus):
    """Never let a run that passed no test at all (everything skipped or deselected) exit 0."""
    config = session.config
    if hasattr(config, "workerinput") or config.option.collectonly:
        return  # a worker may get no test; the controller judges the whole run
    if exitstatus == pytest.ExitCode.OK and _passed["count"] == 0:
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED
        _passed["none"] = True


def pytest_terminal_summary(terminalreporter):
    if _passed.get("none"):
        terminalreporter.write_sep("=", "no test passed (all skipped or deselected): the run fails", red=True)


def base_config(database_url: str, model_path: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "PUBLISHER_API_KEY": "test-publisher-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MODERATION_MODEL_PATH": model_path,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Tests post the same texts fast from one account; the spam rules' own tests turn these on.
        "MODERATION_REPEAT_POST_HOLD": False,
        "MODERATION_BURST_LIMIT": 0,
    }


#: Where the SQLite test databases live: in memory when the machine has a tmpfs. Each commit of a
#: file on disk waits for the disk (3.5 ms here, against 0.06 ms in memory), and a suite of
#: thousands of tests commits tens of thousands of times; the SQL and SQLite's own work are the same.
_MEMORY_DIR = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


class Databases:
    """Each backend's migrated, empty database, made on first use and kept for the test process.

    Kept rather than parametrised per session: with tests of many modules interleaved (as xdist
    hands them out), a session fixture per backend would be torn down and migrated again at every
    switch between SQLite and PostgreSQL.
    """

    def __init__(self):
        self._fresh: dict = {}
        self._closers: list = []

    def fresh(self, backend: str) -> tuple:
        """Return (url, cleanup) of an empty database of ``backend`` for one test."""
        if backend not in self._fresh:
            self._fresh[backend] = {"sqlite": self._sqlite, "postgresql": self._postgresql}[backend]()
        return self._fresh[backend]()

    def _sqlite(self):
        folder = Path(tempfile.mkdtemp(prefix=f"parley-{WORKER}-", dir=_MEMORY_DIR))
        self._closers.append(lambda: shutil.rmtree(folder, ignore_errors=True))
        template, path = folder / "template.sqlite3", folder / "parley.sqlite3"
        _migrate(f"sqlite:///{template}")
        url = f"sqlite:///{path}"
        _SHARED_ENGINE_URLS.add(url)

        def fresh():
            # The previous test's apps have disposed of their connections (make_app), so the file
            # can be replaced: the shared engine's next connection opens the empty copy.
            shutil.copyfile(template, path)
            return url, lambda: None

        return fresh

    def _postgresql(self):
        name = f"parley_test_{WORKER}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            # What a commit waits for is the disk, and nothing here outlives the run (see _MEMORY_DIR).
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        self._closers.append(lambda: _drop_database(name))
        url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
        _migrate(url)
        _SHARED_ENGINE_URLS.add(url)
        engine = create_engine(url)
        self._closers.append(engine.dispose)

        with engine.connect() as conn:
            tables = conn.scalars(text("SELECT tablename FROM pg_tables "
                                       "WHERE schemaname = 'public' AND tablename <> 'alembic_version'")).all()
            sequences = conn.scalars(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")).all()
        # DELETE rather than TRUNCATE: a test leaves a few rows in a few tables, and TRUNCATE gives
        # each of the tables new files (about 0.3 s a test on this machine, against 10 ms). The
        # replica role skips the foreign-key triggers, so the order of the tables does not matter.
        empty = (["SET LOCAL session_replication_role = replica"] + [f'DELETE FROM "{t}"' for t in tables]
                 + ["SELECT " + ", ".join(f"setval('\"{s}\"', 1, false)" for s in sequences)])

        def clear():
            with engine.begin() as conn:
                conn.execute(text("; ".join(empty)))

        return lambda: (url, clear)

    def close(self) -> None:
        for closer in reversed(self._closers):
            closer()


def _drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(url: str) -> None:
    app = create_app(base_config(url, "/nonexistent"))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def databases():
    made = Databases()
    yield made
    made.close()


@pytest.fixture
def database(databases, backend):
    """Return a function that gives a fresh database of this test's backend: (url, cleanup)."""
    return lambda: databases.fresh(backend)


@pytest.fixture
def make_app(request, database, base_model_path):  # noqa: F811
    """Return a factory of apps (think: workers) on one fresh database, with config overrides.

    Comments are screened by the deterministic ``WordScreen``, so no web test depends on what the
    trained model scores. A test about the model is marked ``real_model`` (or passes
    ``SCREEN=None``) and is screened by the trained model instead.
    """
    url, cleanup = database()
    apps = []
    screen = {} if request.node.get_closest_marker("real_model") else {"SCREEN": WordScreen()}

    def make(**overrides):
        app = create_app({**base_config(url, str(base_model_path)), **screen, **overrides})
        app.jinja_env.bytecode_cache = _TEMPLATE_CODE
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    cleanup()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def redis_url():
    """Return this worker's own Redis database URL (tests that flush it clash with no other)."""
    return REDIS_URL


@pytest.fixture
def receiver():
    """A real HTTP receiver for webhooks on loopback, stopped after the test."""
    made = Receiver()
    yield made
    made.stop()


@pytest.fixture
def api(app):
    """JSON API actions: register readers, get tokens, register articles, post comments."""
    return ApiActions(app)


@pytest.fixture
def readers(api):
    """Alice and Bob, signed in over the API, and an article to comment on."""
    api.article()
    return api.reader("alice"), api.reader("bob")


@pytest.fixture
def pages(app):
    """Browser-like actions on the HTML pages, with real CSRF tokens."""
    return PageActions(app)
