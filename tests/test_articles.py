"""The publisher's API and the article pages."""
import json

import pytest

from tests.factories import ARTICLE, PUBLISHER_KEY


def put(client, article_id, payload, key=PUBLISHER_KEY):
    headers = {"X-API-Key": key} if key else {}
    return client.put(f"/api/v1/articles/{article_id}", json=payload, headers=headers)


def test_create_then_update(client):
    response = put(client, "council-budget", ARTICLE)
    assert response.status_code == 201
    assert response.get_json() == {"id": "council-budget", "url": ARTICLE["url"], "title": ARTICLE["title"],
                                   "moderation_mode": "post", "comment_count": 0}
    response = put(client, "council-budget", {**ARTICLE, "title": "Budget approved", "moderation_mode": "pre"})
    assert response.status_code == 200
    assert response.get_json()["title"] == "Budget approved"
    assert client.get("/api/v1/articles/council-budget").get_json()["moderation_mode"] == "pre"


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_publisher_key_is_required(client, key):
    response = put(client, "council-budget", ARTICLE, key=key)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_api_key"
    assert client.get("/api/v1/articles/council-budget").status_code == 404


@pytest.mark.parametrize("article_id, payload", [
    ("has space", ARTICLE),
    ("x" * 101, ARTICLE),
    ("ok-id", {**ARTICLE, "title": ""}),
    ("ok-id", {**ARTICLE, "title": 3}),
    ("ok-id", {**ARTICLE, "url": "javascript:alert(1)"}),
    ("ok-id", {**ARTICLE, "moderation_mode": "sometimes"}),
    ("ok-id", {"title": "No url"}),
])
def test_invalid_articles_are_422_and_not_stored(client, article_id, payload):
    response = put(client, article_id, payload)
    assert response.status_code in (404, 422)
    assert client.get("/api/v1/articles/ok-id").status_code == 404


def test_unknown_article_is_404_on_api_and_page(client):
    response = client.get("/api/v1/articles/nope")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "article_not_found"
    assert client.get("/articles/nope").status_code == 404


def test_index_and_article_pages(client, api):
    api.article()
    reader = api.reader("alice")
    api.comment(reader, "I support more buses, the 31 is always full in the morning.")
    index = client.get("/").get_data(as_text=True)
    assert ARTICLE["title"] in index and "1 comment" in index
    page = client.get("/articles/council-budget").get_data(as_text=True)
    assert ARTICLE["title"] in page and "the 31 is always full" in page
    assert "Log in" in page and "to join the discussion" in page


def test_closed_article_page_says_so(client, api):
    api.article(moderation_mode="closed")
    assert "Comments on this article are closed" in client.get("/articles/council-budget").get_data(as_text=True)


def test_an_article_of_the_longest_text_in_any_alphabet_fits_in_its_put(client):
    # Sent as JSON with every non-ASCII character escaped (\uXXXX, six bytes; twelve beyond the BMP),
    # as Python's json.dumps writes it: far more than MAX_CONTENT_LENGTH, within the declared lengths.
    body = ("Слово 😀 " * 25_000)[:199_999] + "."  # 200,000 characters
    payload = {**ARTICLE, "title": "Ж" * 500, "body": body}
    assert len(json.dumps(payload)) > 16 * 64 * 1024  # 16 times MAX_CONTENT_LENGTH
    response = put(client, "long-read", payload)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["title"] == "Ж" * 500
    assert put(client, "long-read", {**ARTICLE, "body": body + "!"}).status_code == 422
    assert put(client, "long-read", {**ARTICLE, "body": body, "padding": "x" * 2_500_000}).status_code == 413


def test_a_large_body_without_the_publisher_key_is_401(client):
    response = put(client, "long-read", {**ARTICLE, "body": "Ж" * 50_000}, key=None)
    assert response.status_code == 401
