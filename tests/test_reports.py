"""Readers report comments: once each, never their own; one report queues a comment, enough hide it."""
import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from moderation.models import Report
from tests.moderation_actions import CIVIL, decide, queue, report


@pytest.fixture
def published(api):
    api.article()
    author = api.reader("alice")
    return api.comment(author, CIVIL)


def report_total(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Report))


def test_report_with_reason_and_note(api, published, app):
    bob = api.reader("bob")
    response = report(api, bob, published["id"], "spam", "Links to a shop.")
    assert response.status_code == 201
    assert response.get_json()["report"] == {"id": 1, "comment_id": published["id"], "reason": "spam",
                                             "note": "Links to a shop."}
    assert report_total(app) == 1


def test_the_same_reader_cannot_report_twice(api, published, app):
    bob = api.reader("bob")
    assert report(api, bob, published["id"]).status_code == 201
    again = report(api, bob, published["id"], "other")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_reported"
    assert report_total(app) == 1


def test_a_reader_cannot_report_their_own_comment(api, published, app):
    alice = api.login("alice")
    response = report(api, alice, published["id"])
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "own_comment"
    assert report_total(app) == 0


@pytest.mark.parametrize("body, code", [
    ({"reason": "boring"}, "invalid_reason"),
    ({}, "invalid_reason"),
    ({"reason": 3}, "invalid_reason"),
    ({"reason": "spam", "note": 7}, "wrong_type"),
    ({"reason": "spam", "note": "x" * 1001}, "too_long"),
])
def test_bad_reports_are_refused_and_change_nothing(api, published, app, body, code):
    bob = api.reader("bob")
    response = api.client.post(f"/api/v1/comments/{published['id']}/reports", json=body, headers=bob)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code
    assert report_total(app) == 0


def test_a_deleted_comment_cannot_be_reported(api, published):
    assert api.client.delete(f"/api/v1/comments/{published['id']}", headers=api.login("alice")).status_code == 204
    response = report(api, api.staff("mia"), published["id"])
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "comment_deleted"


def test_reporting_needs_a_login_and_a_visible_comment(api, published):
    assert api.client.post(f"/api/v1/comments/{published['id']}/reports", json={"reason": "spam"}).status_code == 401
    bob = api.reader("bob")
    assert report(api, bob, 999999).status_code == 404


def test_enough_distinct_reports_hide_the_comment_until_a_moderator_decides(api, app, published):
    app.config["REPORT_HIDE_THRESHOLD"] = 2
    readers = [api.reader(name) for name in ("bob", "carol")]
    assert report(api, readers[0], published["id"]).status_code == 201
    assert api.client.get(f"/api/v1/comments/{published['id']}").status_code == 200
    assert report(api, readers[1], published["id"], "off_topic").status_code == 201
    assert api.client.get(f"/api/v1/comments/{published['id']}").status_code == 404
    mine = api.client.get(f"/api/v1/comments/{published['id']}", headers=api.login("alice")).get_json()
    assert mine["comment"]["status"] == "pending" and mine["comment"]["hold_reason"] == "reported"
    moderator = api.staff("mia")
    [item] = queue(api, moderator, reason="reported")["items"]
    assert item["comment"]["id"] == published["id"]
    assert [(r["reason"], r["reporter"]) for r in item["reports"]] == [("abusive", "bob"), ("off_topic", "carol")]


def test_an_approved_comment_is_not_hidden_again_by_the_reports_already_weighed(api, app, published):
    app.config["REPORT_HIDE_THRESHOLD"] = 2
    for name in ("bob", "carol"):
        report(api, api.reader(name), published["id"])
    moderator = api.staff("mia")
    response = api.client.post(f"/api/v1/moderation/comments/{published['id']}/decision",
                               json={"action": "approve"}, headers=moderator)
    assert response.status_code == 200
    assert report(api, api.reader("dave"), published["id"]).status_code == 201
    assert api.client.get(f"/api/v1/comments/{published['id']}").status_code == 200
    assert report(api, api.reader("erin"), published["id"]).status_code == 201
    assert api.client.get(f"/api/v1/comments/{published['id']}").status_code == 404


def test_report_from_the_thread_page_without_javascript(api, pages, published, app):
    api.register("bob")
    pages.login("bob")
    page = "/articles/council-budget"
    assert "Send report" in pages.client.get(page).get_data(as_text=True)
    response = pages.submit(f"/comments/{published['id']}/report", {"reason": "abusive", "note": "Rude."},
                            page=page, follow_redirects=True)
    assert response.status_code == 200
    assert "a moderator will look at this comment" in response.get_data(as_text=True)
    again = pages.submit(f"/comments/{published['id']}/report", {"reason": "spam"}, page=page,
                         follow_redirects=True)
    assert "already reported" in again.get_data(as_text=True)
    assert report_total(app) == 1


def test_the_report_button_is_not_offered_on_your_own_comment(api, pages, published):
    pages.login("alice")
    assert "Send report" not in pages.client.get("/articles/council-budget").get_data(as_text=True)


def queued_ids(api, headers, **params) -> list[int]:
    return [item["comment"]["id"] for item in queue(api, headers, **params)["items"]]


def visible(api, comment_id) -> bool:
    return api.client.get(f"/api/v1/comments/{comment_id}").status_code == 200


@pytest.mark.parametrize("threshold", [1, 2, 3])
def test_one_report_queues_a_comment_and_the_threshold_hides_it(api, app, published, threshold):
    app.config["REPORT_HIDE_THRESHOLD"] = threshold
    moderator = api.staff("mia")
    for n, name in enumerate(("bob", "carol", "dave")[:threshold], start=1):
        assert report(api, api.reader(name), published["id"]).status_code == 201
        assert queued_ids(api, moderator) == [published["id"]]
        assert queued_ids(api, moderator, reason="reported") == [published["id"]]
        assert visible(api, published["id"]) is (n < threshold)
    [item] = queue(api, moderator)["items"]
    assert item["hold_reason"] == "reported" and len(item["reports"]) == threshold


def test_the_default_threshold_is_three(api, app, published):
    assert app.config["REPORT_HIDE_THRESHOLD"] == 3
    for name in ("bob", "carol"):
        report(api, api.reader(name), published["id"])
    assert visible(api, published["id"])
    report(api, api.reader("dave"), published["id"])
    assert not visible(api, published["id"])


def test_a_reported_comment_counts_in_the_badge_and_the_stats(api, pages, published):
    moderator = api.staff("mia")
    report(api, api.reader("bob"), published["id"], "spam")
    stats = api.client.get("/api/v1/moderation/stats", headers=moderator).get_json()
    assert stats["queue_size"] == 1 and stats["queue_by_reason"]["reported"] == 1
    pages.login("mia")
    html = pages.client.get("/").get_data(as_text=True)
    assert re.search(r'href="/moderation">Moderation <span class="badge"[^>]*>1</span>', html)
    desk = pages.client.get("/moderation?reason=reported").get_data(as_text=True)
    assert f'id="q-{published["id"]}"' in desk and "reason-reported" in desk


@pytest.mark.parametrize("hidden", [False, True], ids=["still-published", "hidden"])
def test_approving_a_reported_comment_takes_it_out_of_the_queue(api, app, hidden):
    app.config["REPORT_HIDE_THRESHOLD"] = 1 if hidden else 3
    api.article()
    alice, bob, moderator = api.reader("alice"), api.reader("bob"), api.staff("mia")
    api.client.put("/api/v1/users/alice/follow", headers=bob)
    comment = api.comment(alice, CIVIL)
    report(api, api.reader("carol"), comment["id"])
    decided = decide(api, moderator, comment["id"], "approve")
    assert decided.status_code == 200 and decided.get_json()["comment"]["status"] == "published"
    assert queued_ids(api, moderator) == [] and visible(api, comment["id"])
    assert decide(api, moderator, comment["id"], "approve").status_code == 409
    # Followers heard of the comment when it was first published, and do not hear of it again.
    notes = api.client.get("/api/v1/notifications", headers=bob).get_json()["notifications"]
    assert [n["kind"] for n in notes] == ["followed_comment"]
    # The author is told only when the approval gave back a comment the reports had hidden.
    kinds = [n["kind"] for n in api.client.get("/api/v1/notifications", headers=alice).get_json()["notifications"]]
    assert ("decision" in kinds) is hidden
    # A new report after the decision queues it again.
    report(api, api.reader("dave"), comment["id"])
    assert queued_ids(api, moderator) == [comment["id"]]


@pytest.mark.parametrize("reasons, rejection", [
    (["spam"], "spam"),
    (["abusive", "spam", "spam"], "spam"),
    (["off_topic", "abusive"], "off_topic"),
    (["other"], "other"),
])
def test_rejecting_a_reported_comment_rejects_it_for_the_readers_commonest_reason(api, published, reasons,
                                                                                 rejection):
    moderator = api.staff("mia")
    for name, reason in zip(("bob", "carol", "dave"), reasons, strict=False):
        report(api, api.reader(name), published["id"], reason)
    decided = decide(api, moderator, published["id"], "reject")
    assert decided.status_code == 200 and decided.get_json()["decision"]["reason"] == rejection
    assert decided.get_json()["comment"]["status"] == "rejected"
    assert not visible(api, published["id"]) and queued_ids(api, moderator) == []
    [entry] = api.client.get("/api/v1/moderation/log", headers=moderator).get_json()["decisions"]
    assert entry["hold_reason"] == "reported" and entry["reason"] == rejection


def test_reports_from_the_page_queue_the_comment_for_the_desk_page(api, pages, published):
    api.register("bob")
    pages.login("bob")
    pages.submit(f"/comments/{published['id']}/report", {"reason": "abusive"}, page="/articles/council-budget")
    moderator = type(pages)(pages.client.application)
    api.staff("mia")
    moderator.login("mia")
    response = moderator.submit(f"/moderation/comments/{published['id']}/decision", {"action": "approve"},
                                page="/moderation", follow_redirects=True)
    assert f"Approved comment {published['id']}." in response.get_data(as_text=True)
    assert "All clear" in response.get_data(as_text=True)
