"""Security headers on every response; Secure cookies and HSTS only over HTTPS behind a trusted proxy."""
import re

import pytest

from forum import create_app
from tests.conftest import base_config
from tests.factories import PASSWORD, ApiActions, PageActions

# Which headers a response carries does not depend on the database: SQLite only.
pytestmark = pytest.mark.backend_independent

# Pages, JSON, errors of both kinds, static files, health.
RESPONSES = [
    ("GET", "/"),
    ("GET", "/login"),
    ("GET", "/articles/council-budget"),
    ("GET", "/articles/no-such-article"),
    ("GET", "/api/v1/articles/council-budget"),
    ("GET", "/api/v1/comments/999"),
    ("POST", "/api/v1/auth/token"),
    ("GET", "/static/parley.css"),
    ("GET", "/static/moderation.js"),
    ("GET", "/healthz"),
]


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (d.split() for d in policy.split(";") if d.strip())}


@pytest.mark.parametrize(("method", "path"), RESPONSES)
def test_every_response_carries_the_security_headers(api, method, path):
    api.article()
    with api.client.open(path, method=method) as response:  # static files stream: close them
        headers = response.headers
    csp = _directives(headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers


def test_embed_origins_may_frame_the_pages(make_app):
    app = make_app(EMBED_ORIGINS="https://News.Example.org/, https://partner.example.com:8443,,")
    csp = _directives(app.test_client().get("/").headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'self'", "https://news.example.org", "https://partner.example.com:8443"]


def test_embed_origins_come_from_the_environment(monkeypatch, tmp_path, base_model_path):
    monkeypatch.setenv("EMBED_ORIGINS", "https://news.example.org")
    config = base_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}", str(base_model_path))
    app = create_app(config)
    assert app.config["EMBED_ORIGINS"] == ("https://news.example.org",)


@pytest.mark.parametrize("origin", ["news.example.org", "https://news.example.org/comments", "ftp://news.example.org",
                                    "https://news.example.org?x=1", "https://user@news.example.org", "https://"])
def test_an_embed_origin_that_is_no_origin_stops_the_start(tmp_path, base_model_path, origin):
    config = base_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}", str(base_model_path))
    with pytest.raises(ValueError, match="EMBED_ORIGINS"):
        create_app({**config, "EMBED_ORIGINS": origin})


def _cookies(response) -> dict[str, str]:
    """Return each Set-Cookie header by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


@pytest.mark.parametrize(("proxy_count", "forwarded_proto", "over_https"), [
    (1, "https", True),
    (1, "http", False),
    (1, None, False),
    (0, "https", False),  # no trusted proxy: anyone could send the header
])
def test_cookies_are_secure_and_hsts_sent_only_over_https_behind_a_proxy(make_app, proxy_count, forwarded_proto,
                                                                         over_https):
    app = make_app(PROXY_COUNT=proxy_count)
    ApiActions(app).register("alice")
    pages = PageActions(app)
    headers = {"X-Forwarded-For": "203.0.113.9", **({"X-Forwarded-Proto": forwarded_proto} if forwarded_proto else {})}
    page = pages.client.get("/login", headers=headers)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    # Over HTTPS Flask-WTF also checks that the Referer is this site, as a browser's form post sends it.
    response = pages.client.post("/login", headers={**headers, "Referer": "https://localhost/login"},
                                 data={"csrf_token": token, "username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    cookies = _cookies(response)
    assert {"session", "remember_token"} <= set(cookies)
    for name in ("session", "remember_token"):
        assert ("; Secure" in cookies[name]) is over_https, cookies[name]
    assert ("Strict-Transport-Security" in response.headers) is over_https
    assert ("Strict-Transport-Security" in page.headers) is over_https
    if over_https:
        assert re.fullmatch(r"max-age=\d{7,}", response.headers["Strict-Transport-Security"])


def test_the_desk_draws_score_bars_without_inline_style(api):
    api.article()
    api.comment(api.reader("alice"), "You are a pathetic idiot and everybody here knows it.")
    api.staff("mod")
    pages = PageActions(api.app)
    pages.login("mod")
    html = pages.client.get("/moderation").get_data(as_text=True)
    assert 'class="score-meter"' in html
    assert not re.search(r"\sstyle=", html) and not re.search(r"<script(?![^>]*\ssrc=)", html)


#: A host name with a label longer than DNS allows (63): Werkzeug cannot bind the URL map to it.
UNBINDABLE_HOST = "a" * 64 + ".example.org"


@pytest.mark.parametrize("path", ["/", "/articles/council-budget", "/login", "/embed.js", "/no-such-page"])
def test_a_host_no_url_can_be_built_for_gets_a_plain_400_page(client, path):
    response = client.get(path, headers={"Host": UNBINDABLE_HOST})
    assert response.status_code == 400
    assert "text/html" in response.content_type and "Host header is not a host name" in response.get_data(as_text=True)


def test_a_host_no_url_can_be_built_for_gets_a_json_400_from_the_api(client):
    response = client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD},
                           headers={"Host": UNBINDABLE_HOST})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_behind_a_proxy_a_forwarded_host_no_url_can_be_built_for_gets_400(make_app):
    client = make_app(PROXY_COUNT=1).test_client()
    response = client.get("/", headers={"X-Forwarded-Host": UNBINDABLE_HOST})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/v2/me", "/api/v1/no-such-thing"])
def test_an_unknown_address_under_the_api_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
