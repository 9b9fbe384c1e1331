"""Fixtures: the app on SQLite and on PostgreSQL, clients, the CLI runner, and the trained model.

Every test that takes ``app`` runs once per database backend. The schema is built once per backend
by the real migrations; each test then starts from empty tables.
"""
import os
import shutil
import uuid

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from forum import create_app
from forum.extensions import db
from tests.factories import ApiActions, PageActions
from tests.model_fixtures import base_model, base_model_path  # noqa: F401  (fixtures)

PG_ADMIN_URL = os.environ.get("PARLEY_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


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


BACKENDS = _backends()


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
    }


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory):
    """A migrated, empty database per backend; yields a function that gives a fresh one per test."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
        _migrate(f"sqlite:///{template}", tmp_path_factory)

        def fresh(tmp_path):
            path = tmp_path / "parley.sqlite3"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}", lambda: None

        yield fresh
        return
    name = f"parley_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    _migrate(url, tmp_path_factory)
    engine = create_engine(url)

    def truncate():
        with engine.begin() as conn:
            tables = [r[0] for r in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))

    yield lambda tmp_path: (url, truncate)
    engine.dispose()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(url: str, tmp_path_factory) -> None:
    app = create_app(base_config(url, "/nonexistent"))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture
def make_app(database, base_model_path, tmp_path):  # noqa: F811
    """Return a factory of apps (think: workers) on one fresh database, with config overrides."""
    url, cleanup = database(tmp_path)
    apps = []

    def make(**overrides):
        apps.append(create_app({**base_config(url, str(base_model_path)), **overrides}))
        return apps[-1]

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
