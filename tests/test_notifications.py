"""Who is notified of what, the unread count, and marking read — through the API and the pages."""
import pytest

from tests.factories import ANSWER, ARTICLE, OPENING


def inbox(api, headers, **params) -> dict:
    response = api.client.get("/api/v1/notifications", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def kinds(api, headers) -> list:
    return [(n["kind"], n["actor"]["username"] if n["actor"] else None, n["comment"]["id"])
            for n in inbox(api, headers)["notifications"]]


def mark(api, headers, body):
    return api.client.post("/api/v1/notifications/read", json=body, headers=headers)


def test_reply_to_my_comment_notifies_me(api, readers):
    alice, bob = readers
    mine = api.comment(alice, OPENING)
    reply = api.comment(bob, ANSWER, parent_id=mine["id"])
    body = inbox(api, alice)
    assert body["unread_count"] == 1 and body["next_cursor"] is None
    [note] = body["notifications"]
    assert note["kind"] == "reply" and note["read_at"] is None and note["created_at"].endswith("Z")
    assert note["actor"] == {"username": "bob", "display_name": "bob"}
    assert note["comment"] == {"id": reply["id"], "parent_id": mine["id"], "excerpt": ANSWER,
                               "article": {"id": "council-budget", "title": ARTICLE["title"]}}
    assert inbox(api, bob)["notifications"] == []


def test_my_own_actions_notify_nobody(api, readers):
    alice, _ = readers
    mine = api.comment(alice, OPENING)
    api.comment(alice, "Replying to myself with a correction.", parent_id=mine["id"])
    assert inbox(api, alice) == {"notifications": [], "unread_count": 0, "next_cursor": None}


def test_followers_hear_of_new_comments_and_replies(api, readers):
    alice, bob = readers
    carol = api.reader("carol")
    for headers in (bob, carol):
        api.client.put("/api/v1/users/alice/follow", headers=headers)
    top = api.comment(alice, OPENING)
    dave = api.reader("dave")
    other = api.comment(dave, "A different view on the bus lanes.")
    reply = api.comment(alice, ANSWER, parent_id=other["id"])
    for headers in (bob, carol):
        assert kinds(api, headers) == [("followed_comment", "alice", reply["id"]),
                                       ("followed_comment", "alice", top["id"])]
    assert kinds(api, dave) == [("reply", "alice", reply["id"])]


def test_a_follower_who_is_replied_to_hears_it_once(api, readers):
    alice, bob = readers
    api.client.put("/api/v1/users/alice/follow", headers=bob)
    mine = api.comment(bob, OPENING)
    reply = api.comment(alice, ANSWER, parent_id=mine["id"])
    assert kinds(api, bob) == [("reply", "alice", reply["id"])]


def test_a_held_comment_notifies_only_once_published(api, readers, client):
    alice, bob = readers
    api.client.put("/api/v1/users/alice/follow", headers=bob)
    api.article("later", moderation_mode="pre")
    mine = api.comment(bob, OPENING, article_id="later")
    assert mine["status"] == "pending"
    held = api.comment(alice, ANSWER, article_id="later")
    assert held["status"] == "pending" and inbox(api, bob)["notifications"] == []
    # An edit never releases a hold, even once the article is no longer pre-moderated.
    api.article("later", moderation_mode="post")
    edited = api.client.patch(f"/api/v1/comments/{held['id']}", json={"body": ANSWER + " Edited."}, headers=alice)
    assert edited.get_json()["comment"]["status"] == "pending" and inbox(api, bob)["notifications"] == []
    decision = api.client.post(f"/api/v1/moderation/comments/{held['id']}/decision", json={"action": "approve"},
                               headers=api.staff("mia"))
    assert decision.status_code == 200
    edited = api.client.patch(f"/api/v1/comments/{held['id']}", json={"body": ANSWER + " Again."}, headers=alice)
    assert edited.get_json()["comment"]["status"] == "published"
    assert kinds(api, bob) == [("followed_comment", "alice", held["id"])]


def test_rejected_and_deleted_comments_leave_no_notification(api, readers, app):
    alice, bob = readers
    mine = api.comment(alice, OPENING)
    reply = api.comment(bob, ANSWER, parent_id=mine["id"])
    assert inbox(api, alice)["unread_count"] == 1
    api.client.delete(f"/api/v1/comments/{reply['id']}", headers=bob)
    assert inbox(api, alice) == {"notifications": [], "unread_count": 0, "next_cursor": None}


def test_unread_filter_and_pagination(api, readers):
    alice, bob = readers
    mine = api.comment(alice, OPENING)
    replies = [api.comment(bob, f"Reply number {n} about the fees.", parent_id=mine["id"])["id"] for n in range(5)]
    first = inbox(api, alice, limit=2)
    assert [n["comment"]["id"] for n in first["notifications"]] == replies[:-3:-1]
    second = inbox(api, alice, limit=2, cursor=first["next_cursor"])
    assert [n["comment"]["id"] for n in second["notifications"]] == replies[2:0:-1]
    newest = first["notifications"][0]["id"]
    assert mark(api, alice, {"ids": [newest]}).status_code == 204
    unread = inbox(api, alice, unread=1)
    assert unread["unread_count"] == 4 and newest not in [n["id"] for n in unread["notifications"]]
    assert len(inbox(api, alice, unread=0)["notifications"]) == 5
    assert api.client.get("/api/v1/notifications?unread=maybe", headers=alice).status_code == 422


def test_mark_all_read(api, readers):
    alice, bob = readers
    mine = api.comment(alice, OPENING)
    for n in range(3):
        api.comment(bob, f"Reply {n}.", parent_id=mine["id"])
    assert mark(api, alice, {"all": True}).status_code == 204
    body = inbox(api, alice)
    assert body["unread_count"] == 0 and all(n["read_at"] for n in body["notifications"])


def test_marking_someone_elses_notification_is_refused_and_changes_nothing(api, readers):
    alice, bob = readers
    mine = api.comment(alice, OPENING)
    theirs = api.comment(bob, "Bob's own comment.")
    api.comment(bob, ANSWER, parent_id=mine["id"])
    api.comment(alice, ANSWER, parent_id=theirs["id"])
    alices = inbox(api, alice)["notifications"][0]["id"]
    bobs = inbox(api, bob)["notifications"][0]["id"]
    response = mark(api, alice, {"ids": [alices, bobs]})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "notification_not_found"
    assert inbox(api, alice)["unread_count"] == 1 and inbox(api, bob)["unread_count"] == 1


@pytest.mark.parametrize("body", [
    {}, {"ids": "1"}, {"ids": []}, {"ids": [True]}, {"ids": ["1"]}, {"ids": [1.5]}, {"all": "yes"},
    {"all": False}, {"ids": [1], "all": True}, {"ids": list(range(1, 200))},
])
def test_wrong_mark_read_bodies_are_422_and_change_nothing(api, readers, body):
    alice, bob = readers
    mine = api.comment(alice, OPENING)
    api.comment(bob, ANSWER, parent_id=mine["id"])
    response = mark(api, alice, body)
    assert response.status_code == 422, body
    assert response.get_json()["error"]["message"]
    assert inbox(api, alice)["unread_count"] == 1


def test_mark_read_needs_json_and_a_reader(api, readers):
    alice, _ = readers
    response = api.client.post("/api/v1/notifications/read", data="ids=1", headers=alice)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"
    assert api.client.post("/api/v1/notifications/read", json={"all": True}).status_code == 401
    assert api.client.get("/api/v1/notifications").status_code == 401


def test_header_badge_and_notifications_page(api, readers, pages):
    alice, bob = readers
    mine = api.comment(alice, OPENING)
    api.comment(bob, ANSWER, parent_id=mine["id"])
    api.comment(bob, "A second reply.", parent_id=mine["id"])
    pages.login("alice")
    html = pages.client.get("/").get_data(as_text=True)
    assert 'href="/notifications">Notifications <span class="badge" aria-label="2 unread">2</span>' in html
    html = pages.client.get("/notifications").get_data(as_text=True)
    assert "bob</a> replied to your comment on" in html and ARTICLE["title"] in html
    note_id = inbox(api, alice)["notifications"][0]["id"]
    response = pages.submit("/notifications/read", {"id": note_id}, page="/notifications", follow_redirects=True)
    assert 'aria-label="1 unread"' in response.get_data(as_text=True)
    response = pages.submit("/notifications/read", {"all": "1"}, page="/notifications", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "All notifications are marked read." in html and 'class="badge"' not in html


def test_notifications_page_refuses_someone_elses_id(api, readers, pages):
    alice, bob = readers
    theirs = api.comment(bob, OPENING)
    api.comment(alice, ANSWER, parent_id=theirs["id"])
    bobs = inbox(api, bob)["notifications"][0]["id"]
    pages.login("alice")
    for data in ({"id": bobs}, {"id": "x"}):
        assert pages.submit("/notifications/read", data, page="/notifications").status_code in (404, 422)
    assert inbox(api, bob)["unread_count"] == 1


def test_notifications_page_needs_login(client):
    response = client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def decide(api, headers, comment_id, action):
    response = api.client.post(f"/api/v1/moderation/comments/{comment_id}/decision",
                               json={"action": action, "note": "Checked against the guidelines."}, headers=headers)
    assert response.status_code == 200, response.get_json()


def test_a_moderators_decision_notifies_the_author_and_approval_announces(api, readers):
    alice, bob = readers
    moderator = api.staff("maria")
    api.client.put("/api/v1/users/alice/follow", headers=bob)
    api.article("later", moderation_mode="pre")
    approved = api.comment(alice, OPENING, article_id="later")
    rejected = api.comment(alice, ANSWER, article_id="later")
    escalated = api.comment(alice, "A hard case for the senior desk.", article_id="later")
    assert inbox(api, bob)["notifications"] == []
    decide(api, moderator, escalated["id"], "escalate")
    decide(api, moderator, approved["id"], "approve")
    decide(api, moderator, rejected["id"], "reject")
    notes = inbox(api, alice)["notifications"]
    assert [(n["kind"], n["comment"]["id"], n["decision"]) for n in notes] == [
        ("decision", rejected["id"], "rejected"), ("decision", approved["id"], "approved")]
    assert kinds(api, bob) == [("followed_comment", "alice", approved["id"])]


def test_a_rejection_tells_its_author_why_with_the_guidelines(api, readers, pages):
    alice, _ = readers
    moderator = api.staff("maria")
    api.article("later", moderation_mode="pre")
    approved = api.comment(alice, OPENING, article_id="later")
    rejected = api.comment(alice, ANSWER, article_id="later")
    decide(api, moderator, approved["id"], "approve")
    answer = api.client.post(f"/api/v1/moderation/comments/{rejected['id']}/decision",
                             json={"action": "reject", "reason": "spam"}, headers=moderator)
    assert answer.status_code == 200, answer.get_json()
    notes = inbox(api, alice)["notifications"]
    assert [(n["decision"], n["reason"]) for n in notes] == [("rejected", "Spam or advertising"), ("approved", None)]
    pages.login("alice")
    html = pages.client.get("/notifications").get_data(as_text=True)
    assert "· Spam or advertising" in html and 'href="/guidelines">Community guidelines</a>' in html


def test_the_badge_stops_counting_at_99(api, readers, pages):
    alice, bob = readers
    api.client.put("/api/v1/users/bob/follow", headers=alice)
    for n in range(100):
        api.comment(bob, f"Bus stop survey, entry {n}: the shelter on Quay Street needs a bench.")
    assert inbox(api, alice)["unread_count"] == 100
    pages.login("alice")
    html = pages.client.get("/notifications").get_data(as_text=True)
    assert 'aria-label="99+ unread">99+</span>' in html and "Unread (99+)" in html
