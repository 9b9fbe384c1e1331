"""Profiles, following and the feed, through the JSON API and the pages."""
import pytest
from sqlalchemy import update

from forum.extensions import db
from forum.models import Comment, User, utcnow
from tests.factories import ARTICLE

BUSES = "More buses on the ring road would help the night-shift workers most."



def follow(api, headers, username, method="put"):
    return getattr(api.client, method)(f"/api/v1/users/{username}/follow", headers=headers)


def set_user(app, username, **values):
    with app.app_context():
        db.session.execute(update(User).where(User.username == username).values(**values))
        db.session.commit()


def set_comment(app, comment_id, **values):
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == comment_id).values(**values))
        db.session.commit()


def walk(api, path, headers, key, limit=2) -> list:
    """Follow ``next_cursor`` to the end; return every item's id (or username)."""
    seen, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = api.client.get(path, query_string=params, headers=headers).get_json()
        seen += [item.get("id", item.get("username")) for item in body[key]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_profile_shows_counts_and_relation(api, readers):
    alice, bob = readers
    api.reader("carol")
    assert follow(api, bob, "alice").status_code == 204
    profile = api.client.get("/api/v1/users/alice", headers=bob).get_json()
    assert profile["username"] == "alice" and profile["display_name"] == "alice"
    assert profile["created_at"].endswith("Z") and profile["status"] == "active"
    assert (profile["follower_count"], profile["following_count"]) == (1, 0)
    assert profile["is_following"] is True and profile["is_muted"] is False
    assert api.client.get("/api/v1/users/bob").get_json()["following_count"] == 1
    assert api.client.get("/api/v1/users/alice").get_json()["is_following"] is False


def test_unknown_profile_is_404(api, readers):
    response = api.client.get("/api/v1/users/nobody")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "user_not_found"


def test_follow_is_idempotent_and_unfollow_too(api, readers):
    alice, bob = readers
    for _ in range(2):
        assert follow(api, bob, "alice").status_code == 204
    assert api.client.get("/api/v1/users/alice").get_json()["follower_count"] == 1
    for _ in range(2):
        assert follow(api, bob, "alice", "delete").status_code == 204
    assert api.client.get("/api/v1/users/alice").get_json()["follower_count"] == 0


@pytest.mark.parametrize("username, status, code", [
    ("alice", 422, "cannot_follow_yourself"),
    ("nobody", 404, "user_not_found"),
])
def test_follow_refusals_change_nothing(api, readers, username, status, code):
    alice, _ = readers
    for method in ("put", "delete"):
        response = follow(api, alice, username, method)
        assert response.status_code == status
        assert response.get_json()["error"]["code"] == code
    assert api.client.get("/api/v1/users/alice").get_json()["following_count"] == 0


def test_following_needs_a_signed_in_reader(api, readers):
    response = api.client.put("/api/v1/users/alice/follow")
    assert response.status_code == 401


@pytest.mark.parametrize("sanction", [{"banned_at": utcnow()}, {"suspended_until": utcnow().replace(year=2099)}])
def test_sanctioned_reader_cannot_follow(api, readers, app, sanction):
    alice, bob = readers
    set_user(app, "bob", **sanction)
    assert follow(api, bob, "alice").status_code == 403
    assert api.client.get("/api/v1/users/alice").get_json()["follower_count"] == 0


def test_followers_and_following_lists_are_paginated(api, readers):
    alice, bob = readers
    others = {name: api.reader(name) for name in ("carol", "dave", "erin")}
    for headers in (bob, *others.values()):
        follow(api, headers, "alice")
    for name in ("bob", "carol", "dave"):
        follow(api, alice, name)
    assert walk(api, "/api/v1/users/alice/followers", {}, "users") == ["erin", "dave", "carol", "bob"]
    assert walk(api, "/api/v1/users/alice/following", {}, "users") == ["dave", "carol", "bob"]
    assert api.client.get("/api/v1/users/nobody/followers").status_code == 404


def test_profile_comments_are_published_only_newest_first(api, readers, app):
    alice, bob = readers
    api.article("pre-story", moderation_mode="pre", title="A story reviewed first")
    first = api.comment(alice, BUSES)
    reply = api.comment(alice, "And the trams, too.", parent_id=first["id"])
    held = api.comment(alice, "Held for review.", article_id="pre-story")
    gone = api.comment(alice, "I will delete this one.")
    api.client.delete(f"/api/v1/comments/{gone['id']}", headers=alice)
    rejected = api.comment(alice, "A comment moderators reject.")
    set_comment(app, rejected["id"], status="rejected")
    assert held["status"] == "pending"
    for headers in ({}, bob, alice):
        body = api.client.get("/api/v1/users/alice/comments", headers=headers).get_json()
        assert [c["id"] for c in body["comments"]] == [reply["id"], first["id"]]
    listed = api.client.get("/api/v1/users/alice/comments").get_json()["comments"]
    assert listed[0]["article"] == {"id": "council-budget", "title": ARTICLE["title"]}
    assert listed[0]["in_reply_to"] == {"id": first["id"], "author": {"username": "alice", "display_name": "alice"},
                                        "excerpt": BUSES}
    assert listed[1]["in_reply_to"] is None and listed[1]["reply_count"] == 1


def test_banned_reader_profile_says_so(api, readers, app, client):
    set_user(app, "alice", banned_at=utcnow())
    assert api.client.get("/api/v1/users/alice").get_json()["status"] == "banned"
    assert "This reader is banned" in client.get("/users/alice").get_data(as_text=True)


def test_feed_has_followed_readers_published_comments_newest_first(api, readers, app):
    alice, bob = readers
    carol = api.reader("carol")
    follow(api, bob, "alice")
    follow(api, bob, "carol")
    mine = api.comment(bob, "My own comment is not in my feed.")
    a1 = api.comment(alice, BUSES)
    c1 = api.comment(carol, "The fares matter more than the timetable.", parent_id=mine["id"])
    stranger = api.reader("dave")
    api.comment(stranger, "Nobody follows me.")
    gone = api.comment(carol, "Deleted soon.")
    api.client.delete(f"/api/v1/comments/{gone['id']}", headers=carol)
    held = api.comment(alice, "Rejected by a moderator.")
    set_comment(app, held["id"], status="rejected")
    body = api.client.get("/api/v1/feed", headers=bob).get_json()
    assert [c["id"] for c in body["comments"]] == [c1["id"], a1["id"]]
    reply = body["comments"][0]
    assert reply["article"]["id"] == "council-budget" and reply["article"]["title"]
    assert reply["in_reply_to"] == {"id": mine["id"], "author": {"username": "bob", "display_name": "bob"},
                                    "excerpt": "My own comment is not in my feed."}
    assert body["comments"][1]["in_reply_to"] is None


def test_feed_pages_walk_every_comment_once(api, readers):
    alice, bob = readers
    follow(api, bob, "alice")
    ids = [api.comment(alice, f"Point {n} about the bus budget.")["id"] for n in range(5)]
    assert walk(api, "/api/v1/feed", bob, "comments") == ids[::-1]


def test_feed_hides_what_a_reply_answers_when_it_is_not_published(api, readers):
    alice, bob = readers
    follow(api, bob, "alice")
    parent = api.comment(bob, "Soon deleted.")
    reply = api.comment(alice, "Replying before the deletion.", parent_id=parent["id"])
    api.client.delete(f"/api/v1/comments/{parent['id']}", headers=bob)
    [item] = api.client.get("/api/v1/feed", headers=bob).get_json()["comments"]
    assert item["id"] == reply["id"]
    assert item["in_reply_to"] == {"id": parent["id"], "author": None, "excerpt": None}


def test_feed_needs_a_signed_in_reader(api, readers):
    assert api.client.get("/api/v1/feed").status_code == 401


def test_bad_cursor_is_a_clear_error(api, readers):
    alice, _ = readers
    response = api.client.get("/api/v1/feed?cursor=garbage", headers=alice)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_cursor"


def test_profile_page_and_follow_button(api, readers, pages, app):
    alice, _ = readers
    comment = api.comment(alice, BUSES)
    pages.login("bob")
    html = pages.client.get("/users/alice").get_data(as_text=True)
    assert "alice" in html and "joined" in html and "0</strong> followers" in html
    assert f"/comments/{comment['id']}#comment-{comment['id']}" in html
    assert "City council approves a budget" in html and BUSES in html
    response = pages.submit("/users/alice/follow", {}, page="/users/alice", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "You now follow alice" in html and "1</strong> follower" in html and "Unfollow" in html
    pages.submit("/users/alice/unfollow", {}, page="/users/alice")
    assert api.client.get("/api/v1/users/alice").get_json()["follower_count"] == 0


def test_follow_form_without_csrf_token_changes_nothing(api, readers, pages):
    pages.login("bob")
    assert pages.client.post("/users/alice/follow").status_code == 400
    assert api.client.get("/api/v1/users/alice").get_json()["follower_count"] == 0


def test_follow_yourself_from_the_page_is_refused(api, readers, pages):
    pages.login("alice")
    response = pages.submit("/users/alice/follow", {}, page="/users/alice")
    assert response.status_code == 422
    assert "You cannot follow yourself" in response.get_data(as_text=True)


def test_feed_and_people_pages(api, readers, pages):
    alice, bob = readers
    follow(api, bob, "alice")
    api.comment(alice, BUSES)
    pages.login("bob")
    html = pages.client.get("/feed").get_data(as_text=True)
    assert BUSES in html and 'href="/users/alice"' in html and 'href="/feed"' in html
    assert "bob" in pages.client.get("/users/alice/followers").get_data(as_text=True)
    assert "alice" in pages.client.get("/users/bob/following").get_data(as_text=True)
    assert pages.client.get("/users/nobody").status_code == 404


def test_feed_page_needs_login(client, readers):
    response = client.get("/feed")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
