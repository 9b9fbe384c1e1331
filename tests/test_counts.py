"""GET /api/v1/counts: published comments per article id, for a page listing many stories."""
import pytest

from tests.factories import ApiActions, sql_sent


@pytest.fixture
def stories(api):
    """Three articles: two published comments and a held one on the first, one on the second, none on the third."""
    alice, bob = api.reader("alice"), api.reader("bob")
    api.article("first")
    api.article("second")
    api.article("third")
    api.comment(alice, "The bus money is welcome.", article_id="first")
    api.comment(bob, "Parking fees will hurt the shops.", article_id="first")
    api.comment(alice, "The bridge should have reopened sooner.", article_id="second")
    api.article("held", moderation_mode="pre")
    api.comment(alice, "A comment that waits for a moderator.", article_id="held")
    return api


def counts(client, ids, **headers):
    return client.get("/api/v1/counts", query_string={"article_ids": ids}, headers=headers)


def test_counts_published_comments_per_article_with_unknown_ids_zero(stories):
    response = counts(stories.client, "first,second,third,held,no-such-story")
    assert response.status_code == 200
    assert response.get_json() == {"counts": {"first": 2, "second": 1, "third": 0, "held": 0, "no-such-story": 0}}
    assert "public" in response.headers["Cache-Control"] and "max-age" in response.headers["Cache-Control"]


def test_duplicates_are_fine_and_no_key_or_token_is_needed(stories):
    response = counts(stories.client, "first,first,second")
    assert response.get_json() == {"counts": {"first": 2, "second": 1}}


def test_one_hundred_ids_take_one_query(app, stories):
    ids = ",".join(["first", "second"] + [f"story-{i}" for i in range(98)])
    with sql_sent(app) as sent:
        response = counts(app.test_client(), ids)
    assert response.status_code == 200 and len(response.get_json()["counts"]) == 100
    assert len([statement for statement, _ in sent if "comments" in statement]) == 1


@pytest.mark.parametrize("ids", [
    ",".join(f"s{i}" for i in range(101)),
    "", "first,,second", "first,", "has space", "first,böb", "x" * 101, "first;second", "a\nb",
])
def test_bad_ids_are_422_naming_the_field(api, ids):
    response = counts(api.client, ids)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == "article_ids"


def test_a_missing_parameter_is_422(api):
    response = api.client.get("/api/v1/counts")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "article_ids"


def test_counts_are_readable_from_an_embed_origin(make_app):
    app = make_app(EMBED_ORIGINS="https://news.example.org")
    ApiActions(app).article()
    response = app.test_client().get("/api/v1/counts?article_ids=council-budget",
                                     headers={"Origin": "https://news.example.org"})
    assert response.get_json() == {"counts": {"council-budget": 0}}
    assert response.headers["Access-Control-Allow-Origin"] == "https://news.example.org"
