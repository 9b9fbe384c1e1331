"""Readers report comments: once each, never their own, and enough reports hide a comment."""
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from moderation.models import Report
from tests.moderation_actions import CIVIL, queue, report


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
