"""Webhooks through the public interface: the admin API and its validation, the CLI, and every
event, from every path that makes its change, delivered by the real worker to a real receiver."""
import base64

import pytest

from forum.webhooks.events import EVENT_TYPES
from tests.factories import ANSWER, OPENING, ApiActions, PageActions
from tests.moderation_actions import decide, held, premod_article
from tests.webhook_receiver import Receiver, verify

HOOKS = "/api/v1/admin/webhooks"


@pytest.fixture
def app(make_app):
    return make_app(WEBHOOKS_ALLOW_PRIVATE_URLS=True, OUTBOX_RETRY_DELAYS=[0.2], OUTBOX_POLL_INTERVAL=0.05)


@pytest.fixture
def admin(api):
    return api.staff("ada", "admin")


def add_webhook(api, admin, url, events=EVENT_TYPES) -> dict:
    response = api.client.post(HOOKS, json={"url": url, "events": list(events)}, headers=admin)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def drain(app) -> None:
    """Run the worker until nothing is due, as ``flask --app wsgi worker --burst``."""
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output


ROUTES = [("POST", HOOKS, {"url": "http://127.0.0.1:9/x", "events": ["comment.created"]}, 201),
          ("GET", HOOKS, None, 200),
          ("POST", HOOKS + "/1/rotate", None, 200),
          ("GET", HOOKS + "/1/deliveries", None, 200),
          ("DELETE", HOOKS + "/1", None, 204)]


@pytest.mark.backend_independent
@pytest.mark.parametrize("who, expected", [("anonymous", 401), ("reader", 403), ("moderator", 403), ("admin", None)])
def test_only_admins_manage_webhooks(api, who, expected):
    headers = {"anonymous": lambda: {}, "reader": lambda: api.reader("rex"), "moderator": lambda: api.staff("mia"),
               "admin": lambda: api.staff("ada", "admin")}[who]()
    for method, path, body, success in ROUTES:
        response = api.client.open(path, method=method, json=body, headers=headers)
        assert response.status_code == (expected or success), (method, path, response.get_json())


@pytest.mark.parametrize("body, field", [
    ({"url": "http://127.0.0.1:9/x", "events": ["comment.deleted"]}, "events"),
    ({"url": "http://127.0.0.1:9/x", "events": []}, "events"),
    ({"url": "http://127.0.0.1:9/x"}, "events"),
    ({"url": "ftp://news.example.org/hooks", "events": ["comment.created"]}, "url"),
    ({"url": "http:///no-host", "events": ["comment.created"]}, "url"),
    ({"url": "https://user:pw@127.0.0.1/x", "events": ["comment.created"]}, "url"),
    ({"url": "http://no-such-host.invalid/x", "events": ["comment.created"]}, "url"),
    ({"url": 12, "events": ["comment.created"]}, "url"),
    ({"events": ["comment.created"]}, "url"),
])
def test_bad_webhooks_are_refused_with_the_field(api, admin, body, field):
    response = api.client.post(HOOKS, json=body, headers=admin)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert api.client.get(HOOKS, headers=admin).get_json()["webhooks"] == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://localhost/x", "http://10.1.2.3/x",
                                 "http://169.254.169.254/latest", "http://[::1]/x", "http://224.0.0.1/x",
                                 "http://0.0.0.0/x", "http://[::ffff:192.168.1.1]/x"])
def test_private_addresses_are_refused_without_the_setting(make_app, url):
    api = ApiActions(make_app())
    response = api.client.post(HOOKS, json={"url": url, "events": ["comment.created"]},
                               headers=api.staff("ada", "admin"))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == "url"


def test_a_webhook_is_made_listed_rotated_and_removed(api, admin):
    made = add_webhook(api, admin, "http://127.0.0.1:9/x", ["comment.created", "comment.created", "user.sanctioned"])
    assert made["events"] == ["comment.created", "user.sanctioned"]
    assert made["secret"].startswith("whsec_") and len(base64.b64decode(made["secret"][6:])) == 24
    listed = api.client.get(HOOKS, headers=admin).get_json()["webhooks"]
    assert [w["id"] for w in listed] == [made["id"]] and "secret" not in listed[0]
    rotated = api.client.post(f"{HOOKS}/{made['id']}/rotate", headers=admin).get_json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    assert api.client.get(HOOKS, headers=admin).get_json()["webhooks"][0]["previous_secret_expires_at"]
    assert api.client.delete(f"{HOOKS}/{made['id']}", headers=admin).status_code == 204
    assert api.client.delete(f"{HOOKS}/{made['id']}", headers=admin).status_code == 404
    assert api.client.post(f"{HOOKS}/{made['id']}/rotate", headers=admin).status_code == 404
    assert api.client.get(HOOKS, headers=admin).get_json()["webhooks"] == []


def test_a_webhook_url_takes_its_scheme_and_host_in_any_case_and_keeps_them_in_lower_case(api, admin):
    made = add_webhook(api, admin, "HTTP://LocalHost:9/Hooks?Key=A", ["comment.created"])
    assert made["url"] == "http://localhost:9/Hooks?Key=A"
    assert api.client.get(HOOKS, headers=admin).get_json()["webhooks"][0]["url"] == made["url"]


def test_the_cli_adds_lists_and_removes_webhooks(app, runner):
    added = runner.invoke(args=["webhooks", "add", "http://127.0.0.1:9/x", "--event", "comment.created",
                                "--event", "article.created"])
    assert added.exit_code == 0, added.output
    secret = added.output.split("Signing secret (shown only now): ")[1].strip()
    assert secret.startswith("whsec_")
    listed = runner.invoke(args=["webhooks", "list"])
    assert "http://127.0.0.1:9/x" in listed.output and "comment.created,article.created" in listed.output
    assert secret not in listed.output
    refused = runner.invoke(args=["webhooks", "add", "gopher://127.0.0.1/x", "--event", "comment.created"])
    assert refused.exit_code != 0 and "http or https" in refused.output
    unknown = runner.invoke(args=["webhooks", "add", "http://127.0.0.1:9/x", "--event", "comment.deleted"])
    assert unknown.exit_code != 0
    assert runner.invoke(args=["webhooks", "remove", "1"]).exit_code == 0
    assert runner.invoke(args=["webhooks", "remove", "1"]).exit_code != 0
    assert "No webhooks." in runner.invoke(args=["webhooks", "list"]).output


def test_comment_events_from_the_api_and_the_pages(app, api, admin, receiver):
    hook = add_webhook(api, admin, receiver.url, ["comment.created", "comment.edited"])
    api.article()
    rex = api.reader("rex")
    first = api.comment(rex, OPENING)
    api.client.patch(f"/api/v1/comments/{first['id']}", json={"body": OPENING + " Edited."}, headers=rex)
    pages = PageActions(app)
    pages.login("rex")
    assert pages.submit("/articles/council-budget/comments", {"body": ANSWER, "parent_id": first["id"]},
                        page="/articles/council-budget").status_code == 302
    reply_id = api.thread()["comments"][0]["replies"][0]["id"]
    assert pages.submit(f"/comments/{reply_id}/edit", {"body": ANSWER + " Edited."},
                        page=f"/comments/{reply_id}/edit").status_code == 302
    drain(app)
    events = [verify(hook["secret"], r) for r in receiver.wait_for(4)]
    assert [(e["type"], e["data"]["comment"]["id"]) for e in events] == [
        ("comment.created", first["id"]), ("comment.edited", first["id"]),
        ("comment.created", reply_id), ("comment.edited", reply_id)]
    created = events[0]["data"]
    assert created["comment"]["author"]["username"] == "rex" and created["comment"]["status"] == "published"
    assert created["article"]["id"] == "council-budget" and "scores" not in created["comment"]
    assert events[3]["data"]["comment"]["body"] == ANSWER + " Edited."


def test_a_held_comment_is_announced_with_its_status_and_reason(app, api, admin, receiver):
    hook = add_webhook(api, admin, receiver.url, ["comment.created"])
    premod_article(api)
    comment = held(api, api.reader("rex"))
    drain(app)
    data = verify(hook["secret"], receiver.wait_for(1)[0])["data"]
    assert data["comment"]["id"] == comment["id"]
    assert (data["comment"]["status"], data["comment"]["hold_reason"]) == ("pending", "premoderation")


def test_article_created_only_when_new(app, api, admin, receiver):
    hook = add_webhook(api, admin, receiver.url, ["article.created"])
    api.article()
    api.article(title="A new title for the same story")
    drain(app)
    received = receiver.wait_for(1)
    assert len(receiver.requests) == 1
    assert verify(hook["secret"], received[0])["data"]["article"]["id"] == "council-budget"


def test_desk_events_from_the_api_and_the_pages(app, api, admin, receiver):
    hook = add_webhook(api, admin, receiver.url, ["comment.decided", "comment.reported", "user.sanctioned"])
    premod_article(api)
    rex, mo = api.reader("rex"), api.staff("mia")
    first, second = held(api, rex), held(api, rex)
    assert decide(api, mo, first["id"], "reject", "abusive", note="Name-calling").status_code == 200
    desk = PageActions(app)
    desk.login("mia")
    desk.submit(f"/moderation/comments/{second['id']}/decision", {"action": "approve"}, page="/moderation")
    bob = api.reader("bob")
    api.client.post(f"/api/v1/comments/{second['id']}/reports", json={"reason": "spam", "note": "Ads"}, headers=bob)
    api.client.post("/api/v1/moderation/users/rex/suspension", json={"days": 3, "reason": "Insults"}, headers=mo)
    api.client.delete("/api/v1/moderation/users/rex/suspension", headers=mo)
    desk.submit("/moderation/users/rex/sanction", {"kind": "ban", "reason": "Threats"}, page="/moderation/users/rex")
    drain(app)
    events = [verify(hook["secret"], r) for r in receiver.wait_for(6)]
    assert [e["type"] for e in events] == ["comment.decided", "comment.decided", "comment.reported",
                                           "user.sanctioned", "user.sanctioned", "user.sanctioned"]
    rejected, approved, reported = (e["data"] for e in events[:3])
    assert {k: v for k, v in rejected["decision"].items() if k != "created_at"} == {
        "action": "reject", "reason": "abusive", "note": "Name-calling", "moderator": "mia"}
    assert rejected["comment"]["status"] == "rejected"
    assert approved["decision"]["action"] == "approve" and approved["comment"]["status"] == "published"
    assert reported["report"]["reason"] == "spam" and reported["report"]["note"] == "Ads"
    kinds = [(e["data"]["sanction"]["kind"], e["data"]["sanction"]["reason"]) for e in events[3:]]
    assert kinds == [("suspend", "Insults"), ("lift", None), ("ban", "Threats")]
    assert events[3]["data"]["sanction"]["until"] and events[3]["data"]["user"]["username"] == "rex"


def test_a_change_that_did_not_happen_sends_nothing(app, api, admin, receiver):
    add_webhook(api, admin, receiver.url)
    api.article()
    api.article("closed-story", moderation_mode="closed")
    rex, bob, mo = api.reader("rex"), api.reader("bob"), api.staff("mia")
    comment = api.comment(rex, OPENING)
    drain(app)
    before = len(receiver.wait_for(3))  # two articles and the comment
    assert api.post(rex, OPENING, article_id="closed-story").status_code == 409
    assert api.post(rex, "", parent_id=comment["id"]).status_code == 422
    assert api.client.post(f"/api/v1/comments/{comment['id']}/reports", json={"reason": "spam"},
                           headers=bob).status_code == 201
    assert api.client.post(f"/api/v1/comments/{comment['id']}/reports", json={"reason": "spam"},
                           headers=bob).status_code == 409
    assert decide(api, mo, comment["id"], "approve").status_code == 200
    assert decide(api, mo, comment["id"], "approve").status_code == 409
    assert api.client.post("/api/v1/moderation/users/mia/suspension", json={"reason": "x"},
                           headers=mo).status_code == 403
    drain(app)
    assert [e["type"] for e in receiver.events()[before:]] == ["comment.reported", "comment.decided"]


def test_events_go_only_to_the_webhooks_that_want_them(app, api, admin, receiver):
    other = Receiver()
    try:
        add_webhook(api, admin, receiver.url, ["article.created"])
        add_webhook(api, admin, other.url, ["comment.created"])
        api.article()
        api.comment(api.reader("rex"), OPENING)
        drain(app)
        assert [e["type"] for e in receiver.events()] == ["article.created"]
        assert [e["type"] for e in other.events()] == ["comment.created"]
    finally:
        other.stop()


def test_what_waits_for_a_removed_webhook_never_goes_to_a_new_one_with_its_id(app, api, admin, receiver):
    # SQLite gives the next row a removed row's id: the event queued for the old webhook (unsent,
    # its receiver down) must not be sent, signed with the new secret, to the new webhook's receiver.
    old = add_webhook(api, admin, "http://127.0.0.1:9/down", ["article.created"])
    api.article()
    assert api.client.delete(f"{HOOKS}/{old['id']}", headers=admin).status_code == 204
    new = add_webhook(api, admin, receiver.url, ["article.created", "comment.created"])
    api.comment(api.reader("rex"), OPENING)
    drain(app)
    assert [e["type"] for e in receiver.events()] == ["comment.created"]
    assert api.client.get(f"{HOOKS}/{new['id']}/deliveries", headers=admin).get_json()["deliveries"][0][
        "event_type"] == "comment.created"
