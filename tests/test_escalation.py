"""Escalated comments stay in the queue, read-only for moderators, until an admin approves or rejects them."""
import re

import pytest

from tests.factories import ANSWER, PageActions
from tests.moderation_actions import CIVIL, decide, held, premod_article, queue, report

ORIGINS = ["premoderation", "policy_rejected", "reported"]


@pytest.fixture
def desk(api):
    """A pre-moderated and an ordinary article, the reader alice, moderator mia and admin ada."""
    premod_article(api)
    api.article()
    return api.reader("alice"), api.staff("mia"), api.staff("ada", "admin")


def queued(api, app, alice, origin) -> dict:
    """Put one of alice's comments in the queue the way ``origin`` says; return the comment."""
    if origin == "premoderation":
        return held(api, alice)
    if origin == "policy_rejected":
        threshold = app.config["MODERATION_ABUSE_REJECT_THRESHOLD"]
        app.config["MODERATION_ABUSE_REJECT_THRESHOLD"] = 0.0
        comment = api.comment(alice, CIVIL)
        app.config["MODERATION_ABUSE_REJECT_THRESHOLD"] = threshold
        assert comment["status"] == "rejected"
        return comment
    comment = api.comment(alice, CIVIL)
    assert report(api, api.reader("bob"), comment["id"]).status_code == 201
    return comment


def escalated(api, app, desk, origin) -> dict:
    alice, mia, _ = desk
    comment = queued(api, app, alice, origin)
    response = decide(api, mia, comment["id"], "escalate", note="Possible legal problem")
    assert response.status_code == 200, response.get_json()
    return comment


def queued_item(api, headers, comment_id) -> dict | None:
    return next((i for i in queue(api, headers)["items"] if i["comment"]["id"] == comment_id), None)


def status_of(api, comment_id) -> str:
    response = api.client.get(f"/api/v1/comments/{comment_id}", headers=api.login("alice"))
    return response.get_json()["comment"]["status"]


@pytest.mark.parametrize("action, status", [("approve", "published"), ("reject", "rejected")])
@pytest.mark.parametrize("origin", ORIGINS)
def test_an_escalated_comment_waits_in_the_queue_until_an_admin_decides(api, app, desk, origin, action, status):
    _, mia, ada = desk
    comment = escalated(api, app, desk, origin)
    for headers in (mia, ada):
        assert queued_item(api, headers, comment["id"])["hold_reason"] == "escalated"
        assert [i["comment"]["id"] for i in queue(api, headers, reason="escalated")["items"]] == [comment["id"]]
    stats = api.client.get("/api/v1/moderation/stats", headers=mia).get_json()
    assert stats["queue_size"] == 1 and stats["queue_by_reason"]["escalated"] == 1
    assert decide(api, ada, comment["id"], action).status_code == 200
    assert queue(api, ada)["items"] == [] and status_of(api, comment["id"]) == status
    log = api.client.get("/api/v1/moderation/log", headers=ada).get_json()["decisions"]
    assert [(d["action"], d["note"]) for d in log] == [(action, None), ("escalate", "Possible legal problem")]


def _api(api, mia, comment_id, action):
    response = decide(api, mia, comment_id, action)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "escalated"


def _page(api, mia, comment_id, action):
    browser = PageActions(api.app)
    browser.login("mia")
    response = browser.submit(f"/moderation/comments/{comment_id}/decision", {"action": action}, page="/moderation")
    assert response.status_code == 403


def _bulk(api, mia, comment_id, action):
    browser = PageActions(api.app)
    browser.login("mia")
    response = browser.submit("/moderation/bulk", {"action": action, "ids": str(comment_id)}, page="/moderation",
                              follow_redirects=True)
    assert "an admin decides it" in response.get_data(as_text=True)


@pytest.mark.parametrize("action", ["approve", "reject", "escalate"])
@pytest.mark.parametrize("way", [_api, _page, _bulk], ids=["api", "page", "bulk"])
@pytest.mark.parametrize("origin", ORIGINS)
def test_no_moderator_action_takes_an_escalated_comment_out_of_the_queue(api, app, desk, origin, way, action):
    _, mia, ada = desk
    comment = escalated(api, app, desk, origin)
    before = status_of(api, comment["id"])
    way(api, mia, comment["id"], action)
    assert queued_item(api, ada, comment["id"])["hold_reason"] == "escalated"
    assert status_of(api, comment["id"]) == before
    log = api.client.get("/api/v1/moderation/log", headers=ada).get_json()["decisions"]
    assert [d["action"] for d in log] == ["escalate"]


@pytest.mark.parametrize("origin", ["premoderation", "reported"])
def test_an_edit_leaves_an_escalated_comment_to_the_admins(api, app, desk, origin):
    alice, mia, ada = desk
    comment = escalated(api, app, desk, origin)
    before = status_of(api, comment["id"])
    edited = api.client.patch(f"/api/v1/comments/{comment['id']}", json={"body": ANSWER}, headers=alice)
    assert edited.status_code == 200, edited.get_json()
    assert queued_item(api, ada, comment["id"])["hold_reason"] == "escalated"
    assert status_of(api, comment["id"]) == before
    assert decide(api, mia, comment["id"], "approve").status_code == 403


def test_an_admin_cannot_escalate_twice(api, app, desk):
    comment = escalated(api, app, desk, "premoderation")
    again = decide(api, desk[2], comment["id"], "escalate")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_escalated"


def test_reports_hide_an_escalated_comment_but_leave_it_to_the_admins(api, app, desk):
    app.config["REPORT_HIDE_THRESHOLD"] = 2
    comment = escalated(api, app, desk, "reported")
    assert api.client.get(f"/api/v1/comments/{comment['id']}").status_code == 200
    report(api, api.reader("carol"), comment["id"])
    assert api.client.get(f"/api/v1/comments/{comment['id']}").status_code == 404
    assert queued_item(api, desk[2], comment["id"])["hold_reason"] == "escalated"
    assert decide(api, desk[1], comment["id"], "approve").status_code == 403


@pytest.mark.parametrize("who, can_decide", [("mia", False), ("ada", True)])
def test_the_queue_page_shows_escalated_comments_read_only_to_moderators(api, app, desk, who, can_decide):
    comment = escalated(api, app, desk, "premoderation")
    browser = PageActions(app)
    browser.login(who)
    html = browser.client.get("/moderation").get_data(as_text=True)
    item = re.search(rf'<article class="q-item" id="q-{comment["id"]}".*?</article>', html, re.S).group(0)
    assert "reason-escalated" in item
    assert ("/decision" in item) is can_decide and ('name="ids"' in item) is can_decide
    assert ("an admin decides this comment" in item) is not can_decide
    if can_decide:
        assert re.search(r'<select name="reason"', item) and 'name="note"' in item
