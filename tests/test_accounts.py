"""Registration, tokens, sessions and roles, through the API, the pages and the CLI."""
import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, bearer


def test_register_returns_the_user_and_stores_a_hash(api, app):
    response = api.register("alice")
    assert response.status_code == 201
    user = response.get_json()["user"]
    assert user["username"] == "alice" and user["role"] == "reader" and user["status"] == "active"
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.username == "alice"))
        assert stored.password_hash != PASSWORD and PASSWORD not in stored.password_hash


TAKEN = "That username or email cannot be used. Choose another username, or log in if you already have an account."


@pytest.mark.parametrize("username, email", [("alice", "other@example.org"), ("ALICE", "other@example.org"),
                                             ("bob", "alice@example.org"), ("bob", "Alice@Example.org")])
def test_duplicate_username_or_email_is_one_409_that_does_not_say_which(api, username, email):
    api.register("alice")
    response = api.register(username, email=email)
    assert response.status_code == 409
    # The same answer whichever clashed, so that registering cannot tell who has an account here.
    assert response.get_json() == {"error": {"code": "account_exists", "message": TAKEN}}


@pytest.mark.parametrize("payload, field", [
    ({"username": "a", "email": "a@example.org", "password": PASSWORD}, "username"),
    ({"username": "has space", "email": "a@example.org", "password": PASSWORD}, "username"),
    ({"username": "alice", "email": "not-an-email", "password": PASSWORD}, "email"),
    ({"username": "alice", "email": "a@example.org", "password": "short"}, "password"),
    ({"username": 12, "email": "a@example.org", "password": PASSWORD}, "username"),
    ({"username": "alice", "email": ["a@example.org"], "password": PASSWORD}, "email"),
    ({"email": "a@example.org", "password": PASSWORD}, "username"),
])
def test_invalid_registration_is_422_and_writes_nothing(client, app, payload, field):
    response = client.post("/api/v1/auth/register", json=payload)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


@pytest.mark.parametrize("data, content_type", [("{not json", "application/json"), ("[1, 2]", "application/json"),
                                                ("username=alice", "application/x-www-form-urlencoded")])
def test_malformed_json_is_400(client, data, content_type):
    response = client.post("/api/v1/auth/register", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_token_wrong_password_is_401(api):
    api.register("alice")
    response = api.client.post("/api/v1/auth/token", json={"username": "alice", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_me_needs_a_valid_token(api):
    assert api.client.get("/api/v1/me").status_code == 401
    assert api.client.get("/api/v1/me", headers=bearer("forged")).status_code == 401
    headers = api.reader("alice")
    me = api.client.get("/api/v1/me", headers=headers).get_json()["user"]
    assert me["username"] == "alice" and me["role"] == "reader" and me["status"] == "active"


def test_revoked_token_no_longer_works(api):
    headers = api.reader("alice")
    assert api.client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    response = api.client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_cli_creates_users_and_sets_roles(runner, api):
    result = runner.invoke(args=["users", "create", "mod", "--email", "mod@example.org",
                                 "--password", PASSWORD, "--role", "moderator"])
    assert result.exit_code == 0, result.output
    headers = api.login("mod")
    assert api.client.get("/api/v1/me", headers=headers).get_json()["user"]["role"] == "moderator"
    assert runner.invoke(args=["users", "set-role", "mod", "admin"]).exit_code == 0
    assert api.client.get("/api/v1/me", headers=headers).get_json()["user"]["role"] == "admin"


def test_cli_refuses_duplicates_and_unknown_users(runner, api):
    api.register("alice")
    result = runner.invoke(args=["users", "create", "alice", "--email", "x@example.org", "--password", PASSWORD])
    assert result.exit_code != 0 and "cannot be used" in result.output
    result = runner.invoke(args=["users", "set-role", "nobody", "admin"])
    assert result.exit_code != 0 and "nobody" in result.output


def test_register_log_out_and_log_in_on_the_pages(pages):
    response = pages.submit("/register", {"username": "alice", "email": "alice@example.org",
                                          "password": PASSWORD}, page="/register")
    assert response.status_code == 302
    assert "Log out" in pages.client.get("/").get_data(as_text=True)
    assert pages.submit("/logout", {}).status_code == 302
    assert "Log in" in pages.client.get("/").get_data(as_text=True)
    pages.login("alice")
    assert "Log out" in pages.client.get("/").get_data(as_text=True)


def test_wrong_password_on_the_login_page(pages, api):
    api.register("alice")
    response = pages.submit("/login", {"username": "alice", "password": "nope-nope"}, page="/login")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)


def test_page_forms_without_csrf_token_are_refused(pages, app):
    response = pages.client.post("/register", data={"username": "alice", "email": "alice@example.org",
                                                     "password": PASSWORD})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_login_redirects_only_to_this_site(pages, api):
    api.register("alice")
    token = pages.csrf("/login")
    response = pages.client.post("/login?next=https://evil.example.com/",
                                 data={"csrf_token": token, "username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_session_cookie_is_httponly_and_samesite(pages, api):
    api.register("alice")
    response = pages.login("alice")
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session
