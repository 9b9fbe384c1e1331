"""Likes: one per reader per comment, toggled on the page, counted, and ordering sort=top."""

from sqlalchemy import update

from forum.extensions import db
from forum.models import User, utcnow
from tests.factories import OPENING


def like(api, headers, comment_id, method="post"):
    return getattr(api.client, method)(f"/api/v1/comments/{comment_id}/reactions", headers=headers)


def count(api, comment_id) -> int:
    return api.client.get(f"/api/v1/comments/{comment_id}").get_json()["comment"]["reaction_count"]


def test_like_is_idempotent_and_can_be_taken_back(api, readers):
    alice, bob = readers
    carol = api.reader("carol")
    comment = api.comment(alice, OPENING)
    for _ in range(2):
        response = like(api, bob, comment["id"])
        assert response.status_code == 200 and response.get_json() == {"reaction_count": 1}
    assert like(api, carol, comment["id"]).get_json() == {"reaction_count": 2}
    for _ in range(2):
        response = like(api, bob, comment["id"], "delete")
        assert response.status_code == 200 and response.get_json() == {"reaction_count": 1}
    assert count(api, comment["id"]) == 1


def test_likes_order_a_thread_by_top(api, readers):
    alice, bob = readers
    carol = api.reader("carol")
    ids = [api.comment(alice, f"Point {n} about the bus budget.")["id"] for n in range(3)]
    for headers in (bob, carol):
        like(api, headers, ids[0])
    like(api, bob, ids[1])
    assert [c["id"] for c in api.thread(sort="top")["comments"]] == ids
    assert [c["reaction_count"] for c in api.thread(sort="top")["comments"]] == [2, 1, 0]


def test_reacting_to_someone_elses_pending_comment_is_404(api, readers):
    alice, bob = readers
    api.article("pre-story", moderation_mode="pre")
    pending = api.comment(alice, OPENING, article_id="pre-story")
    for method in ("post", "delete"):
        response = like(api, bob, pending["id"], method)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "comment_not_found"
    response = like(api, alice, pending["id"])
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_published"
    shown = api.client.get(f"/api/v1/comments/{pending['id']}", headers=alice).get_json()["comment"]
    assert shown["reaction_count"] == 0


def test_deleted_and_unknown_comments_are_404(api, readers):
    alice, bob = readers
    comment = api.comment(alice, OPENING)
    api.client.delete(f"/api/v1/comments/{comment['id']}", headers=alice)
    assert like(api, bob, comment["id"]).status_code == 404
    assert like(api, bob, 999999).status_code == 404


def test_liking_needs_a_reader_in_good_standing(api, readers, app):
    alice, bob = readers
    comment = api.comment(alice, OPENING)
    assert like(api, {}, comment["id"]).status_code == 401
    with app.app_context():
        db.session.execute(update(User).where(User.username == "bob").values(banned_at=utcnow()))
        db.session.commit()
    response = like(api, bob, comment["id"])
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "banned"
    assert count(api, comment["id"]) == 0


def test_like_button_toggles_on_the_page(api, readers, pages):
    alice, _ = readers
    comment = api.comment(alice, OPENING)
    page = "/articles/council-budget?sort=top"
    pages.login("bob")
    html = pages.client.get(page).get_data(as_text=True)
    assert f'action="/comments/{comment["id"]}/like"' in html and 'aria-pressed="false"' in html
    response = pages.submit(f"/comments/{comment['id']}/like", {"next": page}, page=page)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{page}#comment-{comment['id']}")
    html = pages.client.get(page).get_data(as_text=True)
    assert 'class="like liked"' in html and 'aria-pressed="true"' in html
    assert '<span class="like-count">1</span>' in html
    pages.submit(f"/comments/{comment['id']}/like", {"next": "https://evil.example/"}, page=page)
    assert count(api, comment["id"]) == 0


def test_like_button_refuses_a_missing_csrf_token(api, readers, pages):
    alice, _ = readers
    comment = api.comment(alice, OPENING)
    pages.login("bob")
    assert pages.client.post(f"/comments/{comment['id']}/like").status_code == 400
    assert count(api, comment["id"]) == 0


def test_visitors_see_the_count_without_a_button(api, readers, client):
    alice, bob = readers
    comment = api.comment(alice, OPENING)
    like(api, bob, comment["id"])
    html = client.get("/articles/council-budget").get_data(as_text=True)
    assert "♥ 1" in html and "/like" not in html


def test_the_thread_api_says_which_comments_i_like(api, readers):
    alice, bob = readers
    comment = api.comment(alice, OPENING)
    like(api, bob, comment["id"])
    assert api.thread(headers=bob)["comments"][0]["liked"] is True
    assert api.thread(headers=alice)["comments"][0]["liked"] is False
    assert api.thread()["comments"][0]["liked"] is False
