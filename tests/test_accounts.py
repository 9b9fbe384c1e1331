"""Registration, tokens, sessions and roles, through the API, the pages and the CLI."""
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, ApiActions, PageActions, bearer
from tests.test_password_reset import CONFIRM as RESET_CONFIRM
from tests.test_password_reset import _reset_link
from tests.two_factor_actions import TWO_FACTOR, enrol


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


@pytest.mark.backend_independent
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


@pytest.mark.backend_independent
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


@pytest.mark.backend_independent
@pytest.mark.parametrize("password, message", [
    ("password1", "most common"),
    ("Password1", "most common"),  # the list is compared lowercased
    ("  qwertyuiop  ", "most common"),
    ("iloveyou", "most common"),
    ("alice-2026-rocks", "contain your username"),
    ("my-ALICE-password", "contain your username"),
])
def test_common_passwords_and_passwords_with_the_username_are_422(client, app, password, message):
    response = client.post("/api/v1/auth/register", json={
        "username": "Alice", "email": "alice@example.org", "password": password})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "password" and message in error["message"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_the_register_page_refuses_a_common_password_on_its_field(pages, app):
    response = pages.submit("/register", {"username": "alice", "email": "alice@example.org",
                                          "password": "password1"}, page="/register")
    assert response.status_code == 422
    assert "most common" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


@pytest.mark.parametrize("password", ["password1", "mod-password-9"])
def test_cli_refuses_common_passwords_and_the_username(runner, password):
    result = runner.invoke(args=["users", "create", "mod", "--email", "mod@example.org", "--password", password])
    assert result.exit_code != 0
    assert "most common" in result.output or "contain your username" in result.output


def test_the_register_page_says_one_thing_when_a_name_or_email_is_taken(pages, api):
    api.register("alice")
    for username, email in (("ALICE", "new@example.org"), ("bob", "alice@example.org")):
        response = pages.submit("/register", {"username": username, "email": email, "password": PASSWORD},
                                page="/register")
        assert response.status_code == 409
        page = response.get_data(as_text=True)
        assert "That username or email cannot be used" in page and "already taken" not in page


def test_a_double_submitted_register_form_gets_409_the_second_time(pages, app):
    form = {"csrf_token": pages.csrf("/register"), "username": "alice", "email": "alice@example.org",
            "password": PASSWORD}
    assert pages.client.post("/register", data=form).status_code == 302
    assert pages.client.post("/register", data=form).status_code == 409
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def _register_at_once(app, attempts, door):
    """Send every (username, email) registration at the same moment, each from its own client."""
    barrier = threading.Barrier(len(attempts))

    def send(attempt):
        username, email = attempt
        form = {"username": username, "email": email, "password": PASSWORD}
        if door == "page":
            pages = PageActions(app)
            form["csrf_token"] = pages.csrf("/register")
            barrier.wait()
            return pages.client.post("/register", data=form).status_code
        client = app.test_client()
        barrier.wait()
        return client.post("/api/v1/auth/register", json=form).status_code

    with ThreadPoolExecutor(len(attempts)) as pool:
        return sorted(pool.map(send, attempts))


@pytest.mark.parametrize("door, created", [("api", 201), ("page", 302)])
def test_names_differing_only_in_case_race_and_one_wins(make_app, door, created):
    app = make_app(PROPAGATE_UNEXPECTED=False)
    attempts = [(name, f"{name.lower()}{n}@example.org") for n, name in enumerate(["Bob", "BOB", "bob", "bOb"])]
    statuses = _register_at_once(app, attempts, door)
    assert statuses == sorted([created] + [409] * 3)
    with app.app_context():
        assert db.session.scalars(select(User.username)).all() in (["Bob"], ["BOB"], ["bob"], ["bOb"])


def test_one_email_raced_by_several_names_is_registered_once(make_app):
    app = make_app(PROPAGATE_UNEXPECTED=False)
    statuses = _register_at_once(app, [(f"reader{n}", "same@example.org") for n in range(4)], "api")
    assert statuses == [201, 409, 409, 409]


SLOW_HASH = "pbkdf2:sha256:300000"


def _median_seconds(send, times=3) -> float:
    durations = []
    for _ in range(times):
        start = time.perf_counter()
        send()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def test_login_takes_as_long_for_an_unknown_user_as_for_a_wrong_password(make_app):
    api = ApiActions(make_app(PASSWORD_HASH_METHOD=SLOW_HASH))
    api.register("alice")

    def attempt(username, password="wrong-password"):
        return lambda: api.client.post("/api/v1/auth/token", json={"username": username, "password": password})

    known = _median_seconds(attempt("alice"))
    # With no hash checked, these answered in a twentieth of the time.
    for unknown in (attempt("nobody"), attempt("no_such_reader", password="correct-horse-battery")):
        assert _median_seconds(unknown) > known / 2
    # A body of the wrong shape is refused before any account is looked up: its answer, fast or
    # not, is the same whether the account exists or not.
    for malformed in (attempt("alice", password=12), attempt(["alice"])):
        assert malformed().status_code == 422


def test_registering_a_taken_name_takes_as_long_as_a_free_one(make_app):
    api = ApiActions(make_app(PASSWORD_HASH_METHOD=SLOW_HASH))
    counter = iter(range(100))
    free = _median_seconds(lambda: api.register(f"reader{next(counter)}"))
    taken = _median_seconds(lambda: api.register("reader0", email=f"x{next(counter)}@example.org"))
    assert taken > free / 2


# A password is checked exactly as it was set: spaces at either end are part of it ----------------

SPACED = "  secret pass  "
OTHER_SPACED = " another secret pass "
TOKEN = "/api/v1/auth/token"


def _api_sign_in(api, password, username="alice") -> int:
    return api.client.post(TOKEN, json={"username": username, "password": password}).status_code


def _page_sign_in(app, password, username="alice") -> int:
    return PageActions(app).submit("/login", {"username": username, "password": password}, page="/login").status_code


@pytest.mark.parametrize("door", ["api", "page"])
def test_a_password_with_spaces_around_it_signs_in_only_as_typed(app, api, pages, door):
    if door == "api":
        assert api.register("alice", password=SPACED).status_code == 201
    else:
        assert pages.submit("/register", {"username": "alice", "email": "alice@example.org", "password": SPACED},
                            page="/register").status_code == 302
    assert (_api_sign_in(api, SPACED), _page_sign_in(app, SPACED)) == (200, 302)
    assert (_api_sign_in(api, SPACED.strip()), _page_sign_in(app, SPACED.strip())) == (401, 401)


def test_changing_and_confirming_with_a_spaced_password_keep_it_as_typed(app, api, pages):
    api.register("alice", password=SPACED)
    alice = api.login("alice", SPACED)
    stripped = api.client.patch("/api/v1/me", json={"password": OTHER_SPACED, "current_password": SPACED.strip()},
                                headers=alice)
    assert stripped.status_code == 403
    assert api.client.patch("/api/v1/me", json={"password": OTHER_SPACED, "current_password": SPACED},
                            headers=alice).status_code == 200
    assert (_api_sign_in(api, OTHER_SPACED), _api_sign_in(api, OTHER_SPACED.strip())) == (200, 401)
    pages.login("alice", OTHER_SPACED)
    changed = pages.submit("/settings/password", {"current_password": OTHER_SPACED, "password": SPACED,
                                                  "confirm_password": SPACED}, page="/settings")
    assert changed.status_code == 302
    assert (_page_sign_in(app, SPACED), _page_sign_in(app, SPACED.strip())) == (302, 401)
    alice = api.login("alice", SPACED)
    assert api.client.delete("/api/v1/me", json={"password": SPACED.strip()}, headers=alice).status_code == 403
    assert api.client.delete("/api/v1/me", json={"password": SPACED}, headers=alice).status_code == 204


def test_a_reset_keeps_a_spaced_password_as_typed(make_app, mail_server):
    app = make_app(MAIL_URL=mail_server.url)
    api = ApiActions(app)
    api.register("alice")
    token = _reset_link(app, mail_server)
    assert api.client.post(RESET_CONFIRM, json={"token": token, "password": SPACED}).status_code == 204
    assert (_api_sign_in(api, SPACED), _api_sign_in(api, SPACED.strip())) == (200, 401)
    token = _reset_link(app, mail_server)
    path = f"/password-reset/{token}"
    done = PageActions(app).submit(path, {"password": OTHER_SPACED, "password_again": OTHER_SPACED}, page=path)
    assert done.status_code == 302
    assert (_page_sign_in(app, OTHER_SPACED), _page_sign_in(app, OTHER_SPACED.strip())) == (302, 401)


def test_turning_two_factor_off_takes_a_spaced_password_as_typed(app, api, runner):
    assert runner.invoke(args=["users", "create", "mod", "--email", "mod@example.org", "--password", SPACED,
                               "--role", "moderator"]).exit_code == 0
    moderator = api.login("mod", SPACED)
    _, codes = enrol(api, moderator)
    stripped = api.client.delete(TWO_FACTOR, json={"password": SPACED.strip(), "code": codes[0]}, headers=moderator)
    assert stripped.status_code == 403
    assert api.client.delete(TWO_FACTOR, json={"password": SPACED, "code": codes[0]},
                             headers=moderator).status_code == 204
