"""Sign-ins end: logging out, signing out everywhere, and lifetimes end cookies and tokens on the server."""
import time
from datetime import timedelta

import pytest

from forum import security
from forum.models import utcnow
from tests.factories import ApiActions, PageActions, bearer

ME = "/api/v1/me"


def signed_in_page(app, username="alice") -> PageActions:
    """Register ``username`` over the API and log it in on the pages (which sets a remember cookie)."""
    ApiActions(app).register(username)
    pages = PageActions(app)
    pages.login(username)
    return pages


def copy_cookies(source, names) -> object:
    """Return a new client holding copies of ``source``'s cookies ``names``, as a thief would."""
    thief = source.application.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie was set"
        thief.set_cookie(name, cookie.value)
    return thief


@pytest.mark.parametrize("stolen", [("session",), ("remember_token",), ("session", "remember_token")])
def test_logout_ends_copies_of_the_session_and_remember_cookies(app, stolen):
    pages = signed_in_page(app)
    thief = copy_cookies(pages.client, stolen)
    assert thief.get(ME).status_code == 200

    assert pages.submit("/logout", {}).status_code == 302

    assert pages.client.get(ME).status_code == 401
    assert thief.get(ME).status_code == 401
    assert "Log in" in thief.get("/").get_data(as_text=True)


def test_logging_out_one_browser_leaves_the_others_signed_in(app):
    home, work = signed_in_page(app), PageActions(app)
    work.login("alice")
    assert home.submit("/logout", {}).status_code == 302
    assert work.client.get(ME).status_code == 200


def test_logging_out_twice_with_the_same_cookies_is_not_an_error(app):
    pages = signed_in_page(app)
    token = pages.csrf("/")
    twin = copy_cookies(pages.client, ("session", "remember_token"))
    assert pages.client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert twin.post("/logout", data={"csrf_token": token}).status_code == 302


def test_sign_out_everywhere_with_a_token_ends_every_token_and_session(app):
    api = ApiActions(app)
    first = api.reader("alice")
    second = api.login("alice")
    pages = PageActions(app)
    pages.login("alice")
    bob = api.reader("bob")

    assert api.client.delete("/api/v1/auth/tokens", headers=second).status_code == 204

    for headers in (first, second):
        response = api.client.get(ME, headers=headers)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"
    assert pages.client.get(ME).status_code == 401
    assert api.client.get(ME, headers=bob).status_code == 200


def test_sign_out_everywhere_from_a_session_needs_its_csrf_token(app):
    api = ApiActions(app)
    token_headers = api.reader("alice")
    pages = PageActions(app)
    pages.login("alice")

    refused = pages.client.delete("/api/v1/auth/tokens")
    assert refused.status_code == 400
    assert api.client.get(ME, headers=token_headers).status_code == 200

    response = pages.client.delete("/api/v1/auth/tokens", headers={"X-CSRFToken": pages.csrf("/")})
    assert response.status_code == 204
    assert api.client.get(ME, headers=token_headers).status_code == 401
    assert pages.client.get(ME).status_code == 401


def test_sign_out_everywhere_needs_a_sign_in(client):
    assert client.delete("/api/v1/auth/tokens").status_code == 401
    response = client.delete("/api/v1/auth/tokens", headers=bearer("forged"))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"


@pytest.mark.parametrize("lifetime", [1, "1"])  # seconds, as FLASK_API_TOKEN_LIFETIME gives them
def test_bearer_tokens_expire_after_their_lifetime(make_app, monkeypatch, lifetime):
    # The server's clock, stopped and then moved on: a slow machine must not expire the token early.
    issued = utcnow()
    monkeypatch.setattr(security, "utcnow", lambda: issued)
    api = ApiActions(make_app(API_TOKEN_LIFETIME=lifetime))
    headers = api.reader("alice")
    assert api.client.get(ME, headers=headers).status_code == 200
    monkeypatch.setattr(security, "utcnow", lambda: issued + timedelta(seconds=1.2))
    response = api.client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"
    assert api.client.get(ME, headers=api.login("alice")).status_code == 200


def test_page_sessions_expire_with_the_remember_duration(make_app):
    app = make_app(REMEMBER_COOKIE_DURATION=1)
    pages = signed_in_page(app)
    thief = copy_cookies(pages.client, ("remember_token",))
    assert pages.client.get(ME).status_code == 200
    time.sleep(1.2)
    assert pages.client.get(ME).status_code == 401
    assert thief.get(ME).status_code == 401


def test_a_session_cookie_naming_a_user_id_is_not_a_sign_in(app):
    """Cookies made before sessions were kept on the server carried the user's id: no longer enough."""
    ApiActions(app).register("alice")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"
        session["_fresh"] = True
    assert client.get(ME).status_code == 401
