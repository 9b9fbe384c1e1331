"""The community guidelines: a sensible default, admins replace them (page and API), notices link to them."""
from functools import partial

import pytest

from tests.factories import PageActions, run_together

RULES = "Be kind.\n\nNo adverts: they go at once."


@pytest.fixture
def admin(api):
    return api.staff("ada", "admin")


def test_anyone_reads_the_default_guidelines(client):
    page = client.get("/guidelines")
    assert page.status_code == 200
    assert "Argue with ideas, not people." in page.get_data(as_text=True)
    answer = client.get("/api/v1/guidelines").get_json()
    assert "Argue with ideas, not people." in answer["text"] and answer["updated_at"] is None


def test_an_admin_replaces_them_over_the_api_and_everyone_sees_it(api, admin, client):
    answer = client.put("/api/v1/admin/guidelines", json={"text": RULES}, headers=admin)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["text"] == RULES and answer.get_json()["updated_at"]
    assert client.get("/api/v1/guidelines").get_json()["text"] == RULES
    html = client.get("/guidelines").get_data(as_text=True)
    assert "<p>Be kind.</p>" in html and "Argue with ideas" not in html


def test_admins_first_replacing_them_at_once_all_get_200(make_app, api, admin):
    workers = [make_app().test_client() for _ in range(4)]

    def replace(client, n):
        return client.put("/api/v1/admin/guidelines", json={"text": f"Rule {n}."}, headers=admin).status_code

    statuses = run_together(*[partial(replace, client, n) for n, client in enumerate(workers)])
    assert statuses == [200] * len(workers)
    assert api.client.get("/api/v1/guidelines").get_json()["text"] in [f"Rule {n}." for n in range(4)]


@pytest.mark.parametrize("who, status", [(None, 401), ("reader", 403), ("moderator", 403)])
def test_only_admins_replace_them(api, client, who, status):
    headers = {} if who is None else api.reader("rita") if who == "reader" else api.staff("moe")
    assert client.put("/api/v1/admin/guidelines", json={"text": RULES}, headers=headers).status_code == status
    assert client.get("/api/v1/guidelines").get_json()["updated_at"] is None


@pytest.mark.parametrize("body, code", [
    ({}, 422), ({"text": ""}, 422), ({"text": "   \n "}, 422), ({"text": 5}, 422), ({"text": "a\x00b"}, 422),
    ({"text": "x" * 20_001}, 422), ({"text": [RULES]}, 422),
])
def test_bad_guidelines_are_refused_and_change_nothing(api, admin, client, body, code):
    answer = client.put("/api/v1/admin/guidelines", json=body, headers=admin)
    assert answer.status_code == code and answer.get_json()["error"]["code"]
    assert client.get("/api/v1/guidelines").get_json()["updated_at"] is None


def test_an_admin_edits_them_on_the_page(app, api):
    api.staff("ada", "admin")
    pages = PageActions(app)
    pages.login("ada")
    assert "Edit the guidelines" in pages.client.get("/guidelines").get_data(as_text=True)
    assert pages.submit("/guidelines/edit", {"text": RULES}, page="/guidelines/edit").status_code == 302
    assert "<p>No adverts: they go at once.</p>" in pages.client.get("/guidelines").get_data(as_text=True)
    refused = pages.submit("/guidelines/edit", {"text": " "}, page="/guidelines/edit")
    assert refused.status_code == 422 and "Be kind." in pages.client.get("/guidelines").get_data(as_text=True)


def test_the_longest_guidelines_in_any_alphabet_fit_in_the_request(app, api, admin, client):
    # 20,000 characters: 120,000 bytes as escaped JSON and 9 bytes each as a form sends them,
    # both more than MAX_CONTENT_LENGTH (64 KiB).
    text = ("Будьте добры 😀 " * 1250)[:19_999] + "."
    answer = client.put("/api/v1/admin/guidelines", json={"text": text}, headers=admin)
    assert answer.status_code == 200, answer.get_json()
    assert client.get("/api/v1/guidelines").get_json()["text"] == text
    pages = PageActions(app)
    pages.login("ada")
    assert pages.submit("/guidelines/edit", {"text": "Ж" * 20_000}, page="/guidelines/edit").status_code == 302
    assert client.get("/api/v1/guidelines").get_json()["text"] == "Ж" * 20_000
    # The form's CSRF token is still checked, after the limit is raised.
    refused = pages.client.post("/guidelines/edit", data={"text": RULES})
    assert refused.status_code == 400 and "Ж" * 20_000 == client.get("/api/v1/guidelines").get_json()["text"]


def test_readers_and_moderators_cannot_open_the_editor(app, api):
    api.reader("rita")
    api.staff("moe")
    for username in ("rita", "moe"):
        pages = PageActions(app)
        pages.login(username)
        assert pages.client.get("/guidelines/edit").status_code == 403
        assert pages.submit("/guidelines/edit", {"text": RULES}, page="/guidelines").status_code == 403
    assert PageActions(app).client.get("/guidelines/edit").status_code == 302  # to the login page


def test_a_held_comment_links_its_author_to_the_guidelines(app, api):
    api.article(moderation_mode="pre")
    author = api.reader("rita")
    comment = api.comment(author, "A comment that waits for a moderator.")
    assert comment["status"] == "pending"
    pages = PageActions(app)
    pages.login("rita")
    html = pages.client.get("/articles/council-budget").get_data(as_text=True)
    assert 'href="/guidelines">Community guidelines</a>' in html
