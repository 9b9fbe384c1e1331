"""Two-factor sign-in on the pages: /login asks for the code after the password; /settings turns it on and off."""
import html
import re
import time

import pyotp
import pytest

from tests.factories import PASSWORD, ApiActions, PageActions
from tests.two_factor_actions import enrol, next_code, two_factor_state, wrong_code

CODE_PAGE = "/login/code"
SECRET_RE = re.compile(r'<code class="two-factor-secret">([A-Z2-7]+)</code>')
RECOVERY_RE = re.compile(r"<li><code>([0-9a-f-]{19})</code></li>")


@pytest.fixture
def authenticator(api):
    """The app of a moderator, ``mod``, who has two-factor sign-in on."""
    authenticator, _ = enrol(api, api.staff("mod"))
    return authenticator


def password_step(pages, username="mod", next_path=None):
    path = "/login" + (f"?next={next_path}" if next_path else "")
    return pages.submit(path, {"username": username, "password": PASSWORD}, page="/login")


def is_signed_in(pages) -> bool:
    return pages.client.get("/settings").status_code == 200


def test_the_password_leads_to_the_code_page_and_does_not_sign_in(pages, authenticator):
    response = password_step(pages, next_path="/feed")
    assert response.status_code == 302 and response.headers["Location"] == "/login/code?next=/feed"
    assert not is_signed_in(pages)
    page = pages.client.get(CODE_PAGE)
    assert page.status_code == 200 and 'name="code"' in page.get_data(as_text=True)

    wrong = pages.submit(CODE_PAGE, {"code": wrong_code(authenticator)}, page=CODE_PAGE)
    assert wrong.status_code == 401 and "That code is not right" in wrong.get_data(as_text=True)
    assert not is_signed_in(pages)

    right = pages.submit(CODE_PAGE + "?next=/feed", {"code": next_code(authenticator)}, page=CODE_PAGE)
    assert right.status_code == 302 and right.headers["Location"] == "/feed"
    assert is_signed_in(pages)


def test_a_recovery_code_works_on_the_code_page_once(app, api):
    _, codes = enrol(api, api.staff("mod"))
    pages = PageActions(app)
    password_step(pages)
    assert pages.submit(CODE_PAGE, {"code": codes[0]}, page=CODE_PAGE).status_code == 302
    again = PageActions(app)
    password_step(again)
    assert again.submit(CODE_PAGE, {"code": codes[0]}, page=CODE_PAGE).status_code == 401
    assert not is_signed_in(again)


def test_a_wrong_password_never_reaches_the_code_page(pages, authenticator):
    response = pages.submit("/login", {"username": "mod", "password": "not-the-password"}, page="/login")
    assert response.status_code == 401
    assert pages.client.get(CODE_PAGE).headers["Location"].startswith("/login")


def test_the_code_page_waits_five_minutes(pages, authenticator):
    password_step(pages)
    with pages.client.session_transaction() as session:  # five minutes on, moved through the data
        session["two_factor_sign_in"] = {**session["two_factor_sign_in"], "until": int(time.time()) - 1}
    response = pages.client.get(CODE_PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    late = pages.client.post(CODE_PAGE, data={"csrf_token": pages.csrf("/login"), "code": next_code(authenticator)})
    assert late.status_code == 302 and late.headers["Location"].startswith("/login")
    assert not is_signed_in(pages)


@pytest.mark.backend_independent
@pytest.mark.parametrize("code", ["", "x" * 10_000, "abcdef", "12 34 56", "\u0000"])
def test_bad_input_on_the_code_page_is_4xx_and_signs_nobody_in(app, pages, authenticator, code):
    password_step(pages)
    before = two_factor_state(app, "mod")
    response = pages.submit(CODE_PAGE, {"code": code}, page=CODE_PAGE)
    assert response.status_code in (401, 413, 422)
    assert two_factor_state(app, "mod") == before
    assert not is_signed_in(pages)


def test_codes_share_the_login_budget_of_the_account(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_ACCOUNT="5 per minute")
    api = ApiActions(app)
    authenticator, _ = enrol(api, api.staff("mod"))  # a login and a first code: two of the account's five
    pages = PageActions(app)
    assert password_step(pages).status_code == 302
    for _ in range(2):
        assert pages.submit(CODE_PAGE, {"code": wrong_code(authenticator)}, page=CODE_PAGE).status_code == 401
    limited = pages.submit(CODE_PAGE, {"code": next_code(authenticator)}, page=CODE_PAGE)
    assert limited.status_code == 429
    assert not is_signed_in(pages)


def test_the_settings_page_turns_two_factor_on_and_off(app, api):
    api.staff("mod")
    pages = PageActions(app)
    pages.login("mod")
    page = pages.client.get("/settings").get_data(as_text=True)
    assert "Two-factor sign-in" in page and "Set up two-factor sign-in" in page

    assert pages.submit("/settings/two-factor", {}, page="/settings").status_code == 302
    page = pages.client.get("/settings").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1)
    assert "<svg" in page and html.escape(pyotp.TOTP(secret).provisioning_uri(name="mod", issuer_name="Parley")) in page
    authenticator = pyotp.TOTP(secret)

    wrong = pages.submit("/settings/two-factor/confirm", {"code": wrong_code(authenticator)}, page="/settings")
    assert wrong.status_code == 400 and two_factor_state(app, "mod")["enabled_at"] is None
    confirmed = pages.submit("/settings/two-factor/confirm", {"code": authenticator.now()}, page="/settings")
    assert confirmed.status_code == 200
    codes = RECOVERY_RE.findall(confirmed.get_data(as_text=True))
    assert len(codes) == 10 and two_factor_state(app, "mod")["recovery_codes"] == 10
    shown_again = pages.client.get("/settings").get_data(as_text=True)
    assert not RECOVERY_RE.search(shown_again) and "10 unused recovery codes" in shown_again

    refused = pages.submit("/settings/two-factor/off", {"password": "not-the-password", "code": codes[0]},
                           page="/settings")
    assert refused.status_code == 403 and two_factor_state(app, "mod")["recovery_codes"] == 10
    off = pages.submit("/settings/two-factor/off", {"password": PASSWORD, "code": codes[0]}, page="/settings")
    assert off.status_code == 302
    assert two_factor_state(app, "mod")["secret"] is None


def test_readers_see_no_two_factor_section(pages, api):
    api.reader("alice")
    pages.login("alice")
    assert "Two-factor sign-in" not in pages.client.get("/settings").get_data(as_text=True)
    assert pages.submit("/settings/two-factor", {}, page="/settings").status_code == 302
    assert two_factor_state(pages.client.application, "alice")["secret"] is None


def test_the_settings_forms_need_their_csrf_token(app, api):
    api.staff("mod")
    pages = PageActions(app)
    pages.login("mod")
    assert pages.client.post("/settings/two-factor").status_code == 400
    assert two_factor_state(app, "mod")["secret"] is None
