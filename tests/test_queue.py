"""The review queue: what is in it, in which order, and moderators' decisions on it."""
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, utcnow
from moderation.models import ModerationDecision
from tests.factories import ANSWER, ARTICLE, OPENING
from tests.moderation_actions import (
    CIVIL,
    decide,
    held,
    premod_article,
    queue,
    report,
    set_comment,
)


@pytest.fixture
def desk(api):
    """A pre-moderated article, the reader alice, and the moderator mia; returns their headers."""
    premod_article(api)
    api.article()
    return api.reader("alice"), api.staff("mia")


def test_an_item_shows_the_comment_in_context(api, app, desk):
    alice, mia = desk
    bob = api.reader("bob")
    parent = api.comment(bob, "The council should publish the bus survey.", article_id="council-budget")
    earlier = held(api, alice, "An earlier remark.")
    assert decide(api, mia, earlier["id"], "reject", "spam").status_code == 200
    api.article("council-budget", moderation_mode="pre")
    reply = held(api, alice, "You idiot, nobody reads surveys.", article_id="council-budget",
                 parent_id=parent["id"])
    [item] = queue(api, mia)["items"]
    assert item["comment"]["id"] == reply["id"] and item["comment"]["body"] == "You idiot, nobody reads surveys."
    assert item["article"] == {"id": "council-budget",
                               "title": "City council approves a budget with more money for buses"}
    assert item["parent"]["id"] == parent["id"]
    assert item["parent"]["body"] == "The council should publish the bus survey."
    assert 0 <= item["scores"]["abuse"] <= 1 and 0 <= item["scores"]["off_topic"] <= 1
    assert item["hold_reason"] == "premoderation"
    assert any("idiot" in h["text"].lower() for h in item["highlights"])
    for h in item["highlights"]:
        assert item["comment"]["body"][h["start"]:h["end"]] == h["text"]
    assert item["reports"] == []
    assert item["author"] == {"username": "alice", "display_name": "alice", "status": "active",
                              "suspended_until": None, "sanction_reason": None,
                              "comment_count": 2, "rejected_count": 1, "note_count": 0, "notes": []}


def test_the_queue_holds_policy_premoderation_and_reported_comments_only(api, app, desk):
    alice, mia = desk
    premod = held(api, alice)
    published = api.comment(alice, CIVIL, article_id="council-budget")
    reported = api.comment(alice, "Another civil remark on the bus budget.", article_id="council-budget")
    app.config["REPORT_HIDE_THRESHOLD"] = 1
    report(api, api.reader("bob"), reported["id"])
    ids = {i["comment"]["id"] for i in queue(api, mia)["items"]}
    assert ids == {premod["id"], reported["id"]} and published["id"] not in ids


def test_most_urgent_first_by_scores_reports_and_waiting_time(api, app, desk):
    alice, mia = desk
    mild, severe, reported, old = (held(api, alice, f"Comment number {n} on the budget.")["id"] for n in range(4))
    now = utcnow()
    for comment_id, abuse in ((mild, 0.1), (severe, 0.95), (reported, 0.1), (old, 0.1)):
        set_comment(app, comment_id, abuse_score=abuse, off_topic_score=0.0, created_at=now)
    set_comment(app, reported, report_count=3)  # 60 points of reports
    set_comment(app, old, created_at=now - timedelta(hours=20))  # 40 points of waiting
    order = [i["comment"]["id"] for i in queue(api, mia)["items"]]
    assert order == [severe, reported, old, mild]
    priorities = [i["priority"] for i in queue(api, mia)["items"]]
    assert priorities == sorted(priorities, reverse=True)


def test_keyset_pagination_walks_the_queue_once_in_order(api, app, desk):
    alice, mia = desk
    ids = [held(api, alice, f"Remark {n} about the council.")["id"] for n in range(7)]
    for n, comment_id in enumerate(ids):
        set_comment(app, comment_id, abuse_score=[0.3, 0.3, 0.9, 0.1, 0.3, 0.5, 0.3][n])
    seen, cursor = [], None
    while True:
        page = queue(api, mia, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [i["comment"]["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)
    assert seen == [i["comment"]["id"] for i in queue(api, mia, limit=100)["items"]]
    assert api.client.get("/api/v1/moderation/queue?cursor=garbage", headers=mia).status_code == 400


def test_filters_by_reason_and_article(api, app, desk):
    alice, mia = desk
    premod = held(api, alice)["id"]
    api.article("other-story", moderation_mode="pre", title="Another story")
    other = held(api, alice, article_id="other-story")["id"]
    set_comment(app, other, hold_reason="abuse")
    assert [i["comment"]["id"] for i in queue(api, mia, reason="abuse")["items"]] == [other]
    assert [i["comment"]["id"] for i in queue(api, mia, reason="premoderation")["items"]] == [premod]
    assert [i["comment"]["id"] for i in queue(api, mia, article_id="other-story")["items"]] == [other]
    assert queue(api, mia, article_id="no-such-story")["items"] == []
    response = api.client.get("/api/v1/moderation/queue?reason=boredom", headers=mia)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_reason"


def test_an_unknown_reason_filter_is_told_the_codes_not_their_python_names(api, pages, desk):
    _alice, mia = desk
    message = api.client.get("/api/v1/moderation/queue?reason=boredom", headers=mia).get_json()["error"]["message"]
    assert message.startswith("'reason' must be one of abuse, off_topic, ") and "HoldReason" not in message
    pages.login("mia")
    page = pages.client.get("/moderation?reason=boredom")
    assert page.status_code == 422 and "HoldReason" not in page.get_data(as_text=True)


def decision_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(ModerationDecision)).all())


def test_approve_publishes_and_tells_the_author(api, desk, app):
    alice, mia = desk
    comment = held(api, alice)
    response = decide(api, mia, comment["id"], "approve")
    assert response.status_code == 200
    assert response.get_json()["comment"]["status"] == "published"
    assert api.client.get(f"/api/v1/comments/{comment['id']}").status_code == 200
    notes = api.client.get("/api/v1/notifications", headers=alice).get_json()["notifications"]
    assert [(n["kind"], n["decision"], n["comment"]["id"]) for n in notes] == [("decision", "approved", comment["id"])]


def test_approval_announces_the_comment_to_followers(api, desk):
    alice, mia = desk
    bob = api.reader("bob")
    assert api.client.put("/api/v1/users/alice/follow", headers=bob).status_code == 204
    comment = held(api, alice)
    assert api.client.get("/api/v1/notifications", headers=bob).get_json()["notifications"] == []
    decide(api, mia, comment["id"], "approve")
    notes = api.client.get("/api/v1/notifications", headers=bob).get_json()["notifications"]
    assert [(n["kind"], n["comment"]["id"]) for n in notes] == [("followed_comment", comment["id"])]


def test_reject_with_a_reason_is_logged_and_told(api, desk, app):
    alice, mia = desk
    comment = held(api, alice)
    response = decide(api, mia, comment["id"], "reject", "spam", note="links to a shop")
    assert response.status_code == 200 and response.get_json()["comment"]["status"] == "rejected"
    assert response.get_json()["decision"] == {"action": "reject", "reason": "spam", "note": "links to a shop"}
    assert api.client.get(f"/api/v1/comments/{comment['id']}").status_code == 404
    notes = api.client.get("/api/v1/notifications", headers=alice).get_json()["notifications"]
    assert notes[0]["decision"] == "rejected"
    [entry] = api.client.get("/api/v1/moderation/log", headers=mia).get_json()["decisions"]
    assert entry["moderator"] == "mia" and entry["action"] == "reject"
    assert (entry["reason"], entry["note"]) == ("spam", "links to a shop") and entry["comment_id"] == comment["id"]
    assert entry["hold_reason"] == "premoderation" and entry["created_at"].endswith("Z")


def test_escalated_comments_wait_for_an_admin(api, desk):
    alice, mia = desk
    comment = held(api, alice)
    escalated = decide(api, mia, comment["id"], "escalate", note="Legal question")
    assert escalated.status_code == 200
    assert escalated.get_json()["decision"] == {"action": "escalate", "reason": None, "note": "Legal question"}
    [item] = queue(api, mia)["items"]
    assert item["comment"]["id"] == comment["id"] and item["hold_reason"] == "escalated"
    refused = decide(api, mia, comment["id"], "approve")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "escalated"
    admin = api.staff("ada", "admin")
    [item] = queue(api, admin, reason="escalated")["items"]
    assert item["comment"]["id"] == comment["id"]
    assert decide(api, admin, comment["id"], "reject", "abusive").status_code == 200
    assert queue(api, admin)["items"] == []
    actions = [d["action"] for d in api.client.get("/api/v1/moderation/log", headers=admin).get_json()["decisions"]]
    assert actions == ["reject", "escalate"]


@pytest.mark.parametrize("body, code", [
    ({"action": "delete"}, "invalid_action"),
    ({}, "invalid_action"),
    ({"action": 1}, "invalid_action"),
    ({"action": "reject", "reason": "x" * 501}, "invalid_reason"),
    ({"action": "reject", "reason": "Doxxing"}, "invalid_reason"),
    ({"action": "reject", "reason": "spam: links to a shop"}, "invalid_reason"),
    ({"action": "reject", "reason": "abuse"}, "invalid_reason"),
    ({"action": "reject", "reason": 5}, "invalid_reason"),
    ({"action": "approve", "reason": "abusive"}, "invalid_reason"),
    ({"action": "escalate", "reason": "other"}, "invalid_reason"),
    ({"action": "reject", "note": "x" * 1001}, "too_long"),
    ({"action": "approve", "note": ["a note"]}, "wrong_type"),
])
def test_bad_decisions_are_refused_and_change_nothing(api, desk, app, body, code):
    alice, mia = desk
    comment = held(api, alice)
    response = api.client.post(f"/api/v1/moderation/comments/{comment['id']}/decision", json=body, headers=mia)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == code
    assert decision_count(app) == 0
    assert queue(api, mia)["items"][0]["comment"]["status"] == "pending"


def test_a_second_decision_gets_409_naming_who_was_first(api, desk, app):
    alice, mia = desk
    max_ = api.staff("max")
    comment = held(api, alice)
    assert decide(api, mia, comment["id"], "approve").status_code == 200
    late = decide(api, max_, comment["id"], "reject")
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "already_decided"
    assert "by mia (approve)" in late.get_json()["error"]["message"]
    assert decision_count(app) == 1


def test_two_simultaneous_decisions_exactly_one_wins(api, desk, app):
    alice, mia = desk
    max_ = api.staff("max")
    for _ in range(3):
        comment = held(api, alice)
        barrier, statuses = threading.Barrier(2), []

        def decide_now(headers, action, comment_id=comment["id"], barrier=barrier, statuses=statuses):
            client = app.test_client()
            barrier.wait()
            statuses.append(client.post(f"/api/v1/moderation/comments/{comment_id}/decision",
                                        json={"action": action}, headers=headers).status_code)

        threads = [threading.Thread(target=decide_now, args=(mia, "approve")),
                   threading.Thread(target=decide_now, args=(max_, "reject"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses) == [200, 409]
    with app.app_context():
        per_comment = db.session.execute(select(ModerationDecision.comment_id, db.func.count())
                                         .group_by(ModerationDecision.comment_id)).all()
    assert [count for _, count in per_comment] == [1, 1, 1]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_the_queue_page_shows_items_and_decides_with_one_click(api, pages, desk, app):
    alice, _ = desk
    comment = held(api, alice, "You absolute idiot.")
    pages.login("mia")
    html = pages.client.get("/moderation").get_data(as_text=True)
    assert "<mark>idiot</mark>" in html
    assert f'id="q-{comment["id"]}"' in html
    assert "Pre-moderation" in html and "History and sanctions" in html
    assert "moderation.js" in html and 'data-action="approve"' in html
    response = pages.submit(f"/moderation/comments/{comment['id']}/decision",
                            {"action": "reject", "reason": "hate", "note": "insult"}, page="/moderation",
                            follow_redirects=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f"Rejected comment {comment['id']}." in text and "All clear" in text
    log = pages.client.get("/moderation/log").get_data(as_text=True)
    assert re.search(r"Reject</span></td>\s*<td><span[^>]*>Hate speech</span></td>\s*<td[^>]*>insult</td>", log)
    assert "mia" in log


def test_the_page_says_when_someone_else_decided_first(api, pages, desk):
    alice, mia = desk
    comment = held(api, alice)
    pages.login("mia")
    token = csrf_of(pages.client.get("/moderation").get_data(as_text=True))
    assert decide(api, api.staff("max"), comment["id"], "approve").status_code == 200
    response = pages.client.post(f"/moderation/comments/{comment['id']}/decision",
                                 data={"csrf_token": token, "action": "reject", "reason": "abusive"})
    assert response.status_code == 409
    assert "already decided by max (approve)" in response.get_data(as_text=True)


def test_bulk_decision_on_a_selected_page(api, pages, desk, app):
    alice, mia = desk
    ids = [held(api, alice, f"Remark {n} on the budget.")["id"] for n in range(4)]
    decide(api, api.staff("max"), ids[3], "approve")
    pages.login("mia")
    token = csrf_of(pages.client.get("/moderation").get_data(as_text=True))
    response = pages.client.post("/moderation/bulk", data={"csrf_token": token, "action": "reject",
                                                           "reason": "spam", "ids": [str(i) for i in ids]},
                                 follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Rejected 3 comments." in text and f"{ids[3]}: Comment {ids[3]} was already decided by max" in text
    assert queue(api, mia)["items"] == []
    with app.app_context():
        statuses = db.session.scalars(select(Comment.status).where(Comment.id.in_(ids)).order_by(Comment.id)).all()
    assert [s.value for s in statuses] == ["rejected", "rejected", "rejected", "published"]


@pytest.mark.parametrize("data, message", [
    ({"action": "approve"}, "Select at least one comment first."),
    ({"action": "explode", "ids": "1"}, "Choose approve, reject or escalate"),
])
def test_bad_bulk_requests_change_nothing(api, pages, desk, app, data, message):
    alice, mia = desk
    held(api, alice)
    pages.login("mia")
    token = csrf_of(pages.client.get("/moderation").get_data(as_text=True))
    response = pages.client.post("/moderation/bulk", data={"csrf_token": token, **data}, follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert decision_count(app) == 0


def test_the_header_link_shows_moderators_the_queue_size(api, pages, desk):
    alice, _ = desk
    held(api, alice)
    held(api, alice, "A second remark.")
    pages.login("mia")
    html = pages.client.get("/").get_data(as_text=True)
    assert re.search(r'href="/moderation">Moderation <span class="badge"[^>]*>2</span>', html)
    reader = type(pages)(pages.client.application)
    reader.login("alice")
    assert 'href="/moderation"' not in reader.client.get("/").get_data(as_text=True)


def test_author_history_page(api, pages, desk, app):
    alice, mia = desk
    comment = held(api, alice, "A remark that gets rejected.")
    api.comment(alice, "A published remark.", article_id="council-budget")
    decide(api, mia, comment["id"], "reject", "abusive")
    pages.login("mia")
    html = pages.client.get("/moderation/users/alice").get_data(as_text=True)
    assert "A remark that gets rejected." in html and "A published remark." in html
    assert re.search(r"<dt>Rejected</dt><dd>1</dd>", html) and re.search(r"<dt>Comments</dt><dd>2</dd>", html)
    assert pages.client.get("/moderation/users/nobody").status_code == 404


def test_stats_count_the_queue_and_the_decisions(api, desk, app, pages):
    alice, mia = desk
    ids = [held(api, alice, f"Remark {n}.")["id"] for n in range(4)]
    set_comment(app, ids[0], hold_reason="abuse")
    set_comment(app, ids[1], hold_reason="abuse")
    set_comment(app, ids[2], hold_reason="off_topic", created_at=utcnow() - timedelta(minutes=30))
    decide(api, mia, ids[0], "reject", "abusive")
    decide(api, mia, ids[1], "approve")
    decide(api, mia, ids[2], "reject", "off_topic")
    stats = api.client.get("/api/v1/moderation/stats", headers=mia).get_json()
    assert stats["queue_size"] == 1
    assert stats["queue_by_reason"]["premoderation"] == 1 and stats["queue_by_reason"]["abuse"] == 0
    assert stats["decisions_by_action"] == {"approve": 1, "reject": 2, "escalate": 0}
    assert stats["classifier_precision"]["abuse"] == {"decided": 2, "rejected": 1, "precision": 0.5}
    assert stats["classifier_precision"]["off_topic"]["precision"] == 1.0
    assert stats["median_minutes_to_decision"] is not None and stats["median_minutes_to_decision"] >= 0
    today = stats["decisions_by_day"][-1]
    assert len(stats["decisions_by_day"]) == 14 and (today["approve"], today["reject"]) == (1, 2)
    pages.login("mia")
    html = pages.client.get("/moderation/stats").get_data(as_text=True)
    assert "<svg" in html and 'class="bar bar-reject"' in html and "50%" in html


@pytest.mark.real_model
def test_score_endpoint(api, desk):
    _, mia = desk
    response = api.client.post("/api/v1/moderation/score", json={"text": "You are a stupid idiot.",
                                                                  "article_id": "council-budget"}, headers=mia)
    assert response.status_code == 200
    data = response.get_json()
    assert data["abuse"] > 0.5 and 0 <= data["off_topic"] <= 1 and data["model_version"]
    assert any("idiot" in h["text"].lower() for h in data["highlights"])
    for body, status in (({"text": ""}, 422), ({"text": 3}, 422), ({"text": "ok", "article_id": "nope"}, 404),
                         ({"text": "ok", "parent_id": "x"}, 422)):
        assert api.client.post("/api/v1/moderation/score", json=body, headers=mia).status_code == status


@pytest.mark.real_model
def test_score_endpoint_compares_with_the_thread_as_posting_does(api, desk, base_model):
    alice, mia = desk
    thread = [api.comment(alice, body)["body"] for body in (OPENING, ANSWER, "Will the night buses run later?")]
    text = "My cat prefers the sourdough from the bakery on the corner."
    response = api.client.post("/api/v1/moderation/score", json={"text": text, "article_id": "council-budget"},
                               headers=mia)
    article = f"{ARTICLE['title']}\n{ARTICLE['body']}"
    with_thread = base_model.score(text, article=article, context=thread).off_topic
    assert response.get_json()["off_topic"] == pytest.approx(with_thread, abs=1e-6)
    assert with_thread != pytest.approx(base_model.score(text, article=article).off_topic, abs=1e-3)


def test_score_endpoint_without_a_model_says_so(api, app, desk, tmp_path):
    _, mia = desk
    app.config["MODERATION_MODEL_PATH"] = str(tmp_path / "missing.skops")
    response = api.client.post("/api/v1/moderation/score", json={"text": "Hello."}, headers=mia)
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "model_unavailable"


def test_a_bad_action_from_the_page_changes_nothing(api, pages, desk, app):
    alice, _ = desk
    comment = held(api, alice)
    pages.login("mia")
    response = pages.submit(f"/moderation/comments/{comment['id']}/decision", {"action": "shred"},
                            page="/moderation")
    assert response.status_code == 422
    assert "must be approve, reject or escalate" in response.get_data(as_text=True)
    assert decision_count(app) == 0


@pytest.mark.parametrize("action, status", [("approve", "published"), ("reject", "rejected")])
def test_a_comment_the_policy_rejected_waits_for_a_moderator(api, app, desk, action, status):
    alice, mia = desk
    app.config["MODERATION_ABUSE_REJECT_THRESHOLD"] = 0.0
    comment = api.comment(alice, "The bus lanes are a fine idea.", article_id="council-budget")
    assert comment["status"] == "rejected"
    [item] = queue(api, mia)["items"]
    assert item["comment"]["id"] == comment["id"]
    assert decide(api, mia, comment["id"], action).status_code == 200
    assert queue(api, mia)["items"] == []
    fetched = api.client.get(f"/api/v1/comments/{comment['id']}", headers=alice).get_json()["comment"]
    assert fetched["status"] == status
    assert decide(api, mia, comment["id"], "approve").status_code == 409


def test_a_published_comment_nobody_decided_can_be_taken_down_through_the_api(api, app, desk):
    # API.md's 409 is "already decided by someone else": a published comment that never was in the
    # queue is rejected (and its author told), not refused as decided.
    alice, mia = desk
    comment = api.comment(alice, "The bus lanes are a fine idea.", article_id="council-budget")
    assert comment["status"] == "published"
    approve = decide(api, mia, comment["id"], "approve")
    assert approve.status_code == 409 and "nothing to approve" in approve.get_json()["error"]["message"]
    response = decide(api, mia, comment["id"], "reject", "spam", note="advert")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["comment"]["status"] == "rejected"
    assert response.get_json()["decision"] == {"action": "reject", "reason": "spam", "note": "advert"}
    kinds = [n["kind"] for n in api.client.get("/api/v1/notifications", headers=alice).get_json()["notifications"]]
    assert kinds == ["decision"]
    late = decide(api, api.staff("max"), comment["id"], "reject", "other")
    assert late.status_code == 409 and "by mia (reject)" in late.get_json()["error"]["message"]
    assert decision_count(app) == 1


def test_a_published_comment_a_moderator_approved_stays_decided(api, app, desk):
    alice, mia = desk
    comment = held(api, alice)
    assert decide(api, mia, comment["id"], "approve").status_code == 200
    max_ = api.staff("max")
    for action in ("reject", "escalate"):
        late = decide(api, max_, comment["id"], action)
        assert late.status_code == 409 and late.get_json()["error"]["code"] == "already_decided"
    assert decision_count(app) == 1
