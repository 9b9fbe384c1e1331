"""A comment that is not published is shown to its author and moderators only: never as itself,
as a parent or as a conversation's root to anyone else, and nobody can reply to it."""
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, Notification
from tests.factories import ANSWER, OPENING, PageActions
from tests.moderation_actions import set_comment

SECRET = "The parking fees are a plot, and here is the councillor's home address."
HIDDEN_STATES = [
    pytest.param({"status": "rejected", "hold_reason": "abuse"}, id="rejected"),
    pytest.param({"status": "pending", "hold_reason": "abuse"}, id="pending"),
    pytest.param({"status": "pending", "hold_reason": "reported"}, id="reported"),
    pytest.param({"status": "pending", "hold_reason": "escalated"}, id="escalated"),
]


@pytest.fixture
def conversation(api, app):
    """Alice's top-level comment, Bob's published reply and Carol's reply to him; returns their ids."""
    api.article()
    alice, bob, carol = api.reader("alice"), api.reader("bob"), api.reader("carol")
    root = api.comment(alice, SECRET)["id"]
    reply = api.comment(bob, ANSWER, parent_id=root)["id"]
    deeper = api.comment(carol, "And the night buses are still missing from the plan.", parent_id=reply)["id"]
    return {"alice": alice, "bob": bob, "carol": carol, "root": root, "reply": reply, "deeper": deeper}


def hide(app, comment_id, state) -> None:
    set_comment(app, comment_id, **state)


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Comment)),
                db.session.scalar(select(func.count()).select_from(Notification)))


@pytest.mark.parametrize("state", HIDDEN_STATES)
@pytest.mark.parametrize("viewer", ["anonymous", "bob", "carol"])
def test_a_hidden_root_is_not_shown_on_any_page_of_its_conversation(api, app, conversation, state, viewer):
    hide(app, conversation["root"], state)
    headers = {} if viewer == "anonymous" else conversation[viewer]
    browser = PageActions(app)
    if viewer != "anonymous":
        browser.login(viewer)
    pages = browser.client
    for path in (f"/comments/{conversation['reply']}", f"/comments/{conversation['deeper']}",
                 "/articles/council-budget", "/users/alice", "/users/bob", "/feed", "/notifications"):
        response = pages.get(path)
        assert response.status_code in (200, 302), path
        assert "home address" not in response.get_data(as_text=True), path
    reply_page = pages.get(f"/comments/{conversation['reply']}").get_data(as_text=True)
    assert ANSWER in reply_page and "This comment is not shown." in reply_page
    assert pages.get(f"/comments/{conversation['root']}").status_code == 200  # a placeholder holding up Bob
    for path in ("/api/v1/articles/council-budget/comments", f"/api/v1/comments/{conversation['reply']}",
                 f"/api/v1/comments/{conversation['root']}/replies", "/api/v1/users/bob/comments",
                 "/api/v1/users/alice/comments"):
        response = api.client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert "home address" not in response.get_data(as_text=True), path
    assert api.client.get(f"/api/v1/comments/{conversation['root']}", headers=headers).status_code == 404
    [placeholder] = api.thread(headers=headers)["comments"]
    assert placeholder["status"] == "hidden" and placeholder["author"] is None and placeholder["body"] == ""
    assert [r["id"] for r in placeholder["replies"]] == [conversation["reply"]]


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_the_author_and_moderators_still_see_a_hidden_comment(api, app, conversation, state):
    hide(app, conversation["root"], state)
    [mine] = api.thread(headers=conversation["alice"])["comments"]
    assert mine["body"] == SECRET and mine["status"] == state["status"]
    mia = api.staff("mia")
    response = api.client.get(f"/api/v1/comments/{conversation['root']}", headers=mia)
    assert response.get_json()["comment"]["body"] == SECRET


def test_a_hidden_comment_without_visible_replies_leaves_no_placeholder(api, app, conversation):
    hide(app, conversation["deeper"], {"status": "rejected", "hold_reason": "abuse"})
    [root] = api.thread()["comments"]
    assert root["replies"][0]["reply_count"] == 0 and root["replies"][0]["replies"] == []
    assert api.client.get(f"/api/v1/comments/{conversation['deeper']}/replies").status_code == 404
    assert api.client.get(f"/comments/{conversation['deeper']}").status_code == 404


@pytest.mark.parametrize("state", HIDDEN_STATES)
@pytest.mark.parametrize("who", ["alice", "bob"])
def test_nobody_can_reply_to_a_comment_that_is_not_published(api, app, conversation, state, who):
    hide(app, conversation["root"], state)
    before = counts(app)
    response = api.post(conversation[who], OPENING, parent_id=conversation["root"])
    # The author and moderators know the comment: 409. Anyone else is not told it exists: 404.
    expected = (409, "parent_not_published") if who == "alice" else (404, "comment_not_found")
    assert (response.status_code, response.get_json()["error"]["code"]) == expected
    assert counts(app) == before


def test_a_moderator_cannot_reply_to_a_held_comment_either(api, app, conversation):
    hide(app, conversation["root"], {"status": "pending", "hold_reason": "abuse"})
    response = api.post(api.staff("mia"), OPENING, parent_id=conversation["root"])
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "parent_not_published"


def test_the_reply_form_refuses_a_held_parent_and_writes_nothing(api, app, conversation, pages):
    hide(app, conversation["root"], {"status": "pending", "hold_reason": "premoderation"})
    pages.login("alice")
    before = counts(app)
    response = pages.submit("/articles/council-budget/comments",
                            {"body": OPENING, "parent_id": conversation["root"], "submission_key": "k1-1"},
                            page="/articles/council-budget")
    assert response.status_code == 409
    assert "not published" in response.get_data(as_text=True)
    assert counts(app) == before


def test_a_reply_under_a_held_parent_is_listed_without_the_parent(api, app, conversation, pages):
    hide(app, conversation["root"], {"status": "rejected", "hold_reason": "abuse"})
    api.client.put("/api/v1/users/bob/follow", headers=conversation["carol"])
    listed = api.client.get("/api/v1/users/bob/comments").get_json()["comments"]
    assert listed[0]["in_reply_to"] == {"id": conversation["root"], "author": None, "excerpt": None}
    feed = api.client.get("/api/v1/feed", headers=conversation["carol"]).get_json()["comments"]
    assert feed[0]["in_reply_to"]["excerpt"] is None
    profile = pages.client.get("/users/bob").get_data(as_text=True)
    assert "no longer shown" in profile and "home address" not in profile


def test_each_reader_sees_their_own_held_reply_and_no_one_elses(api, app, conversation):
    """A thread's statements are made once per kind of viewer: each read must still be its viewer's."""
    hide(app, conversation["reply"], {"status": "pending", "hold_reason": "abuse"})
    held = api.comment(conversation["carol"], "The councillor's plan forgets the night buses entirely.",
                       parent_id=conversation["root"])["id"]
    hide(app, held, {"status": "pending", "hold_reason": "abuse"})

    def first_replies(headers):
        [root] = api.thread(headers=headers)["comments"]
        return {r["id"]: r["status"] for r in root["replies"]}

    mia = api.staff("mia")
    for _ in range(2):
        # Bob's held reply stays as a placeholder for everyone else: Carol's reply to it is published.
        assert first_replies(conversation["bob"]) == {conversation["reply"]: "pending"}
        assert first_replies(conversation["carol"]) == {conversation["reply"]: "hidden", held: "pending"}
        assert first_replies(conversation["alice"]) == {conversation["reply"]: "hidden"}
        assert first_replies({}) == {conversation["reply"]: "hidden"}
        assert first_replies(mia) == {conversation["reply"]: "pending", held: "pending"}
