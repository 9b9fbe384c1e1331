"""Moderator alerts: ``queue.size_exceeded`` and ``queue.wait_exceeded`` webhooks, sent once per
crossing of the admin's thresholds, checked as comments come and go, by the worker and by the CLI,
delivered by the real worker to a real receiver. Time is moved through the data (``created_at``)."""
import threading
import time
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import utcnow
from moderation.queue import alerts as queue_alerts
from moderation.queue.alerts import Outcome
from tests.factories import OPENING, ApiActions
from tests.moderation_actions import CIVIL, decide, held, premod_article, report, set_comment
from tests.reader_actions import SETTINGS, patch_settings
from tests.test_outbox import FAST, start_worker, stop_worker
from tests.test_webhooks import add_webhook, drain
from tests.webhook_receiver import verify

SIZE, WAIT = "queue.size_exceeded", "queue.wait_exceeded"


@pytest.fixture
def app(make_app):
    return make_app(**FAST)


@pytest.fixture
def desk(api, receiver):
    """An admin, a moderator, a reader, a pre-moderated story and a webhook for both alerts."""
    admin = api.staff("ada", "admin")
    hook = add_webhook(api, admin, receiver.url, [SIZE, WAIT])
    premod_article(api)
    return {"admin": admin, "mia": api.staff("mia"), "rex": api.reader("rex"), "secret": hook["secret"]}


def alerts(app, receiver, desk, event_type) -> list[dict]:
    """Run the worker as ``worker --burst`` does, and return the data of every alert of that type received."""
    drain(app)
    payloads = [verify(desk["secret"], request) for request in list(receiver.requests)]
    return [p["data"] for p in payloads if p["type"] == event_type]


def check_alerts(app) -> str:
    result = app.test_cli_runner().invoke(args=["moderation", "check-alerts"])
    assert result.exit_code == 0, result.output
    return result.output


def age(app, comment, minutes) -> None:
    set_comment(app, comment["id"], created_at=utcnow() - timedelta(minutes=minutes))


def test_the_size_alert_fires_once_per_crossing(app, api, desk, receiver):
    patch_settings(api, desk["admin"], alert_queue_size=2)
    first, second = held(api, desk["rex"]), held(api, desk["rex"])
    assert alerts(app, receiver, desk, SIZE) == []  # two waiting is not more than two
    held(api, desk["rex"])
    [alert] = alerts(app, receiver, desk, SIZE)
    assert alert["queue_size"] == 3 and alert["oldest_comment_id"] == first["id"]
    assert 0 <= alert["oldest_wait_seconds"] < 60
    assert alert["threshold"] == {"setting": "alert_queue_size", "value": 2}
    assert alert["desk_url"] == "/moderation"
    held(api, desk["rex"])
    assert len(alerts(app, receiver, desk, SIZE)) == 1  # still above: no second alert
    for comment in (first, second):
        assert decide(api, desk["mia"], comment["id"], "approve").status_code == 200
    assert len(alerts(app, receiver, desk, SIZE)) == 1  # back to two: re-armed, nothing sent
    api.article()
    published = api.comment(desk["rex"], OPENING)
    assert report(api, api.reader("bob"), published["id"]).status_code == 201  # a report queues it
    later = alerts(app, receiver, desk, SIZE)
    assert len(later) == 2 and later[1]["queue_size"] == 3


def test_an_edit_that_holds_a_comment_can_fire_the_size_alert(app, api, desk, receiver):
    patch_settings(api, desk["admin"], alert_queue_size=1)
    held(api, desk["rex"])
    api.article()
    published = api.comment(desk["rex"], OPENING)
    assert alerts(app, receiver, desk, SIZE) == []
    edited = api.client.patch(f"/api/v1/comments/{published['id']}", json={"body": "You idiot."},
                              headers=desk["rex"])
    assert edited.status_code == 200 and edited.get_json()["comment"]["status"] == "pending"
    [alert] = alerts(app, receiver, desk, SIZE)
    assert alert["queue_size"] == 2


def test_the_wait_alert_fires_from_the_worker_once_until_the_wait_clears(app, api, desk, receiver):
    patch_settings(api, desk["admin"], alert_wait_minutes=30)
    fresh = held(api, desk["rex"])
    assert alerts(app, receiver, desk, WAIT) == []
    old = held(api, desk["rex"], CIVIL + " Still waiting.")
    age(app, old, 45)
    [alert] = alerts(app, receiver, desk, WAIT)
    assert alert["oldest_comment_id"] == old["id"] and alert["queue_size"] == 2
    assert 45 * 60 <= alert["oldest_wait_seconds"] < 46 * 60
    assert alert["threshold"] == {"setting": "alert_wait_minutes", "value": 30}
    assert len(alerts(app, receiver, desk, WAIT)) == 1  # checked again, still too old: nothing new
    assert decide(api, desk["mia"], old["id"], "reject", "spam").status_code == 200
    assert len(alerts(app, receiver, desk, WAIT)) == 1  # the oldest is fresh now: re-armed
    age(app, fresh, 31)
    later = alerts(app, receiver, desk, WAIT)
    assert len(later) == 2 and later[1]["oldest_comment_id"] == fresh["id"]


def test_a_reported_comment_waits_from_its_report_not_its_posting(app, api, desk, receiver):
    patch_settings(api, desk["admin"], alert_wait_minutes=30)
    api.article()
    published = api.comment(desk["rex"], OPENING)
    age(app, published, 24 * 60)
    assert report(api, api.reader("bob"), published["id"]).status_code == 201
    assert alerts(app, receiver, desk, WAIT) == []


def test_the_cli_checks_for_cron_and_the_worker_delivers(app, api, desk, receiver):
    patch_settings(api, desk["admin"], alert_wait_minutes=10)
    age(app, held(api, desk["rex"]), 11)
    output = check_alerts(app)
    assert f"{WAIT}: fired" in output and f"{SIZE}: off" in output
    assert "already sent" in check_alerts(app)
    assert len(alerts(app, receiver, desk, WAIT)) == 1


def test_the_desk_link_is_absolute_when_the_app_knows_its_address(make_app, receiver):
    app = make_app(**FAST, SERVER_NAME="comments.example.org", PREFERRED_URL_SCHEME="https")
    api = ApiActions(app)
    desk = {"admin": api.staff("ada", "admin")}
    desk["secret"] = add_webhook(api, desk["admin"], receiver.url, [SIZE])["secret"]
    premod_article(api)
    patch_settings(api, desk["admin"], alert_queue_size=1)
    rex = api.reader("rex")
    held(api, rex), held(api, rex)
    [alert] = alerts(app, receiver, desk, SIZE)
    assert alert["desk_url"] == "https://comments.example.org/moderation"


def test_alerts_are_off_by_default(app, api, desk, receiver):
    settings = api.client.get(SETTINGS, headers=desk["admin"]).get_json()["settings"]
    assert (settings["alert_queue_size"], settings["alert_wait_minutes"]) == (0, 0)
    for n in range(5):
        age(app, held(api, desk["rex"], f"{CIVIL} ({n})"), 600)
    output = check_alerts(app)
    assert f"{SIZE}: off" in output and f"{WAIT}: off" in output
    drain(app)
    assert receiver.requests == []


@pytest.mark.backend_independent
@pytest.mark.parametrize("body", [
    {"alert_queue_size": -1}, {"alert_queue_size": "10"}, {"alert_queue_size": True}, {"alert_queue_size": 2.5},
    {"alert_queue_size": 100_001}, {"alert_wait_minutes": -5}, {"alert_wait_minutes": 30 * 24 * 60 + 1},
    {"alert_wait_minutes": [30]},
])
def test_a_bad_alert_setting_is_refused_and_changes_nothing(api, body):
    admin = api.staff("ada", "admin")
    response = api.client.patch(SETTINGS, json=body, headers=admin)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_setting"
    settings = api.client.get(SETTINGS, headers=admin).get_json()["settings"]
    assert (settings["alert_queue_size"], settings["alert_wait_minutes"]) == (0, 0)


def test_checks_at_once_in_several_processes_send_one_alert(make_app, app, api, desk, receiver):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrent writers are PostgreSQL's case; SQLite runs one writer at a time")
    patch_settings(api, desk["admin"], alert_wait_minutes=5)
    age(app, held(api, desk["rex"]), 6)
    workers = [make_app(**FAST) for _ in range(4)]
    start = threading.Barrier(len(workers))
    outputs = []

    # What the CLI and each outbox worker run, called directly: click's CliRunner swaps sys.stdout
    # for the whole process, so runners in threads would lose one another's output.
    def run(worker):
        with worker.app_context():
            start.wait()
            outcomes = queue_alerts.check_alerts()
            db.session.commit()
        outputs.append(outcomes[WAIT])

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outputs) == [Outcome.FIRED] + [Outcome.STILL_EXCEEDED] * 3
    assert len(alerts(app, receiver, desk, WAIT)) == 1


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0  # utime + stime, in clock ticks of 1/100 s


def test_an_idle_worker_checks_at_its_interval_without_spinning(app, api, desk, receiver, tmp_path, workers):
    """Nothing is written while the comment's wait crosses the minute: only the worker's clock can tell."""
    patch_settings(api, desk["admin"], alert_wait_minutes=1)
    waiting = held(api, desk["rex"])
    workers.append(start_worker(app, tmp_path, PLUGINS=["moderation"], OUTBOX_POLL_INTERVAL=30,
                                MODERATION_ALERT_CHECK_SECONDS=0.3))
    process = workers[0]
    while "outbox worker" not in process.stdout.readline():
        assert process.poll() is None, "the worker exited"
    set_comment(app, waiting["id"], created_at=utcnow() - timedelta(seconds=55))
    time.sleep(1)
    assert receiver.requests == []  # 56 seconds: not yet
    cpu_before, wall_before = _cpu_seconds(process.pid), time.monotonic()
    request = receiver.wait_for(1, timeout=25)[0]
    assert time.monotonic() - wall_before < 25  # sooner than the 30 s poll would have woken it
    time.sleep(1)
    assert _cpu_seconds(process.pid) - cpu_before < 0.5 * (time.monotonic() - wall_before)
    assert verify(desk["secret"], request)["data"]["oldest_comment_id"] == waiting["id"]
    assert len(receiver.requests) == 1  # checked every 0.3 s since, and sent once
    stop_worker(process)


@pytest.fixture
def workers():
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()
