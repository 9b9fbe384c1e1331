"""Rate limits answer 429 in the API's error shape, in memory and shared through Redis."""
import os

import pytest
import redis

from tests.factories import PASSWORD, ApiActions, PageActions

REDIS_URL = os.environ.get("PARLEY_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _redis_reachable() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("PARLEY_REQUIRE_REDIS") == "1":
            raise
        return False


def login_attempts(client, count):
    return [client.post("/api/v1/auth/token", json={"username": "alice", "password": "wrong-password"}).status_code
            for _ in range(count)]


def test_login_is_limited_in_memory(make_app):
    api = ApiActions(make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute"))
    api.register("alice")
    statuses = login_attempts(api.client, 4)
    assert statuses == [401, 401, 401, 429]
    response = api.client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_posting_is_limited(make_app):
    api = ApiActions(make_app(RATELIMIT_ENABLED=True, RATELIMIT_POST="2 per minute"))
    api.article()
    alice = api.reader("alice")
    statuses = [api.post(alice, f"Civil comment number {n} on the budget.").status_code for n in range(3)]
    assert statuses == [201, 201, 429]


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis server reachable")
def test_limits_are_shared_between_workers_through_redis(make_app):
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()  # the tests' own database number: earlier runs' counters must not count
    config = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_REGISTER": "2 per minute"}
    workers = [make_app(**config).test_client() for _ in range(2)]
    statuses = [workers[n % 2].post("/api/v1/auth/register", json={
        "username": f"user{n}", "email": f"u{n}@example.org", "password": PASSWORD}).status_code for n in range(3)]
    assert statuses == [201, 201, 429]
    assert store.keys("*register*")


def page_login(pages, username, *, address="127.0.0.1"):
    token = pages.csrf("/login")
    return pages.client.post("/login", data={"csrf_token": token, "username": username, "password": "wrong-password"},
                             environ_base={"REMOTE_ADDR": address}).status_code


def api_login(client, username, *, address="127.0.0.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": "wrong-password"},
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_page_and_api_logins_share_one_budget_per_client(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute")
    api, pages = ApiActions(app), PageActions(app)
    statuses = [api_login(api.client, "alice"), page_login(pages, "bob"), api_login(api.client, "carol")]
    assert statuses == [401, 401, 401]
    assert page_login(pages, "dave") == 429
    assert api_login(api.client, "erin") == 429
    assert api_login(api.client, "erin", address="10.0.0.9") == 401


@pytest.mark.parametrize("registered", [True, False])
def test_one_account_has_one_login_budget_from_every_address_and_door(make_app, registered):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_ACCOUNT="3 per minute")
    api, pages = ApiActions(app), PageActions(app)
    if registered:
        api.register("alice")
    statuses = [api_login(api.client, "alice", address="10.0.0.1"), page_login(pages, "ALICE", address="10.0.0.2"),
                api_login(api.client, "Alice", address="10.0.0.3")]
    assert statuses == [401, 401, 401]
    # The same answer whether or not the account exists: the limit tells nothing either.
    assert page_login(pages, "alice", address="10.0.0.4") == 429
    assert api_login(api.client, "aLiCe", address="10.0.0.5") == 429
    assert api_login(api.client, "bob", address="10.0.0.5") == 401


def test_a_username_with_a_lone_surrogate_counts_against_its_budget_too(make_app, caplog):
    # Its key could not be encoded: the limiter logged a traceback and let the request through
    # uncounted (after switching a shared storage to the worker's memory).
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    client = ApiActions(app).client
    statuses = [client.post("/api/v1/auth/token", data='{"username": "al\\ud800ice", "password": "wrong-password"}',
                            content_type="application/json", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
                for n in range(3)]
    assert statuses == [422, 422, 429]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_page_and_api_registrations_share_one_budget_per_client(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_REGISTER="2 per minute")
    api, pages = ApiActions(app), PageActions(app)
    assert api.register("alice").status_code == 201
    assert pages.submit("/register", {"username": "bob", "email": "bob@example.org", "password": PASSWORD},
                        page="/register").status_code == 302
    assert api.register("carol").status_code == 429
    assert pages.submit("/register", {"username": "dave", "email": "dave@example.org", "password": PASSWORD},
                        page="/register").status_code == 429
