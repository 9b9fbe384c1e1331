"""Moderators' notes on readers: written and read over the API, shown beside the reader's queue items
and on their history page."""
import pytest

from tests.factories import PageActions
from tests.moderation_actions import held, premod_article, queue
from tests.reader_actions import notes_path


@pytest.fixture
def desk(api):
    api.article()
    premod_article(api)
    return api, api.staff("mod"), api.reader("alice")


def add_note(api, headers, username, text):
    return api.client.post(notes_path(username), json={"text": text}, headers=headers)


def test_moderators_write_notes_and_read_them_newest_first(desk):
    api, mod, _ = desk
    admin = api.staff("root", role="admin")
    first = add_note(api, mod, "alice", "Warned about personal attacks on 1 Dec.")
    assert first.status_code == 201
    note = first.get_json()["note"]
    assert note["author"] == "mod" and note["text"] == "Warned about personal attacks on 1 Dec."
    assert note["created_at"].endswith("Z") or "T" in note["created_at"]
    assert add_note(api, admin, "alice", "Second warning.\nNext time: suspension.").status_code == 201
    response = api.client.get(notes_path("alice"), headers=mod)
    assert response.status_code == 200
    notes = response.get_json()["notes"]
    assert [(n["author"], n["text"]) for n in notes] == [
        ("root", "Second warning.\nNext time: suspension."), ("mod", "Warned about personal attacks on 1 Dec.")]
    assert api.client.get(notes_path("mod"), headers=mod).get_json() == {"notes": []}


@pytest.mark.parametrize("method", ["get", "post"])
def test_readers_neither_read_nor_write_notes(desk, method):
    api, mod, alice = desk
    call = getattr(api.client, method)
    body = {"json": {"text": "hello"}} if method == "post" else {}
    assert call(notes_path("alice"), **body).status_code == 401
    assert call(notes_path("alice"), headers=alice, **body).status_code == 403
    assert call(notes_path("nobody"), headers=mod, **body).status_code == 404
    assert api.client.get(notes_path("alice"), headers=mod).get_json() == {"notes": []}


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {"text": 5},
                                  {"text": "bell\x07"}])
def test_a_bad_note_is_refused_and_nothing_is_saved(desk, body):
    api, mod, _ = desk
    response = api.client.post(notes_path("alice"), json=body, headers=mod)
    assert response.status_code in (413, 422), response.get_json()
    assert set(response.get_json()["error"]) >= {"code", "message"}
    assert api.client.get(notes_path("alice"), headers=mod).get_json() == {"notes": []}


def test_notes_are_shown_beside_the_readers_queue_items_and_on_the_desk(desk):
    api, mod, alice = desk
    comment = held(api, alice)
    for n in range(4):
        assert add_note(api, mod, "alice", f"Note number {n}").status_code == 201
    [item] = [i for i in queue(api, mod)["items"] if i["comment"]["id"] == comment["id"]]
    assert item["author"]["note_count"] == 4
    assert [n["text"] for n in item["author"]["notes"]] == ["Note number 3", "Note number 2", "Note number 1"]
    page = _moderator_page(api, "/moderation")
    assert "Note number 3" in page and "Note number 0" not in page
    history = _moderator_page(api, "/moderation/users/alice")
    assert all(f"Note number {n}" in history for n in range(4))


def test_a_moderator_adds_a_note_from_the_readers_page(desk, pages):
    api, _, _ = desk
    pages.login("mod")
    response = pages.submit("/moderation/users/alice/notes", {"text": "Seen twice."},
                            page="/moderation/users/alice", follow_redirects=True)
    assert response.status_code == 200 and "Seen twice." in response.get_data(as_text=True)
    assert [n["text"] for n in api.client.get(notes_path("alice"), headers=api.login("mod")).get_json()["notes"]] \
        == ["Seen twice."]
    response = pages.submit("/moderation/users/alice/notes", {"text": ""}, page="/moderation/users/alice",
                            follow_redirects=True)
    assert response.status_code == 200 and len(api.client.get(notes_path("alice"), headers=api.login("mod"))
                                               .get_json()["notes"]) == 1


def _moderator_page(api, path) -> str:
    pages = PageActions(api.app)
    pages.login("mod")
    response = pages.client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)
