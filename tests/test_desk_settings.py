"""The desk's settings over /api/v1/admin/settings: admins only, strict validation, in force at once everywhere."""
from functools import partial

import pytest

from tests.factories import ApiActions, run_together
from tests.moderation_actions import report
from tests.reader_actions import CIVIL, SETTINGS, patch_settings

DEFAULTS = {"report_hide_threshold": 3, "new_user_premoderation_count": 0, "new_user_link_hold": True,
            "repeat_post_hold": True, "auto_premoderation_rejections": 0, "auto_premoderation_days": 30,
            "alert_queue_size": 0, "alert_wait_minutes": 0, "auto_approve_below": 0,
            "require_staff_two_factor": False, "require_verified_email": False}


@pytest.fixture
def app(make_app):
    """An app with the contract's defaults (the other web tests turn the repeat rule off by config)."""
    return make_app(MODERATION_REPEAT_POST_HOLD=True)


@pytest.fixture
def admin(api):
    return api.staff("root", role="admin")


def test_an_admin_reads_the_defaults_and_changes_some_of_them(api, admin):
    response = api.client.get(SETTINGS, headers=admin)
    assert response.status_code == 200 and response.get_json()["settings"] == DEFAULTS
    changed = patch_settings(api, admin, new_user_premoderation_count=2, new_user_link_hold=False)
    assert changed == {**DEFAULTS, "new_user_premoderation_count": 2, "new_user_link_hold": False}
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"] == changed
    assert patch_settings(api, admin) == changed  # naming nothing changes nothing


@pytest.mark.parametrize("method", ["get", "patch"])
def test_only_admins_see_or_change_the_settings(api, admin, method):
    moderator, reader = api.staff("mod"), api.reader("alice")
    call = getattr(api.client, method)
    body = {"json": {"report_hide_threshold": 1}} if method == "patch" else {}
    assert call(SETTINGS, **body).status_code == 401
    assert call(SETTINGS, headers=reader, **body).status_code == 403
    assert call(SETTINGS, headers=moderator, **body).status_code == 403
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"] == DEFAULTS


@pytest.mark.parametrize("body", [
    {"report_hide_threshold": 0}, {"report_hide_threshold": 1001}, {"report_hide_threshold": "3"},
    {"report_hide_threshold": 2.5}, {"report_hide_threshold": True}, {"new_user_premoderation_count": -1},
    {"new_user_link_hold": "yes"}, {"new_user_link_hold": 1}, {"repeat_post_hold": "false"},
    {"auto_premoderation_rejections": -1}, {"auto_premoderation_days": 0}, {"auto_premoderation_days": 3651},
    {"unknown_setting": 1}, {"report_hide_threshold": 2, "REPORT_HIDE_THRESHOLD": 2},
    {"require_staff_two_factor": "true"}, {"require_staff_two_factor": 1},
    {"require_verified_email": "yes"}, {"require_verified_email": 0}, {"require_verified_email": [True]},
])
def test_a_bad_value_or_an_unknown_name_is_a_422_and_changes_nothing(api, admin, body):
    response = api.client.patch(SETTINGS, json=body, headers=admin)
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["error"]) >= {"code", "message"}
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"] == DEFAULTS


@pytest.mark.parametrize("body", [[], "3", None])
def test_a_body_that_is_not_an_object_is_a_400(api, admin, body):
    response = api.client.patch(SETTINGS, json=body, headers=admin)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"] == DEFAULTS


def test_the_config_is_the_default_until_an_admin_sets_the_threshold(make_app):
    api = ApiActions(make_app(REPORT_HIDE_THRESHOLD=5))
    admin = api.staff("root", role="admin")
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"]["report_hide_threshold"] == 5
    assert patch_settings(api, admin, report_hide_threshold=4)["report_hide_threshold"] == 4


def test_a_change_takes_effect_on_another_worker_without_a_restart(make_app):
    first, second = ApiActions(make_app()), ApiActions(make_app())
    first.article()
    admin, alice, bob = first.staff("root", role="admin"), first.reader("alice"), first.reader("bob")
    comment = first.comment(alice, CIVIL)
    assert report(second, bob, comment["id"]).status_code == 201
    assert len(second.thread()["comments"]) == 1  # one report of three: still shown
    patch_settings(first, admin, report_hide_threshold=1)
    carol = second.reader("carol")
    other = second.comment(alice, CIVIL + " Again.")
    assert report(second, carol, other["id"]).status_code == 201
    shown = [c["id"] for c in second.thread()["comments"]]
    assert other["id"] not in shown and comment["id"] in shown


def test_admins_first_setting_one_name_at_once_all_get_200_and_the_setting(make_app, api, admin):
    workers = [make_app().test_client() for _ in range(4)]
    statuses = run_together(*[partial(lambda client, n: client.patch(SETTINGS, json={"alert_queue_size": n + 1},
                                                                      headers=admin).status_code, client, n)
                              for n, client in enumerate(workers)])
    assert statuses == [200] * len(workers)
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"]["alert_queue_size"] in range(1, 5)
