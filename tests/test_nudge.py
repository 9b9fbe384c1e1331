"""The guidelines nudge: a likely abusive comment gets one chance to be revised before it is posted."""
import pytest

from tests.factories import PageActions

ABUSIVE = "The councillor is an idiot."
CIVIL = "The councillor should publish the figures before the vote."


@pytest.fixture
def author(api):
    api.article()
    return api.reader("rita")


def thread_size(api, headers) -> int:
    return len(api.thread(headers=headers)["comments"])


def test_asked_first_a_likely_abusive_comment_is_not_posted_and_the_reader_is_told(api, author):
    answer = api.client.post("/api/v1/articles/council-budget/comments", json={"body": ABUSIVE, "nudge": "check"},
                             headers=author)
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "may_break_guidelines"
    assert thread_size(api, author) == 0


def test_posted_anyway_it_is_screened_as_usual_and_moderators_see_it_was_posted_anyway(api, author):
    answer = api.client.post("/api/v1/articles/council-budget/comments",
                             json={"body": ABUSIVE, "nudge": "post_anyway"}, headers=author)
    assert answer.status_code == 201 and answer.get_json()["comment"]["status"] == "pending"
    assert "posted_after_nudge" not in answer.get_json()["comment"]
    moderator = api.staff("maria")
    seen = api.client.get(f"/api/v1/comments/{answer.get_json()['comment']['id']}", headers=moderator).get_json()
    assert seen["comment"]["posted_after_nudge"] is True


@pytest.mark.parametrize("body, nudge", [(CIVIL, "check"), (ABUSIVE, None)])
def test_a_civil_comment_or_a_client_that_does_not_ask_posts_as_the_contract_says(api, author, body, nudge):
    payload = {"body": body} if nudge is None else {"body": body, "nudge": nudge}
    answer = api.client.post("/api/v1/articles/council-budget/comments", json=payload, headers=author)
    assert answer.status_code == 201
    moderator = api.staff("maria")
    seen = api.client.get(f"/api/v1/comments/{answer.get_json()['comment']['id']}", headers=moderator).get_json()
    assert seen["comment"]["posted_after_nudge"] is False


@pytest.mark.parametrize("nudge", ["yes", True, "CHECK", ""])
def test_an_unknown_nudge_is_refused(api, author, nudge):
    answer = api.client.post("/api/v1/articles/council-budget/comments", json={"body": CIVIL, "nudge": nudge},
                             headers=author)
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == "nudge"
    assert thread_size(api, author) == 0


def test_the_page_warns_once_then_posts_anyway(app, api, author):
    pages = PageActions(app)
    pages.login("rita")
    warned = pages.submit("/articles/council-budget/comments", {"body": ABUSIVE, "nudge": "check"},
                          page="/articles/council-budget")
    html = warned.get_data(as_text=True)
    assert warned.status_code == 409 and "may break our community guidelines" in html
    assert 'name="nudge" value="post_anyway"' in html and ">Post anyway</button>" in html and ABUSIVE in html
    assert thread_size(api, author) == 0
    posted = pages.submit("/articles/council-budget/comments", {"body": ABUSIVE, "nudge": "post_anyway"},
                          page="/articles/council-budget")
    assert posted.status_code == 302
    assert api.thread(headers=author)["comments"][0]["status"] == "pending"
