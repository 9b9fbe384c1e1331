"""Muting: the muted reader is collapsed in my threads, left out of my feed and notifications, and not told."""
import pytest

from tests.factories import ANSWER, OPENING


def mute(api, headers, username, method="put"):
    return getattr(api.client, method)(f"/api/v1/users/{username}/mute", headers=headers)


def notes(api, headers) -> dict:
    return api.client.get("/api/v1/notifications", headers=headers).get_json()


def test_mute_is_idempotent_and_private(api, readers):
    alice, bob = readers
    for _ in range(2):
        assert mute(api, alice, "bob").status_code == 204
    assert api.client.get("/api/v1/users/bob", headers=alice).get_json()["is_muted"] is True
    seen_by_bob = api.client.get("/api/v1/users/bob", headers=bob).get_json()
    assert seen_by_bob["is_muted"] is False and seen_by_bob["follower_count"] == 0
    assert api.client.get("/api/v1/users/alice", headers=bob).get_json()["is_muted"] is False
    for _ in range(2):
        assert mute(api, alice, "bob", "delete").status_code == 204
    assert api.client.get("/api/v1/users/bob", headers=alice).get_json()["is_muted"] is False


@pytest.mark.parametrize("username, status", [("alice", 422), ("nobody", 404)])
def test_mute_refusals(api, readers, username, status):
    alice, _ = readers
    assert mute(api, alice, username).status_code == status
    assert mute(api, {}, "bob").status_code == 401


def test_muted_comments_are_collapsed_in_my_threads_only(api, readers, pages, client):
    alice, bob = readers
    api.comment(bob, OPENING)
    mute(api, alice, "bob")
    pages.login("alice")
    html = pages.client.get("/articles/council-budget").get_data(as_text=True)
    assert '<details class="muted-comment"><summary>A comment by bob, whom you muted.' in html
    assert OPENING in html
    assert "muted-comment" not in client.get("/articles/council-budget").get_data(as_text=True)
    pages.submit("/users/bob/unmute", {}, page="/users/bob")
    assert "muted-comment" not in pages.client.get("/articles/council-budget").get_data(as_text=True)


def test_mute_and_unmute_from_the_profile_page(api, readers, pages):
    pages.login("alice")
    response = pages.submit("/users/bob/mute", {}, page="/users/bob", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "You muted bob" in html and ">Unmute</button>" in html
    response = pages.submit("/users/bob/unmute", {}, page="/users/bob", follow_redirects=True)
    assert ">Mute</button>" in response.get_data(as_text=True)


def test_muted_readers_are_left_out_of_my_feed(api, readers):
    alice, bob = readers
    api.client.put("/api/v1/users/bob/follow", headers=alice)
    comment = api.comment(bob, OPENING)
    mute(api, alice, "bob")
    assert api.client.get("/api/v1/feed", headers=alice).get_json()["comments"] == []
    mute(api, alice, "bob", "delete")
    assert [c["id"] for c in api.client.get("/api/v1/feed", headers=alice).get_json()["comments"]] == [comment["id"]]


def test_muted_readers_never_notify_me(api, readers):
    alice, bob = readers
    api.client.put("/api/v1/users/bob/follow", headers=alice)
    mine = api.comment(alice, OPENING)
    mute(api, alice, "bob")
    api.comment(bob, ANSWER, parent_id=mine["id"])
    api.comment(bob, "A new comment of Bob's.")
    assert notes(api, alice) == {"notifications": [], "unread_count": 0, "next_cursor": None}


def test_muting_later_hides_earlier_notifications(api, readers):
    alice, bob = readers
    mine = api.comment(alice, OPENING)
    api.comment(bob, ANSWER, parent_id=mine["id"])
    assert notes(api, alice)["unread_count"] == 1
    mute(api, alice, "bob")
    assert notes(api, alice) == {"notifications": [], "unread_count": 0, "next_cursor": None}


def test_the_thread_api_tells_only_me_that_i_mute_the_author(api, readers):
    alice, bob = readers
    comment = api.comment(bob, OPENING)
    mute(api, alice, "bob")
    [mine] = api.thread(headers=alice)["comments"]
    assert mine["id"] == comment["id"] and mine["author_muted"] is True
    assert api.thread(headers=bob)["comments"][0]["author_muted"] is False
    assert api.thread()["comments"][0]["author_muted"] is False
