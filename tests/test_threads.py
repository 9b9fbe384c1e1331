"""Posting, replying, reading, editing and deleting comments through the JSON API."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import Comment
from tests.factories import bearer, sql_sent

CIVIL = "The bus money is welcome, but I would like to know how the parking fees were set."


@pytest.fixture
def alice(api):
    api.article()
    return api.reader("alice")


def comment_total(app) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.count()).select_from(Comment))


def test_post_and_read_back(api, alice):
    comment = api.comment(alice, CIVIL)
    assert comment["status"] == "published"
    assert comment["author"] == {"username": "alice", "display_name": "alice"}
    assert comment["body"] == CIVIL and comment["parent_id"] is None
    assert comment["created_at"].endswith("Z") and comment["edited_at"] is None
    assert "scores" not in comment
    fetched = api.client.get(f"/api/v1/comments/{comment['id']}").get_json()["comment"]
    assert fetched["body"] == CIVIL
    thread = api.thread()
    assert [c["id"] for c in thread["comments"]] == [comment["id"]] and thread["next_cursor"] is None
    assert api.client.get("/api/v1/articles/council-budget").get_json()["comment_count"] == 1


def test_line_breaks_are_kept_and_markup_is_not_interpreted(api, alice, client):
    body = "First line\nsecond line <script>alert(1)</script>\r\n\r\nNew paragraph & more"
    comment = api.comment(alice, body)
    assert comment["body"] == "First line\nsecond line <script>alert(1)</script>\n\nNew paragraph & more"
    page = client.get("/articles/council-budget").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "First line<br>second line" in page


def test_replies_nest_under_their_parent_in_one_tree(api, alice):
    bob = api.reader("bob")
    root = api.comment(alice, CIVIL)
    reply = api.comment(bob, "The fees were set by the transport committee in March.", parent_id=root["id"])
    deeper = api.comment(alice, "Thanks, I will read the committee minutes.", parent_id=reply["id"])
    thread = api.thread()
    [top] = thread["comments"]
    assert top["reply_count"] == 1
    assert top["replies"][0]["id"] == reply["id"]
    assert top["replies"][0]["replies"][0]["id"] == deeper["id"]
    assert deeper["parent_id"] == reply["id"]


def test_sorting_newest_oldest_top(api, alice):
    ids = [api.comment(alice, f"Point number {n} about the bus budget and the parking fees.")["id"]
           for n in range(3)]
    assert [c["id"] for c in api.thread(sort="newest")["comments"]] == ids[::-1]
    assert [c["id"] for c in api.thread(sort="oldest")["comments"]] == ids
    with api.app.app_context():
        db.session.execute(update(Comment).where(Comment.id == ids[1]).values(reaction_count=5))
        db.session.commit()
    assert api.thread(sort="top")["comments"][0]["id"] == ids[1]
    response = api.client.get("/api/v1/articles/council-budget/comments?sort=loudest")
    assert response.status_code == 422


def test_keyset_pagination_walks_every_top_level_comment_once(api, alice):
    ids = [api.comment(alice, f"Comment {n}: the council should publish the bus figures.")["id"]
           for n in range(7)]
    seen, cursor = [], None
    while True:
        page = api.thread(sort="oldest", limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [c["id"] for c in page["comments"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    assert api.client.get("/api/v1/articles/council-budget/comments?cursor=garbage").status_code == 400
    assert api.client.get("/api/v1/articles/council-budget/comments?limit=zero").status_code == 422


def test_posting_needs_login(api, alice, app):
    response = api.post({}, CIVIL)
    assert response.status_code == 401
    assert response.get_json()["error"]["message"]
    assert comment_total(app) == 0


@pytest.mark.parametrize("body, status, code", [
    ("", 422, "empty_body"),
    ("   \n\t  ", 422, "empty_body"),
    ("x" * 5001, 413, "too_long"),
    ("bell \x07 character", 422, "control_characters"),
    ("null \x00 byte", 422, "control_characters"),
    (42, 422, "invalid_body"),
    (None, 422, "invalid_body"),
    (["a list"], 422, "invalid_body"),
])
def test_bad_bodies_are_refused_and_write_nothing(api, alice, app, body, status, code):
    response = api.post(alice, body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert comment_total(app) == 0


def test_a_body_at_the_limit_is_accepted(api, alice):
    body = ("Buses " * 834)[:5000]
    assert api.post(alice, body).status_code == 201


def test_huge_request_is_413(api, alice, app):
    response = api.post(alice, "x" * 100_000)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert comment_total(app) == 0


def test_unknown_article_and_parent(api, alice, app):
    assert api.post(alice, CIVIL, article_id="no-such-article").status_code == 404
    assert api.post(alice, CIVIL, parent_id=999999).status_code == 404
    assert api.post(alice, CIVIL, parent_id="1").status_code == 422
    assert comment_total(app) == 0


def test_reply_to_a_comment_on_another_article_is_422(api, alice, app):
    api.article("other-story", title="Another story about the harbour")
    other = api.comment(alice, CIVIL, article_id="other-story")
    response = api.post(alice, "Replying across articles.", parent_id=other["id"])
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "parent_on_other_article"
    assert comment_total(app) == 1


def test_closed_article_refuses_comments(api, alice, app):
    api.article(moderation_mode="closed")
    response = api.post(alice, CIVIL)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "article_closed"
    assert comment_total(app) == 0


def test_pre_moderated_article_holds_every_comment(api, alice):
    api.article(moderation_mode="pre")
    comment = api.comment(alice, CIVIL)
    assert comment["status"] == "pending" and comment["hold_reason"] == "premoderation"
    # The author sees it; nobody else does.
    assert [c["id"] for c in api.thread(headers=alice)["comments"]] == [comment["id"]]
    assert api.thread()["comments"] == []
    assert api.client.get(f"/api/v1/comments/{comment['id']}").status_code == 404
    bob = api.reader("bob")
    assert api.client.get(f"/api/v1/comments/{comment['id']}", headers=bob).status_code == 404


def test_edit_own_comment_within_the_window(api, alice):
    comment = api.comment(alice, CIVIL)
    response = api.client.patch(f"/api/v1/comments/{comment['id']}", json={"body": CIVIL + " Edited."},
                                headers=alice)
    assert response.status_code == 200
    edited = response.get_json()["comment"]
    assert edited["body"].endswith("Edited.") and edited["edited_at"] is not None


def test_edit_after_the_window_is_409(api, alice, app):
    comment = api.comment(alice, CIVIL)
    with app.app_context():
        db.session.get(Comment, comment["id"]).created_at -= timedelta(minutes=16)
        db.session.commit()
    response = api.client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "Too late."}, headers=alice)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "edit_window_over"
    assert api.client.get(f"/api/v1/comments/{comment['id']}").get_json()["comment"]["body"] == CIVIL


def test_edit_window_is_configurable(api, alice, app):
    app.config["COMMENT_EDIT_WINDOW_SECONDS"] = 0
    comment = api.comment(alice, CIVIL)
    response = api.client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "Late."}, headers=alice)
    assert response.status_code == 409


def test_editing_or_deleting_someone_elses_comment_is_403(api, alice):
    comment = api.comment(alice, CIVIL)
    bob = api.reader("bob")
    response = api.client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "Mine now."}, headers=bob)
    assert response.status_code == 403
    assert api.client.delete(f"/api/v1/comments/{comment['id']}", headers=bob).status_code == 403
    assert api.client.get(f"/api/v1/comments/{comment['id']}").get_json()["comment"]["body"] == CIVIL


@pytest.mark.parametrize("payload", [{"body": ""}, {"body": 5}, {}, {"body": "x" * 5001}])
def test_bad_edits_change_nothing(api, alice, payload):
    comment = api.comment(alice, CIVIL)
    response = api.client.patch(f"/api/v1/comments/{comment['id']}", json=payload, headers=alice)
    assert response.status_code in (413, 422)
    fetched = api.client.get(f"/api/v1/comments/{comment['id']}").get_json()["comment"]
    assert fetched["body"] == CIVIL and fetched["edited_at"] is None


def test_delete_leaves_a_placeholder_only_where_there_are_replies(api, alice):
    bob = api.reader("bob")
    lonely = api.comment(alice, "A comment nobody answers about the bus budget.")
    answered = api.comment(alice, CIVIL)
    api.comment(bob, "The committee minutes explain the fees.", parent_id=answered["id"])
    for comment in (lonely, answered):
        assert api.client.delete(f"/api/v1/comments/{comment['id']}", headers=alice).status_code == 204
    [placeholder] = api.thread()["comments"]
    assert placeholder["id"] == answered["id"] and placeholder["status"] == "deleted"
    assert placeholder["body"] == "" and placeholder["author"] is None
    assert len(placeholder["replies"]) == 1
    assert api.client.get(f"/api/v1/comments/{lonely['id']}").status_code == 404


def test_unknown_comment_is_404(api, alice):
    assert api.client.get("/api/v1/comments/424242").status_code == 404
    assert api.client.patch("/api/v1/comments/424242", json={"body": "x"}, headers=alice).status_code == 404
    assert api.client.delete("/api/v1/comments/424242", headers=alice).status_code == 404


def test_replies_come_without_one_query_per_comment(api, alice, app):
    root = api.comment(alice, CIVIL)
    parent = root["id"]
    for n in range(8):
        parent = api.comment(alice, f"Reply {n} on the bus budget.", parent_id=parent)["id"]
    for n in range(5):
        api.comment(alice, f"Top-level {n} on the parking fees.")
    with sql_sent(app) as statements:
        api.thread()
    # The article; the page of top-level comments: two walks of an index (the comments shown, the
    # placeholders among them), then their rows; then one query per level of replies shown.
    assert len(statements) <= 3 + app.config["THREAD_DISPLAY_DEPTH"], statements


def test_bearer_token_is_not_needed_for_reading(api, alice):
    api.comment(alice, CIVIL)
    assert api.client.get("/api/v1/articles/council-budget/comments").status_code == 200
    assert api.client.get("/api/v1/articles/council-budget/comments", headers=bearer("bad")).status_code == 401
