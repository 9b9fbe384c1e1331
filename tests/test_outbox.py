"""The outbox worker against a real receiver: signatures, retries, a receiver that is down, giving
up, rotation, redirects, addresses checked at delivery, and worker processes (restart, two at once,
woken by a commit)."""
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from forum import PROJECT_ROOT
from forum.extensions import db
from forum.models import utcnow
from forum.outbox.models import OutboxItem
from tests.factories import OPENING, ApiActions
from tests.test_webhooks import HOOKS, add_webhook, drain
from tests.webhook_receiver import verify

FAST = {"WEBHOOKS_ALLOW_PRIVATE_URLS": True, "OUTBOX_RETRY_DELAYS": [0.2], "OUTBOX_POLL_INTERVAL": 0.05}


@pytest.fixture
def app(make_app):
    return make_app(**FAST)


@pytest.fixture
def hook(api, receiver):
    """An admin's header, the article, a reader's header, and a webhook for new comments at the receiver."""
    admin = api.staff("ada", "admin")
    api.article()
    return {"admin": admin, "rex": api.reader("rex"),
            **add_webhook(api, admin, receiver.url, ["comment.created"])}


def deliveries(api, hook, **params) -> dict:
    response = api.client.get(f"{HOOKS}/{hook['id']}/deliveries", query_string=params, headers=hook["admin"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_delivery_is_signed_json_with_standard_webhooks_headers(app, api, hook, receiver):
    comment = api.comment(hook["rex"], OPENING)
    drain(app)
    request = receiver.wait_for(1)[0]
    payload = verify(hook["secret"], request)
    assert set(payload) == {"type", "timestamp", "data"} and payload["type"] == "comment.created"
    assert payload["data"]["comment"]["id"] == comment["id"]
    headers = request["headers"]
    assert headers["content-type"] == "application/json" and headers["webhook-id"].startswith("msg_")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 30
    assert request["path"] == "/hooks/parley"


def test_a_failed_attempt_is_retried_later_with_the_same_id(app, api, hook, receiver):
    # A delay no loaded machine outruns; time is then moved through the data.
    app.config["OUTBOX_RETRY_DELAYS"] = [60]
    receiver.script = [500]
    api.comment(hook["rex"], OPENING)
    drain(app)
    drain(app)  # the retry is not due yet
    assert len(receiver.requests) == 1
    with app.app_context():
        db.session.execute(update(OutboxItem).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    drain(app)
    first, second = receiver.wait_for(2)
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"] and first["body"] == second["body"]
    verify(hook["secret"], second)
    log = deliveries(api, hook)["deliveries"]
    assert [(d["attempt"], d["status_code"], d["succeeded"]) for d in log] == [(2, 200, True), (1, 500, False)]
    assert log[1]["error"] == "HTTP 500" and log[0]["error"] is None
    page = deliveries(api, hook, limit=1)
    assert [d["attempt"] for d in page["deliveries"]] == [2] and page["next_cursor"]
    rest = deliveries(api, hook, limit=1, cursor=page["next_cursor"])
    assert [d["attempt"] for d in rest["deliveries"]] == [1] and rest["next_cursor"] is None


def test_a_receiver_that_is_down_loses_nothing(app, api, hook, receiver):
    receiver.stop()
    ids = [api.comment(hook["rex"], f"{OPENING} ({n})")["id"] for n in range(3)]
    drain(app)
    log = deliveries(api, hook)["deliveries"]
    assert len(log) == 3 and all(d["status_code"] is None and d["error"] for d in log)
    receiver.start()
    time.sleep(0.3)
    drain(app)
    assert sorted(e["data"]["comment"]["id"] for e in receiver.events()) == ids


def test_the_worker_gives_up_after_the_limit_and_keeps_the_log(make_app, receiver):
    app = make_app(**FAST, OUTBOX_GIVE_UP_AFTER=0.5)
    api = ApiActions(app)
    admin = api.staff("ada", "admin")
    hook = {"admin": admin, **add_webhook(api, admin, receiver.url, ["article.created"])}
    receiver.script = [500] * 100
    api.article()
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        drain(app)
        time.sleep(0.1)
    attempts = len(receiver.requests)
    assert 2 <= attempts <= 4
    assert len(deliveries(api, hook)["deliveries"]) == attempts


def test_after_a_rotation_both_secrets_sign_for_a_while(make_app, app, api, hook, receiver):
    new = api.client.post(f"{HOOKS}/{hook['id']}/rotate", headers=hook["admin"]).get_json()["secret"]
    api.comment(hook["rex"], OPENING)
    drain(app)
    request = receiver.wait_for(1)[0]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    verify(new, request)
    verify(hook["secret"], request)
    later = make_app(**FAST, WEBHOOK_SECRET_OVERLAP=0)
    newest = ApiActions(later).client.post(f"{HOOKS}/{hook['id']}/rotate", headers=hook["admin"]).get_json()["secret"]
    api.comment(hook["rex"], OPENING + " Again.")
    drain(later)
    last = receiver.wait_for(2)[1]
    assert len(last["headers"]["webhook-signature"].split(" ")) == 1
    verify(newest, last)


def test_a_redirect_is_not_followed(app, api, hook, receiver):
    receiver.script = [302]
    api.comment(hook["rex"], OPENING)
    drain(app)
    assert [r["path"] for r in receiver.wait_for(1)] == ["/hooks/parley"]
    time.sleep(0.1)
    assert len(receiver.requests) == 1
    log = deliveries(api, hook)["deliveries"]
    assert log[0]["status_code"] == 302 and not log[0]["succeeded"] and "redirects" in log[0]["error"]


def test_the_address_is_checked_again_at_delivery(make_app, app, api, hook, receiver):
    """A webhook whose host now resolves to a private address (as after DNS rebinding) gets nothing."""
    strict = make_app(OUTBOX_RETRY_DELAYS=[0.2])
    api.comment(hook["rex"], OPENING)
    drain(strict)
    assert receiver.requests == []
    log = deliveries(api, hook)["deliveries"]
    assert log[0]["status_code"] is None and "private address (127.0.0.1)" in log[0]["error"]


# Worker processes -----------------------------------------------------------------------------


def start_worker(app, tmp_path, **config) -> subprocess.Popen:
    """Start ``flask --app wsgi worker`` on the test's database, as an operator would.

    Without the moderation plugin: webhooks are the forum's, and importing the classifier's
    libraries would be most of each start's time.
    """
    settings = {"OUTBOX_POLL_INTERVAL": 0.1, "OUTBOX_RETRY_DELAYS": [0.2], "PLUGINS": [], **config}
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "PARLEY_INSTANCE_PATH": str(tmp_path / "worker-instance"), "SECRET_KEY": "test-secret",
           "MODERATION_MODEL_PATH": app.config["MODERATION_MODEL_PATH"], "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
           **{f"FLASK_{name}": json.dumps(value) for name, value in settings.items()}}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop_worker(process: subprocess.Popen) -> str:
    """Stop a worker with SIGTERM, as a process manager does; it must exit cleanly and soon."""
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    return output


@pytest.fixture
def workers():
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_delivery_goes_on_after_the_worker_process_restarts(app, api, hook, receiver, tmp_path, workers):
    workers.append(start_worker(app, tmp_path))
    api.comment(hook["rex"], OPENING)
    receiver.wait_for(1, timeout=60)
    assert "stopped" in stop_worker(workers[0])
    second = api.comment(hook["rex"], OPENING + " While it was down.")
    time.sleep(0.3)
    assert len(receiver.requests) == 1
    workers.append(start_worker(app, tmp_path))
    request = receiver.wait_for(2, timeout=60)[1]
    assert verify(hook["secret"], request)["data"]["comment"]["id"] == second["id"]
    stop_worker(workers[1])


def _postgresql_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("several workers share the outbox on PostgreSQL; on SQLite one runs beside the server")


def test_two_workers_deliver_each_event_once(app, api, hook, receiver, tmp_path, workers):
    _postgresql_only(app)
    workers += [start_worker(app, tmp_path, OUTBOX_BATCH_SIZE=2), start_worker(app, tmp_path, OUTBOX_BATCH_SIZE=2)]
    api.comment(hook["rex"], OPENING)
    receiver.wait_for(1, timeout=60)
    time.sleep(1)  # both are up and polling
    for n in range(40):
        api.comment(hook["rex"], f"{OPENING} ({n})")
    receiver.wait_for(41)
    time.sleep(0.5)
    ids = [r["headers"]["webhook-id"] for r in receiver.requests]
    assert len(ids) == 41 and len(set(ids)) == 41
    for process in workers:
        stop_worker(process)


def test_a_commit_wakes_an_idle_worker(app, api, hook, receiver, tmp_path, workers):
    """By NOTIFY on PostgreSQL, by SQLite's change counter on SQLite: far sooner than the poll."""
    workers.append(start_worker(app, tmp_path, OUTBOX_POLL_INTERVAL=30))
    api.comment(hook["rex"], OPENING)
    receiver.wait_for(1, timeout=60)  # the first claim runs at start-up
    time.sleep(0.5)
    posted = time.monotonic()
    api.comment(hook["rex"], OPENING + " Again.")
    receiver.wait_for(2, timeout=5)
    assert time.monotonic() - posted < 2  # far under the 30 s poll
    stop_worker(workers[0])
