"""The /settings page and its forms: the same rules as PATCH /api/v1/me, with the session and CSRF tokens."""
import pytest

from tests.factories import PASSWORD, ApiActions, PageActions
from tests.test_settings_api import NEW_PASSWORD, SSO_SECRET, account_row, me, newsroom_sign_in, token_count

ME = "/api/v1/me"


@pytest.fixture
def browser(app, api):
    """Alice, registered over the API and logged in on the pages."""
    api.register("alice")
    pages = PageActions(app)
    pages.login("alice")
    return pages


def submit(browser, path, data):
    return browser.submit(path, data, page="/settings")


def page_text(response) -> str:
    return response.get_data(as_text=True)


def test_the_page_and_its_forms_need_a_sign_in(app):
    anonymous = PageActions(app)
    for response in (anonymous.client.get("/settings"), anonymous.submit("/settings/mail", {"reply": "1"})):
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_page_shows_every_section_with_a_label_for_every_input(browser):
    response = browser.client.get("/settings")
    assert response.status_code == 200
    page = page_text(response)
    for heading in ("Details", "Password", "Mail", "Your data"):
        assert f">{heading}</h2>" in page
    assert 'href="/settings/data"' in page
    for name in ("display_name", "email", "current_password", "password", "confirm_password"):
        assert f'for="{name}"' in page and f'id="{name}"' in page
    for name in ("reply", "decision", "followed"):
        assert f'for="mail-{name}"' in page and f'id="mail-{name}"' in page
    assert 'value="alice@example.org"' in page


def test_the_header_links_to_the_settings(browser):
    assert 'href="/settings"' in page_text(browser.client.get("/"))


def test_saving_the_display_name_redirects_with_a_message(app, browser):
    response = submit(browser, "/settings/details", {"display_name": "Alice Liddell", "email": "alice@example.org"})
    assert response.status_code == 302 and response.headers["Location"] == "/settings"
    page = page_text(browser.client.get("/settings"))
    assert "Your details are saved." in page and 'value="Alice Liddell"' in page
    assert account_row(app)["display_name"] == "Alice Liddell"


def test_a_new_address_waits_for_its_link(app, browser):
    response = submit(browser, "/settings/details", {"display_name": "alice", "email": "new@example.org"})
    assert response.status_code == 302
    page = page_text(browser.client.get("/settings"))
    assert "A confirmation link was sent to new@example.org" in page
    assert "A confirmation link was sent to <strong>new@example.org</strong>" in page
    assert account_row(app)["email"] == "alice@example.org"


@pytest.mark.parametrize("data, status, message", [
    ({"display_name": "", "email": "alice@example.org"}, 422, "field required"),
    ({"display_name": "x" * 61, "email": "alice@example.org"}, 422, "the limit is 60"),
    ({"display_name": "Alice\u202e", "email": "alice@example.org"}, 422, "bidirectional"),
    ({"display_name": "Alice L.", "email": "nope"}, 422, "not a valid email address"),
    ({"display_name": "Alice L.", "email": "bob@example.org"}, 409, "Another account uses that email address"),
])
def test_details_errors_are_shown_on_their_field_and_change_nothing(app, api, browser, data, status, message):
    api.register("bob")
    before = account_row(app)
    response = submit(browser, "/settings/details", data)
    assert response.status_code == status
    page = page_text(response)
    assert message in page and 'class="field has-error"' in page
    assert account_row(app) == before and token_count(app) == 0


def test_changing_the_password_signs_out_everything_else(app, api, browser):
    token = api.login("alice")
    other_browser = PageActions(app)
    other_browser.login("alice")
    response = submit(browser, "/settings/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                       "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert "every other device" in page_text(browser.client.get("/settings"))
    assert browser.client.get(ME).status_code == 200
    assert other_browser.client.get(ME).status_code == 401
    assert api.client.get(ME, headers=token).status_code == 401
    assert api.client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD}).status_code == 401
    assert api.login("alice", NEW_PASSWORD)


@pytest.mark.parametrize("data, status, message", [
    ({"current_password": "wrong-password", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, 403,
     "That is not your current password."),
    ({"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "!"}, 422,
     "The two new passwords differ"),
    ({"current_password": PASSWORD, "password": "password1", "confirm_password": "password1"}, 422, "most common"),
    ({"current_password": PASSWORD, "password": "short", "confirm_password": "short"}, 422, "8 to 200 characters"),
    ({"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, 422, "field required"),
])
def test_password_errors_are_shown_and_change_nothing(app, api, browser, data, status, message):
    before = account_row(app)
    response = submit(browser, "/settings/password", data)
    assert response.status_code == status
    assert message in page_text(response)
    assert NEW_PASSWORD not in page_text(response)  # a password is never sent back
    assert account_row(app) == before
    assert browser.client.get(ME).status_code == 200 and api.login("alice")


def test_wrong_current_passwords_on_the_page_share_the_apis_budget(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PASSWORD_CHECK="2 per hour",
                   RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute")
    api = ApiActions(app)
    token = api.reader("alice")
    browser = PageActions(app)
    browser.login("alice")
    wrong = {"current_password": "wrong-password", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    assert submit(browser, "/settings/password", wrong).status_code == 403
    assert api.client.patch(ME, json={"password": NEW_PASSWORD, "current_password": "wrong-password"},
                            headers=token).status_code == 403
    assert submit(browser, "/settings/password", wrong).status_code == 429


def test_mail_preferences_round_trip(app, api, browser):
    response = submit(browser, "/settings/mail", {"decision": "1", "followed": "1"})
    assert response.status_code == 302
    page = page_text(browser.client.get("/settings"))
    assert "Your mail preferences are saved." in page
    assert 'id="mail-reply" name="reply" value="1">' in page
    assert 'id="mail-followed" name="followed" value="1" checked>' in page
    assert me(api, api.login("alice"))["email_notifications"] == {"reply": False, "decision": True, "followed": True}


def test_a_bad_mail_value_is_shown_and_changes_nothing(app, browser):
    before = account_row(app)
    response = submit(browser, "/settings/mail", {"reply": "maybe"})
    assert response.status_code == 422 and "must be 1 or 0" in page_text(response)
    assert account_row(app) == before


@pytest.mark.parametrize("path, data", [
    ("/settings/details", {"display_name": "Mallory", "email": "mallory@example.org"}),
    ("/settings/password", {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}),
    ("/settings/mail", {}),
])
def test_every_form_needs_its_csrf_token(app, browser, path, data):
    before = account_row(app)
    response = browser.client.post(path, data=data)
    assert response.status_code == 400
    assert account_row(app) == before and token_count(app) == 0


@pytest.mark.parametrize("value", ["Ali\x00ce", "x" * 5000, "\u200b", "Alice\r\nBob", "Alice\u202e"])
def test_hostile_form_input_is_a_4xx(app, browser, value):
    before = account_row(app)
    response = submit(browser, "/settings/details", {"display_name": value, "email": "alice@example.org"})
    assert 400 <= response.status_code < 500
    assert account_row(app) == before


def test_a_newsroom_account_sees_that_the_newsroom_manages_its_details(make_app):
    api = ApiActions(make_app(SSO_SECRET=SSO_SECRET))
    # A newsroom reader holds a bearer token, which the pages accept as a sign-in too.
    page = page_text(api.client.get("/settings", headers=newsroom_sign_in(api)))
    assert "which manages your name and email address" in page and "has no Parley password" in page
    assert 'id="current_password"' not in page and 'id="display_name"' not in page
