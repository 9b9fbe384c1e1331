"""Two-factor sign-in over the API: enrolment by staff, sign-in with a code or a recovery code, turning it off."""
import re
import time
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import RecoveryCode, User
from tests.factories import PASSWORD
from tests.two_factor_actions import (
    CONFIRM,
    TOKEN,
    TWO_FACTOR,
    enrol,
    next_code,
    sign_in,
    start,
    two_factor_state,
    wrong_code,
)


@pytest.fixture
def moderator(api):
    return api.staff("mod")


def me(api, headers) -> dict:
    return api.client.get("/api/v1/me", headers=headers).get_json()["user"]


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body["error"]) >= {"code", "message"}, body
    return body["error"]


def test_enrolment_gives_a_pending_secret_that_a_first_code_puts_in_force(api, moderator):
    response = api.client.post(TWO_FACTOR, headers=moderator)
    assert response.status_code == 200
    secret, uri = response.get_json()["secret"], response.get_json()["otpauth_uri"]
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.path) == ("otpauth", "totp", "/Parley:mod")
    assert parse_qs(parts.query) == {"secret": [secret], "issuer": ["Parley"]}
    # Pending: not in force, so the password alone still signs in.
    assert me(api, moderator)["two_factor"] is False
    assert sign_in(api, "mod").status_code == 200

    confirmed = api.client.post(CONFIRM, json={"code": pyotp.TOTP(secret).now()}, headers=moderator)
    assert confirmed.status_code == 200
    codes = confirmed.get_json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){3}", code) for code in codes)
    assert me(api, moderator)["two_factor"] is True


def test_an_admin_enrols_too(api):
    admin = api.staff("root", role="admin")
    enrol(api, admin)
    assert me(api, admin)["two_factor"] is True


def test_a_reader_cannot_enrol(api, app):
    reader = api.reader("alice")
    response = api.client.post(TWO_FACTOR, headers=reader)
    assert response.status_code == 403 and error_of(response)["code"] == "two_factor_not_offered"
    assert two_factor_state(app, "alice")["secret"] is None
    assert me(api, reader)["two_factor"] is False


def test_a_wrong_first_code_turns_nothing_on(api, app, moderator):
    authenticator = start(api, moderator)
    before = two_factor_state(app, "mod")
    response = api.client.post(CONFIRM, json={"code": wrong_code(authenticator)}, headers=moderator)
    assert response.status_code == 400 and error_of(response)["code"] == "invalid_code"
    assert two_factor_state(app, "mod") == before
    assert api.client.post(CONFIRM, json={"code": authenticator.now()}, headers=moderator).status_code == 200


def test_confirming_with_no_secret_asked_for_is_a_409(api, moderator):
    response = api.client.post(CONFIRM, json={"code": "123456"}, headers=moderator)
    assert response.status_code == 409 and error_of(response)["code"] == "no_pending_two_factor"


def test_a_new_secret_is_refused_while_two_factor_is_on(api, app, moderator):
    enrol(api, moderator)
    before = two_factor_state(app, "mod")
    response = api.client.post(TWO_FACTOR, headers=moderator)
    assert response.status_code == 409 and error_of(response)["code"] == "two_factor_on"
    assert two_factor_state(app, "mod") == before


def test_sign_in_needs_a_code_once_two_factor_is_on(api, app, moderator):
    authenticator, _ = enrol(api, moderator)
    before = two_factor_state(app, "mod")
    without = sign_in(api, "mod")
    assert without.status_code == 401 and error_of(without)["code"] == "two_factor_required"
    wrong = sign_in(api, "mod", otp=wrong_code(authenticator))
    assert wrong.status_code == 401 and error_of(wrong)["code"] == "invalid_code"
    assert two_factor_state(app, "mod") == before  # no token, no step spent

    right = sign_in(api, "mod", otp=next_code(authenticator))
    assert right.status_code == 200 and right.get_json()["user"]["two_factor"] is True
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {right.get_json()['token']}"}
                          ).status_code == 200


def test_a_wrong_password_with_a_right_code_is_refused_and_spends_nothing(api, app, moderator):
    authenticator, _ = enrol(api, moderator)
    before = two_factor_state(app, "mod")
    response = api.client.post(TOKEN, json={"username": "mod", "password": "not-the-password",
                                            "otp": next_code(authenticator)})
    assert response.status_code == 401 and error_of(response)["code"] == "invalid_credentials"
    assert two_factor_state(app, "mod") == before
    assert sign_in(api, "mod", otp=next_code(authenticator)).status_code == 200


def test_a_code_is_accepted_once(api, moderator):
    authenticator, _ = enrol(api, moderator)
    code = next_code(authenticator)
    assert sign_in(api, "mod", otp=code).status_code == 200
    replayed = sign_in(api, "mod", otp=code)
    assert replayed.status_code == 401 and error_of(replayed)["code"] == "invalid_code"


def test_the_code_confirming_the_secret_cannot_sign_in(api, moderator):
    authenticator = start(api, moderator)
    code = authenticator.now()
    assert api.client.post(CONFIRM, json={"code": code}, headers=moderator).status_code == 200
    assert sign_in(api, "mod", otp=code).status_code == 401


def test_a_code_from_the_previous_step_still_counts(api, moderator):
    """A phone's clock a little behind: the code of one step ago is accepted (if no later one was used)."""
    authenticator = start(api, moderator)
    assert api.client.post(CONFIRM, json={"code": authenticator.at(time.time() - 30)},
                           headers=moderator).status_code == 200
    too_old = authenticator.at(time.time() - 90)
    assert sign_in(api, "mod", otp=too_old).status_code == 401


def test_a_recovery_code_signs_in_once(api, app, moderator):
    _, codes = enrol(api, moderator)
    assert sign_in(api, "mod", recovery_code=codes[0]).status_code == 200
    again = sign_in(api, "mod", recovery_code=codes[0])
    assert again.status_code == 401 and error_of(again)["code"] == "invalid_code"
    # Typed without dashes and in capitals, as people copy them.
    assert sign_in(api, "mod", recovery_code=codes[1].replace("-", "").upper()).status_code == 200
    assert two_factor_state(app, "mod")["recovery_codes"] == 8


def test_turning_off_needs_the_password_and_a_code(api, app, moderator):
    authenticator, _ = enrol(api, moderator)
    before = two_factor_state(app, "mod")
    wrong_password = api.client.delete(TWO_FACTOR, json={"password": "not-the-password",
                                                         "code": next_code(authenticator)}, headers=moderator)
    assert wrong_password.status_code == 403 and error_of(wrong_password)["code"] == "wrong_password"
    wrong = api.client.delete(TWO_FACTOR, json={"password": PASSWORD, "code": wrong_code(authenticator)},
                              headers=moderator)
    assert wrong.status_code == 400 and error_of(wrong)["code"] == "invalid_code"
    no_code = api.client.delete(TWO_FACTOR, json={"password": PASSWORD}, headers=moderator)
    assert no_code.status_code == 422 and error_of(no_code)["code"] == "invalid_code"
    assert two_factor_state(app, "mod") == before

    done = api.client.delete(TWO_FACTOR, json={"password": PASSWORD, "code": next_code(authenticator)},
                             headers=moderator)
    assert done.status_code == 204
    state = two_factor_state(app, "mod")
    assert (state["secret"], state["enabled_at"], state["recovery_codes"]) == (None, None, 0)
    assert me(api, moderator)["two_factor"] is False
    assert sign_in(api, "mod").status_code == 200
    again = api.client.delete(TWO_FACTOR, json={"password": PASSWORD, "code": "123456"}, headers=moderator)
    assert again.status_code == 409 and error_of(again)["code"] == "two_factor_off"


def test_a_recovery_code_turns_it_off(api, moderator):
    _, codes = enrol(api, moderator)
    response = api.client.delete(TWO_FACTOR, json={"password": PASSWORD, "code": codes[3]}, headers=moderator)
    assert response.status_code == 204


def test_the_export_says_it_is_on_and_deletion_clears_it(api, app, moderator):
    authenticator, _ = enrol(api, moderator)
    exported = api.client.get("/api/v1/me/export", headers=moderator).get_data(as_text=True)
    assert '"two_factor": true' in exported and authenticator.secret not in exported
    assert api.client.delete("/api/v1/me", json={"password": PASSWORD}, headers=moderator).status_code == 204
    with app.app_context():
        user = db.session.scalar(select(User).where(User.deleted_at.is_not(None)))
        assert (user.totp_secret, user.totp_enabled_at, user.totp_last_step) == (None, None, None)
        assert not db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()


def test_enrolment_needs_a_sign_in(api):
    assert api.client.post(TWO_FACTOR).status_code == 401
    assert api.client.post(CONFIRM, json={"code": "123456"}).status_code == 401


BAD_CODES = [123456, 12.5, True, None, [], {}, "", "x" * 10_000, "12345", "1234567", "abcdef", "١٢٣٤٥٦",
             "12345\n", "\u0000" * 6, "\ud800"]


@pytest.mark.backend_independent
@pytest.mark.parametrize("code", BAD_CODES, ids=repr)
@pytest.mark.parametrize("field", ["otp", "recovery_code"])
def test_bad_codes_at_sign_in_are_4xx_and_change_nothing(api, app, moderator, field, code):
    enrol(api, moderator)
    before = two_factor_state(app, "mod")
    response = sign_in(api, "mod", **{field: code})
    assert 400 <= response.status_code < 500 and response.status_code in (401, 413, 422)
    assert error_of(response)["code"] in ("invalid_code", "two_factor_required", "too_long")
    assert two_factor_state(app, "mod") == before


@pytest.mark.backend_independent
@pytest.mark.parametrize("body", [{"code": code} for code in BAD_CODES] + [{}, {"password": PASSWORD}])
def test_bad_bodies_on_confirm_and_turn_off_are_4xx_and_change_nothing(api, app, moderator, body):
    start(api, moderator)
    before = two_factor_state(app, "mod")
    for method, path in (("post", CONFIRM), ("delete", TWO_FACTOR)):
        response = getattr(api.client, method)(path, json=body, headers=moderator)
        assert 400 <= response.status_code < 500, (path, response.get_json())
        assert error_of(response)["code"]
        assert two_factor_state(app, "mod") == before


@pytest.mark.backend_independent
@pytest.mark.parametrize("raw", ["not json", "[]", '"123456"', '{"code": NaN}'])
def test_a_body_that_is_not_an_object_is_a_400(api, moderator, raw):
    start(api, moderator)
    response = api.client.post(CONFIRM, data=raw, content_type="application/json", headers=moderator)
    assert response.status_code == 400 and error_of(response)["code"] == "invalid_json"
