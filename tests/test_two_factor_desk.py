"""The desk setting require_staff_two_factor: staff without two-factor sign-in are kept off the desk."""
import time

import jwt
import pytest

from tests.factories import ApiActions, PageActions, bearer
from tests.reader_actions import SETTINGS, patch_settings
from tests.two_factor_actions import enrol

QUEUE = "/api/v1/moderation/queue"
SSO_SECRET = "a-newsroom-secret-of-at-least-32-bytes"


def error_of(response) -> dict:
    return response.get_json()["error"]


@pytest.fixture
def admin(api):
    """An admin with two-factor sign-in on, who requires it of the other staff."""
    headers = api.staff("root", role="admin")
    enrol(api, headers)
    patch_settings(api, headers, require_staff_two_factor=True)
    return headers


def test_off_by_default_staff_without_two_factor_use_the_desk(api):
    moderator = api.staff("mod")
    assert api.client.get(QUEUE, headers=moderator).status_code == 200
    assert api.client.get(SETTINGS, headers=api.staff("boss", role="admin")).status_code == 200


def test_a_moderator_without_two_factor_is_refused_until_they_turn_it_on(api, admin):
    moderator = api.staff("mod")
    refused = api.client.get(QUEUE, headers=moderator)
    assert refused.status_code == 403 and error_of(refused)["code"] == "two_factor_required"
    assert "/settings" in error_of(refused)["message"]
    decision = api.client.post("/api/v1/moderation/comments/1/decision", json={"action": "approve"},
                               headers=moderator)
    assert decision.status_code == 403 and error_of(decision)["code"] == "two_factor_required"

    # Turning it on is the forum's, never behind the desk's check.
    enrol(api, moderator)
    assert api.client.get(QUEUE, headers=moderator).status_code == 200
    assert api.client.get(QUEUE, headers=admin).status_code == 200


def test_an_admin_without_two_factor_is_refused_the_admin_settings_too(api, admin):
    other_admin = api.staff("boss", role="admin")
    refused = api.client.patch(SETTINGS, json={"require_staff_two_factor": False}, headers=other_admin)
    assert refused.status_code == 403 and error_of(refused)["code"] == "two_factor_required"
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"]["require_staff_two_factor"] is True


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/api/v1/admin/webhooks", None),
    ("PUT", "/api/v1/admin/guidelines", {"text": "Be kind."}),
    ("PATCH", "/api/v1/moderation/articles/council-budget", {"moderation_mode": "pre"}),
])
def test_the_staff_routes_the_forum_serves_are_behind_it_too(api, admin, method, path, body):
    api.article()
    other_admin = api.staff("boss", role="admin")
    refused = api.client.open(path, method=method, json=body, headers=other_admin)
    assert refused.status_code == 403 and error_of(refused)["code"] == "two_factor_required"
    assert api.client.open(path, method=method, json=body, headers=admin).status_code == 200


def test_readers_are_refused_as_before(api, admin):
    refused = api.client.get(QUEUE, headers=api.reader("alice"))
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"


def test_turning_the_setting_off_lets_everyone_back(api, admin):
    moderator = api.staff("mod")
    assert api.client.get(QUEUE, headers=moderator).status_code == 403
    patch_settings(api, admin, require_staff_two_factor=False)
    assert api.client.get(QUEUE, headers=moderator).status_code == 200


def test_an_admin_cannot_require_it_without_having_it(api):
    admin = api.staff("root", role="admin")
    refused = api.client.patch(SETTINGS, json={"require_staff_two_factor": True}, headers=admin)
    assert refused.status_code == 403 and error_of(refused)["code"] == "two_factor_required"
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"]["require_staff_two_factor"] is False


def test_the_desk_pages_send_staff_without_it_to_their_settings(app, api, admin):
    api.staff("mod")
    pages = PageActions(app)
    pages.login("mod")
    for path in ("/moderation", "/moderation/log", "/moderation/stats"):
        response = pages.client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/settings#two-factor"), path
    settings = pages.client.get("/settings").get_data(as_text=True)
    assert "requires two-factor sign-in" in settings and 'id="two-factor"' in settings


def test_a_newsroom_moderator_is_vouched_for_by_the_newsroom(make_app):
    """An SSO account signs in through the newsroom, which vouches for it: no second factor here."""
    api = ApiActions(make_app(SSO_SECRET=SSO_SECRET))
    now = int(time.time())
    token = jwt.encode({"iat": now, "exp": now + 300, "user": {"id": "np-1", "email": "jane@news.example.org",
                                                               "username": "jane"}}, SSO_SECRET, algorithm="HS256")
    jane = bearer(api.client.post("/api/v1/auth/sso", json={"token": token}).get_json()["token"])
    assert api.app.test_cli_runner().invoke(args=["users", "set-role", "jane", "moderator"]).exit_code == 0
    admin = api.staff("root", role="admin")
    enrol(api, admin)
    patch_settings(api, admin, require_staff_two_factor=True)

    refused = api.client.post("/api/v1/me/two-factor", headers=jane)
    assert refused.status_code == 403 and error_of(refused)["code"] == "two_factor_not_offered"
    assert api.client.get(QUEUE, headers=jane).status_code == 200
