"""The embed's routes over HTTP: the script for the newsroom's pages, and the framed thread."""
import gzip
import re

import pytest

from tests.factories import ApiActions

pytestmark = pytest.mark.backend_independent

NEWSROOM = "https://news.example.org"
SCRIPT_BUDGET = 50 * 1024


@pytest.fixture
def app(make_app):
    return make_app(EMBED_ORIGINS=NEWSROOM)


def fetch(client, path: str):
    """GET ``path`` and return its status, headers and body, the file it sends closed."""
    with client.get(path) as response:
        return response.status_code, response.headers, response.get_data()


def scripts(html: str) -> list[str]:
    return re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)


def test_embed_js_is_javascript_any_page_may_load_with_a_short_cache(client):
    status, headers, body = fetch(client, "/embed.js")
    assert status == 200
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert b"data-parley-article" in body
    assert "Set-Cookie" not in headers


def test_the_framed_thread_may_be_framed_by_the_embed_origins_only(client, api):
    api.article()
    response = client.get("/embed/articles/council-budget")
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["frame-ancestors"] == f"'self' {NEWSROOM}"


def test_the_framed_thread_is_a_bare_shell_with_no_session_and_no_inline_code(client, api, pages):
    api.article()
    api.reader("alice")
    pages.login("alice")  # a session cookie on Parley changes nothing in the frame
    response = pages.client.get("/embed/articles/council-budget")
    html = response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert "masthead" not in html and "csrf" not in html and "alice" not in html
    assert all('src="/static/embed/' in attrs and not body.strip() for attrs, body in scripts(html))
    assert " style=" not in html
    assert f'data-origins="{NEWSROOM}"' in html
    assert 'data-article="council-budget"' in html and "0 comments" in html


def test_the_request_s_host_is_never_an_origin_the_frame_trusts(client, api):
    api.article()
    html = client.get("/embed/articles/council-budget", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert f'data-origins="{NEWSROOM}"' in html


def test_with_trusted_hosts_another_host_is_refused(make_app):
    """The links the frame opens are built from the request's host: an operator names Parley's own."""
    app = make_app(TRUSTED_HOSTS=["localhost"])
    ApiActions(app).article()
    client = app.test_client()
    assert client.get("/embed/articles/council-budget").status_code == 200
    refused = client.get("/embed/articles/council-budget", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "evil.example" not in refused.get_data(as_text=True)


def test_an_unknown_article_is_a_404_inside_the_frame(client):
    response = client.get("/embed/articles/no-such-story")
    assert response.status_code == 404
    assert "No article has the id &#39;no-such-story&#39;." in response.get_data(as_text=True)


def test_the_embed_loads_less_than_50_kb_of_script(client, api):
    api.article()
    html = client.get("/embed/articles/council-budget").get_data(as_text=True)
    sources = ["/embed.js"] + [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts(html)]
    bodies = [fetch(client, path)[2] for path in sources]
    assert len(sources) == 5 and all(bodies)
    assert sum(map(len, bodies)) < SCRIPT_BUDGET
    assert sum(len(gzip.compress(body)) for body in bodies) < SCRIPT_BUDGET / 4
