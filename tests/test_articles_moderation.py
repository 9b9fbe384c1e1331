"""One URL per article (409 url_taken), and moderators switching a story's mode by API and from its page."""
import re
from functools import partial

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Article
from forum.outbox.models import OutboxItem
from tests.factories import ARTICLE, PUBLISHER_KEY, ApiActions, PageActions, article_url, run_together

PUBLISHER = {"X-API-Key": PUBLISHER_KEY}
MODE_FORM = re.compile(r'action="/articles/council-budget/moderation-mode"')


def put(client, article_id, **fields):
    return client.put(f"/api/v1/articles/{article_id}", json={**ARTICLE, **fields}, headers=PUBLISHER)


def test_a_url_another_article_has_is_409_and_changes_nothing(api):
    api.article()
    api.article("other-story", title="Another story")
    response = put(api.client, "other-story", url=ARTICLE["url"], title="Renamed")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "url_taken" and error["field"] == "url" and error["article_id"] == "council-budget"
    other = api.client.get("/api/v1/articles/other-story").get_json()
    assert other["title"] == "Another story" and other["url"] == "https://news.example.org/2026/11/other-story"


def test_a_new_article_with_a_taken_url_is_409_and_not_created(api):
    api.article()
    response = put(api.client, "copy", url=ARTICLE["url"])
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "url_taken"
    assert api.client.get("/api/v1/articles/copy").status_code == 404


def test_an_article_keeps_its_own_url_on_update_and_a_freed_url_can_be_taken(api):
    api.article()
    assert put(api.client, "council-budget", title="Budget approved").status_code == 200
    assert put(api.client, "council-budget", url="https://news.example.org/moved").status_code == 200
    assert put(api.client, "other-story", url=ARTICLE["url"]).status_code == 201


def test_a_long_non_ascii_url_is_unique_too(api):
    url = "https://news.example.org/" + "ü" * 1970
    assert put(api.client, "long-one", url=url).status_code == 201
    assert put(api.client, "long-two", url=url).status_code == 409


@pytest.fixture
def staff(api):
    api.article()
    return {"moderator": api.staff("mod"), "admin": api.staff("boss", role="admin"), "reader": api.reader("alice")}


def patch(api, headers, mode, article_id="council-budget"):
    return api.client.patch(f"/api/v1/moderation/articles/{article_id}", json={"moderation_mode": mode},
                            headers=headers)


@pytest.mark.parametrize("who", ["moderator", "admin"])
def test_moderators_and_admins_switch_the_mode_over_the_api(api, staff, who):
    for mode in ("pre", "closed", "post"):
        response = patch(api, staff[who], mode)
        assert response.status_code == 200
        assert response.get_json() == {"id": "council-budget", "url": ARTICLE["url"], "title": ARTICLE["title"],
                                       "moderation_mode": mode, "comment_count": 0}
        assert api.client.get("/api/v1/articles/council-budget").get_json()["moderation_mode"] == mode


def test_a_closed_story_takes_no_comment_and_a_pre_moderated_one_holds_them(api, staff):
    patch(api, staff["moderator"], "closed")
    assert api.post(staff["reader"], "Is anyone there?").status_code == 409
    patch(api, staff["moderator"], "pre")
    assert api.comment(staff["reader"], "Waiting for a moderator.")["status"] == "pending"


@pytest.mark.parametrize("who, mode, article_id, status", [
    ("reader", "closed", "council-budget", 403),
    (None, "closed", "council-budget", 401),
    ("moderator", "closed", "no-such-story", 404),
    ("moderator", "sometimes", "council-budget", 422),
    ("moderator", None, "council-budget", 422),
    ("moderator", 3, "council-budget", 422),
])
def test_who_may_switch_and_what_is_refused(api, staff, who, mode, article_id, status):
    response = patch(api, staff[who] if who else {}, mode, article_id)
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert response.get_json()["error"]["field"] == "moderation_mode"
    assert api.client.get("/api/v1/articles/council-budget").get_json()["moderation_mode"] == "post"


def test_a_moderator_switches_the_story_from_its_thread_page(app, api, staff):
    pages = PageActions(app)
    pages.login("mod")
    page = pages.client.get("/articles/council-budget").get_data(as_text=True)
    assert MODE_FORM.search(page) and 'value="pre"' in page and 'value="closed"' in page
    response = pages.submit("/articles/council-budget/moderation-mode", {"moderation_mode": "pre"},
                            page="/articles/council-budget", follow_redirects=True)
    assert response.status_code == 200 and response.request.path == "/articles/council-budget"
    assert "now waits for a moderator" in response.get_data(as_text=True)
    assert api.client.get("/api/v1/articles/council-budget").get_json()["moderation_mode"] == "pre"
    response = pages.submit("/articles/council-budget/moderation-mode", {"moderation_mode": "closed"},
                            page="/articles/council-budget", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "This story is closed" in html and ">Reopen<" in html
    pages.submit("/articles/council-budget/moderation-mode", {"moderation_mode": "post"},
                 page="/articles/council-budget")
    assert api.client.get("/api/v1/articles/council-budget").get_json()["moderation_mode"] == "post"


def test_a_bad_mode_from_the_page_is_flashed_and_changes_nothing(app, api, staff):
    pages = PageActions(app)
    pages.login("mod")
    response = pages.submit("/articles/council-budget/moderation-mode", {"moderation_mode": "sometimes"},
                            page="/articles/council-budget", follow_redirects=True)
    assert "moderation_mode must be post, pre or closed" in response.get_data(as_text=True)
    assert api.client.get("/api/v1/articles/council-budget").get_json()["moderation_mode"] == "post"


def test_readers_see_no_control_and_cannot_post_the_form(app, api, staff):
    pages = PageActions(app)
    pages.login("alice")
    assert not MODE_FORM.search(pages.client.get("/articles/council-budget").get_data(as_text=True))
    response = pages.submit("/articles/council-budget/moderation-mode", {"moderation_mode": "closed"},
                            page="/articles/council-budget")
    assert response.status_code == 403
    anonymous = PageActions(app)
    assert not MODE_FORM.search(anonymous.client.get("/articles/council-budget").get_data(as_text=True))
    assert api.client.get("/api/v1/articles/council-budget").get_json()["moderation_mode"] == "post"


def test_the_form_needs_its_csrf_token(app, api, staff):
    pages = PageActions(app)
    pages.login("mod")
    response = pages.client.post("/articles/council-budget/moderation-mode", data={"moderation_mode": "closed"})
    assert response.status_code == 400
    assert api.client.get("/api/v1/articles/council-budget").get_json()["moderation_mode"] == "post"


def test_concurrent_identical_puts_of_a_new_article_all_succeed_and_make_one(make_app):
    workers = [make_app(WEBHOOKS_ALLOW_PRIVATE_URLS=True) for _ in range(3)]
    api = ApiActions(workers[0])
    response = api.client.post("/api/v1/admin/webhooks", json={"url": "http://127.0.0.1:9/x",
                                                               "events": ["article.created"]},
                               headers=api.staff("ada", "admin"))
    assert response.status_code == 201
    for take in range(6):
        article_id = f"race-{take}"
        answers = run_together(*(partial(worker.test_client().put, f"/api/v1/articles/{article_id}",
                                         json={**ARTICLE, "url": article_url(article_id)}, headers=PUBLISHER)
                                 for worker in workers))
        # One creates it, the others find it made: never url_taken naming the article itself.
        assert sorted(a.status_code for a in answers) == [200, 200, 201], [a.get_json() for a in answers]
        assert all(a.get_json()["id"] == article_id for a in answers)
    with workers[0].app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 6
        # article.created once per article, by the request that created it.
        assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 6


def test_scheme_and_host_are_case_insensitive_and_stored_in_lower_case(api):
    response = put(api.client, "council-budget", url="HTTPS://NEWS.Example.ORG/2026/11/Council-Budget")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["url"] == "https://news.example.org/2026/11/Council-Budget"
    response = put(api.client, "copy", url="https://news.example.org/2026/11/Council-Budget")
    assert response.status_code == 409
    assert response.get_json()["error"] | {"message": ""} == {"code": "url_taken", "field": "url",
                                                             "article_id": "council-budget", "message": ""}
    assert api.client.get("/api/v1/articles/copy").status_code == 404
    # The path is case-sensitive: another address.
    assert put(api.client, "lower", url="https://news.example.org/2026/11/council-budget").status_code == 201
