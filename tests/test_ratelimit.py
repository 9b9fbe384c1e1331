"""Rate limits answer 429 in the API's error shape, in memory and shared through Redis."""
import os

import pytest
import redis

from tests.factories import PASSWORD, ApiActions

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
