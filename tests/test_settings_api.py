"""PATCH /api/v1/me: display name, email (asked for), password, mail preferences; all or nothing, on both databases."""
import time

import jwt
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AccountToken, AccountTokenPurpose, User
from tests.factories import PASSWORD, ApiActions, PageActions, bearer

ME = "/api/v1/me"
NEW_PASSWORD = "a-brand-new-passphrase"
SSO_SECRET = "a-newsroom-secret-of-at-least-32-bytes"


def patch(api, headers, body):
    return api.client.patch(ME, json=body, headers=headers)


def me(api, headers) -> dict:
    response = api.client.get(ME, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["user"]


def error_of(response) -> dict:
    return response.get_json()["error"]


def account_row(app, username="alice") -> dict:
    """The stored account, as columns (to prove what a refused request did not change)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return {c.name: getattr(user, c.key) for c in User.__table__.columns}


def token_count(app) -> int:
    with app.app_context():
        # Email-change links only: registering mails an address-confirmation link too.
        return db.session.scalar(select(func.count()).select_from(AccountToken)
                                 .where(AccountToken.purpose == AccountTokenPurpose.EMAIL_CHANGE))


@pytest.fixture
def alice(api):
    return api.reader("alice")


def test_me_shows_mail_preferences_and_no_pending_email(api, alice):
    user = me(api, alice)
    assert user["email_notifications"] == {"reply": True, "decision": True, "followed": False}
    assert user["pending_email"] is None and user["email"] == "alice@example.org"


def test_display_name_alone(api, alice):
    response = patch(api, alice, {"display_name": "  Alice Liddell  "})
    assert response.status_code == 200
    assert response.get_json()["user"]["display_name"] == "Alice Liddell"
    assert me(api, alice)["display_name"] == "Alice Liddell"


@pytest.mark.parametrize("preferences", [{"reply": False}, {"decision": False, "followed": True},
                                         {"reply": False, "decision": False, "followed": True}])
def test_mail_preferences_round_trip_and_keys_left_out_stay(api, alice, preferences):
    response = patch(api, alice, {"email_notifications": preferences})
    assert response.status_code == 200
    expected = {"reply": True, "decision": True, "followed": False, **preferences}
    assert response.get_json()["user"]["email_notifications"] == expected
    assert me(api, alice)["email_notifications"] == expected


def test_email_alone_is_only_asked_for(api, app, alice):
    response = patch(api, alice, {"email": "  Alice.New@Example.org "})
    assert response.status_code == 200
    user = response.get_json()["user"]
    assert user["email"] == "alice@example.org" and user["pending_email"] == "alice.new@example.org"
    assert me(api, alice)["pending_email"] == "alice.new@example.org"
    assert account_row(app)["email"] == "alice@example.org"


def test_asking_again_replaces_the_pending_address(api, alice):
    patch(api, alice, {"email": "first@example.org"})
    patch(api, alice, {"email": "second@example.org"})
    assert me(api, alice)["pending_email"] == "second@example.org"


def test_the_current_address_again_asks_for_nothing(api, app, alice):
    response = patch(api, alice, {"email": "ALICE@example.org"})
    assert response.status_code == 200 and response.get_json()["user"]["pending_email"] is None
    assert token_count(app) == 0


def test_password_alone_with_the_current_one(api, alice):
    response = patch(api, alice, {"password": NEW_PASSWORD, "current_password": PASSWORD})
    assert response.status_code == 200
    assert api.client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD}).status_code == 401
    assert api.login("alice", NEW_PASSWORD)


def test_every_field_together(api, app, alice):
    response = patch(api, alice, {"display_name": "Alice L.", "email": "liddell@example.org", "password": NEW_PASSWORD,
                                  "current_password": PASSWORD, "email_notifications": {"followed": True}})
    assert response.status_code == 200, response.get_json()
    user = response.get_json()["user"]
    assert user["display_name"] == "Alice L." and user["pending_email"] == "liddell@example.org"
    assert user["email_notifications"]["followed"] is True
    assert me(api, alice) == user  # the caller's own token still works
    assert api.login("alice", NEW_PASSWORD)


# One bad field among good ones: the whole request is refused and nothing is written.
ALL_OR_NOTHING = [
    ({"display_name": "Alice L.", "email": "not-an-email"}, 422, "invalid_email"),
    ({"display_name": "Alice L.", "password": "short", "current_password": PASSWORD}, 422, "invalid_password"),
    ({"display_name": "Alice L.", "password": "password1", "current_password": PASSWORD}, 422, "invalid_password"),
    ({"display_name": "Alice L.", "password": "alice-is-my-name", "current_password": PASSWORD}, 422,
     "invalid_password"),
    ({"email_notifications": {"reply": False}, "password": NEW_PASSWORD, "current_password": "wrong-password"},
     403, "wrong_password"),
    ({"email": "bob@example.org", "display_name": "Alice L."}, 409, "email_taken"),
    ({"display_name": "Alice L.", "email_notifications": {"reply": "no"}}, 422, "wrong_type"),
    ({"display_name": "Alice L.", "password": NEW_PASSWORD}, 422, "missing_field"),
    ({"display_name": "Alice L.", "current_password": PASSWORD}, 422, "missing_field"),
    ({"display_name": "Alice L.", "shoe_size": 42}, 422, "unknown_field"),
    ({"display_name": "Alice L.", "email_notifications": {"reply": False, "weekly": True}}, 422, "unknown_field"),
    ({"email": "carol@example.org", "display_name": ""}, 422, "invalid_display_name"),
]


@pytest.mark.parametrize("body, status, code", ALL_OR_NOTHING)
def test_one_bad_field_changes_nothing(api, app, alice, body, status, code):
    api.register("bob")
    before = account_row(app)
    response = patch(api, alice, body)
    assert response.status_code == status, response.get_json()
    assert error_of(response)["code"] == code
    assert account_row(app) == before
    assert token_count(app) == 0
    assert me(api, alice)["pending_email"] is None
    assert api.login("alice")  # the password is unchanged, and the caller still signed in
    assert me(api, alice)["display_name"] == "alice"


def test_wrong_current_password_is_403_and_keeps_every_sign_in(api, alice):
    other = api.login("alice")
    response = patch(api, alice, {"password": NEW_PASSWORD, "current_password": "not-my-password"})
    assert response.status_code == 403
    assert error_of(response) == {"code": "wrong_password", "field": "current_password",
                                  "message": "That is not your current password."}
    assert me(api, other)["username"] == "alice"
    assert api.login("alice")


def test_a_password_change_ends_every_other_token_and_session_but_the_callers(app, api, alice):
    other_token = api.login("alice")
    browser = PageActions(app)
    browser.login("alice")
    bob = api.reader("bob")

    assert patch(api, alice, {"password": NEW_PASSWORD, "current_password": PASSWORD}).status_code == 200

    response = api.client.get(ME, headers=other_token)
    assert response.status_code == 401 and error_of(response)["code"] == "invalid_token"
    assert browser.client.get(ME).status_code == 401
    assert me(api, alice)["username"] == "alice"
    assert me(api, bob)["username"] == "bob"


def test_a_password_change_from_a_page_session_keeps_that_session_only(app, api, alice):
    browser, other_browser = PageActions(app), PageActions(app)
    browser.login("alice")
    other_browser.login("alice")
    response = browser.client.patch(ME, json={"password": NEW_PASSWORD, "current_password": PASSWORD},
                                    headers={"X-CSRFToken": browser.csrf("/")})
    assert response.status_code == 200
    assert browser.client.get(ME).status_code == 200
    assert other_browser.client.get(ME).status_code == 401
    assert api.client.get(ME, headers=alice).status_code == 401


def test_a_session_needs_its_csrf_token_to_patch(app, api, alice):
    browser = PageActions(app)
    browser.login("alice")
    response = browser.client.patch(ME, json={"display_name": "Mallory"})
    assert response.status_code == 400
    assert me(api, alice)["display_name"] == "alice"


def test_patch_me_needs_a_sign_in(api):
    assert api.client.patch(ME, json={"display_name": "Nobody"}).status_code == 401
    response = api.client.patch(ME, json={"display_name": "Nobody"}, headers=bearer("forged"))
    assert response.status_code == 401 and error_of(response)["code"] == "invalid_token"


def test_the_email_of_another_account_is_409_email_taken(api, alice):
    api.register("bob")
    response = patch(api, alice, {"email": "BOB@example.org"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "email_taken" and error_of(response)["field"] == "email"


def test_email_changes_are_limited_per_account(make_app):
    api = ApiActions(make_app(RATELIMIT_ENABLED=True, RATELIMIT_EMAIL_CHANGE="3 per day",
                              RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute"))
    alice, bob = api.reader("alice"), api.reader("bob")
    # A refused change counts too: asking whether addresses have accounts is limited alike.
    statuses = [patch(api, alice, {"email": email}).status_code
                for email in ("alice1@example.org", "bob@example.org", "alice2@example.org", "alice3@example.org")]
    assert statuses == [200, 409, 200, 429]
    response = patch(api, api.login("alice"), {"email": "alice4@example.org"})
    assert response.status_code == 429 and error_of(response)["code"] == "rate_limited"
    assert me(api, alice)["pending_email"] == "alice2@example.org"
    # The rest of the settings are not limited, nor is sending the address the account has.
    assert patch(api, alice, {"display_name": "Alice L.", "email": "alice@example.org"}).status_code == 200
    assert patch(api, bob, {"email": "bob2@example.org"}).status_code == 200


def test_wrong_current_passwords_are_limited_per_account(make_app):
    api = ApiActions(make_app(RATELIMIT_ENABLED=True, RATELIMIT_PASSWORD_CHECK="2 per hour",
                              RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute"))
    alice, bob = api.reader("alice"), api.reader("bob")
    wrong = {"password": NEW_PASSWORD, "current_password": "wrong-password"}
    # Changes that give no current password neither count nor are stopped.
    assert [patch(api, alice, {"display_name": f"Alice {n}"}).status_code for n in range(3)] == [200] * 3
    assert [patch(api, alice, wrong).status_code for _ in range(3)] == [403, 403, 429]
    response = patch(api, api.login("alice"), {"password": NEW_PASSWORD, "current_password": PASSWORD})
    assert response.status_code == 429 and error_of(response)["code"] == "rate_limited"
    assert patch(api, alice, {"display_name": "Alice again"}).status_code == 200
    assert patch(api, bob, {"password": NEW_PASSWORD, "current_password": PASSWORD}).status_code == 200
    assert api.login("alice")  # the password never changed


def newsroom_sign_in(api) -> dict:
    """Sign Jane in with the newsroom's token (SSO) and return her Authorization header."""
    now = int(time.time())
    token = jwt.encode({"iat": now, "exp": now + 300, "user": {
        "id": "np-1", "email": "jane@news.example.org", "username": "jane", "display_name": "Jane Doe"}},
        SSO_SECRET, algorithm="HS256")
    response = api.client.post("/api/v1/auth/sso", json={"token": token})
    assert response.status_code == 200
    return bearer(response.get_json()["token"])


@pytest.fixture
def newsroom_reader(make_app):
    """An account that signs in through the newsroom (SSO): (api, headers)."""
    api = ApiActions(make_app(SSO_SECRET=SSO_SECRET))
    return api, newsroom_sign_in(api)


@pytest.mark.parametrize("body, field", [
    ({"email": "jane@elsewhere.example.org"}, "email"),
    ({"display_name": "Not Jane"}, "display_name"),
    ({"password": NEW_PASSWORD, "current_password": "anything-at-all"}, "password"),
])
def test_a_newsroom_account_cannot_change_what_the_newsroom_manages(newsroom_reader, body, field):
    api, jane = newsroom_reader
    response = patch(api, jane, body)
    assert response.status_code == 409
    assert error_of(response)["code"] == "managed_by_newsroom" and error_of(response)["field"] == field
    user = me(api, jane)
    assert user["email"] == "jane@news.example.org" and user["pending_email"] is None
    assert user["display_name"] == "Jane Doe"


def test_a_newsroom_account_sets_its_mail_and_may_send_back_what_it_has(newsroom_reader):
    api, jane = newsroom_reader
    response = patch(api, jane, {"display_name": "Jane Doe", "email": "jane@news.example.org",
                                 "email_notifications": {"reply": False}})
    assert response.status_code == 200
    assert response.get_json()["user"]["email_notifications"]["reply"] is False


# Hostile input, field by field: a clear 422 in the contract's shape, never a 5xx, nothing written.
BAD_INPUT = [
    ({}, "nothing_to_change"),
    ({"email_notifications": {}}, "nothing_to_change"),
    ({"display_name": None}, "invalid_display_name"),
    ({"display_name": 42}, "invalid_display_name"),
    ({"display_name": ["Alice"]}, "invalid_display_name"),
    ({"display_name": "x" * 61}, "too_long"),
    ({"display_name": "x" * 60_000}, "too_long"),
    ({"display_name": "Ali\x00ce"}, "control_characters"),
    ({"display_name": "Alice\n"}, "control_characters"),
    ({"display_name": "\ud800"}, "control_characters"),
    ({"display_name": "\u200b\u200b"}, "invisible_text"),
    ({"display_name": "Alice\u202e"}, "bidi_control"),
    ({"email": None}, "invalid_email"),
    ({"email": "alice@example"}, "invalid_email"),
    ({"email": "a" * 250 + "@example.org"}, "too_long"),
    ({"email": "alice\r\n@example.org"}, "control_characters"),
    ({"email": {"address": "a@example.org"}}, "invalid_email"),
    ({"password": None, "current_password": PASSWORD}, "invalid_password"),
    ({"password": 12345678, "current_password": PASSWORD}, "invalid_password"),
    ({"password": "x" * 201, "current_password": PASSWORD}, "invalid_password"),
    ({"password": "new\x00password", "current_password": PASSWORD}, "control_characters"),
    ({"password": NEW_PASSWORD, "current_password": None}, "wrong_type"),
    ({"password": NEW_PASSWORD, "current_password": "x" * 1001}, "too_long"),
    ({"password": NEW_PASSWORD, "current_password": "\ud800"}, "control_characters"),
    ({"password": NEW_PASSWORD, "current_password": ""}, "missing_field"),
    ({"email_notifications": None}, "wrong_type"),
    ({"email_notifications": [True]}, "wrong_type"),
    ({"email_notifications": {"reply": None}}, "wrong_type"),
    ({"email_notifications": {"reply": 1}}, "wrong_type"),
    ({"email_notifications": {"reply": "true"}}, "wrong_type"),
]


@pytest.mark.parametrize("body, code", BAD_INPUT)
def test_bad_input_is_422_and_changes_nothing(api, app, alice, body, code):
    before = account_row(app)
    response = patch(api, alice, body)
    assert response.status_code == 422, response.get_json()
    assert error_of(response)["code"] == code and error_of(response)["message"]
    assert account_row(app) == before and token_count(app) == 0


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "null", '"text"', "", '{"display_name": NaN}',
                                 "[" * 5000 + "]" * 5000])
def test_malformed_json_is_400(api, app, alice, raw):
    before = account_row(app)
    response = api.client.patch(ME, data=raw, content_type="application/json", headers=alice)
    assert response.status_code == 400 and error_of(response)["code"] == "invalid_json"
    assert account_row(app) == before
