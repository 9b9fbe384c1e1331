"""Broken parts on loopback: Redis gone, a database that refuses or never answers, a locked SQLite.

Each answers in the contract's shape and in time; /healthz names the failing part.
"""
import logging
import socket
import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from forum import create_app
from forum.extensions import db
from tests.conftest import base_config
from tests.factories import PASSWORD, ApiActions, PageActions


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connections to it are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_server():
    """A loopback server that accepts connections and never says a word; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


# Redis unreachable: the limits fall back to memory, logged, and nothing answers 500.

def _redis_down(make_app, closed_port, **limits):
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port}/0", **limits)


def test_without_redis_readers_still_register_log_in_post_and_report(make_app, closed_port, caplog):
    api = ApiActions(_redis_down(make_app, closed_port))
    api.article()
    with caplog.at_level(logging.WARNING):
        assert api.register("alice").status_code == 201
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
    alice = api.login("alice")
    comment = api.comment(alice, "The new bus routes are a good start for the centre.")
    bob = api.reader("bob")
    report = api.client.post(f"/api/v1/comments/{comment['id']}/reports", json={"reason": "spam"}, headers=bob)
    assert report.status_code == 201
    pages = PageActions(api.app)
    pages.login("alice")
    health = api.client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["status"] == "ok" and health.get_json()["rate_limits"].startswith("degraded")


def test_without_redis_the_limits_still_hold_in_memory(make_app, closed_port):
    api = ApiActions(_redis_down(make_app, closed_port, RATELIMIT_LOGIN="2 per minute"))
    api.register("alice")
    statuses = [api.client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]


# The database refuses connections: 503 database_unavailable, a plain page for HTML.

@pytest.fixture
def refused_app(closed_port, base_model_path):
    return create_app(base_config(f"postgresql+psycopg://nobody@127.0.0.1:{closed_port}/none", str(base_model_path)))


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/api/v1/articles/council-budget", None),
    ("GET", "/api/v1/articles/council-budget/comments", None),
    ("POST", "/api/v1/auth/token", {"username": "alice", "password": PASSWORD}),
    ("POST", "/api/v1/auth/register", {"username": "alice", "email": "a@example.org", "password": PASSWORD}),
])
def test_api_answers_503_when_the_database_refuses(refused_app, method, path, body):
    response = refused_app.test_client().open(path, method=method, json=body)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/", "/articles/council-budget", "/users/alice"])
def test_pages_answer_a_plain_503_when_the_database_refuses(refused_app, path):
    response = refused_app.test_client().get(path, headers={"Accept": "text/html"})
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "Temporarily unavailable" in response.get_data(as_text=True)


def test_the_login_form_answers_a_plain_503_when_the_database_refuses(refused_app):
    response = PageActions(refused_app).submit("/login", {"username": "alice", "password": PASSWORD}, page="/login")
    assert response.status_code == 503 and "Temporarily unavailable" in response.get_data(as_text=True)


def test_healthz_names_the_database_when_it_refuses(refused_app):
    response = refused_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error" and response.get_json()["database"].startswith("error")
    assert response.get_json()["model"] == "ok"


# A database that accepts connections and never answers: 503 within 5 seconds, not a 30-second hang.

@pytest.mark.parametrize(("path", "status_field"), [("/healthz", "database"), ("/api/v1/articles/x", "error")])
def test_a_silent_database_answers_503_within_five_seconds(silent_server, base_model_path, path, status_field):
    app = create_app(base_config(f"postgresql+psycopg://nobody@127.0.0.1:{silent_server}/none",
                                 str(base_model_path)))
    started = time.monotonic()
    response = app.test_client().get(path)
    assert time.monotonic() - started < 5
    assert response.status_code == 503 and status_field in response.get_json()


def _backend(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+")[0]


def test_postgresql_statements_have_a_timeout(make_app):
    app = make_app(DATABASE_STATEMENT_TIMEOUT=0.2)
    if _backend(app) != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with app.app_context(), pytest.raises(Exception, match="statement timeout"):
        db.session.execute(text("SELECT pg_sleep(2)"))


def test_a_locked_sqlite_database_answers_503_after_its_busy_timeout(make_app):
    app = make_app(SQLITE_BUSY_TIMEOUT=0.2)
    if _backend(app) != "sqlite":
        pytest.skip("an SQLite setting")
    api = ApiActions(app)
    api.article()
    alice = api.reader("alice")
    holder = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        response = api.post(alice, "A civil remark while another writer holds the lock.")
        assert time.monotonic() - started < 5
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "database_unavailable"
    assert api.thread()["comments"] == []
