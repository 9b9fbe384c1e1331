"""Helpers for the tests of the desk's settings, the rules on readers and moderators' notes."""
from tests.factories import ApiActions
from tests.screens import WordScreen

SETTINGS = "/api/v1/admin/settings"
CIVIL = "The bus money is welcome, but I would like to know how the parking fees were set."
LINKED = "Cheap parking passes for everyone at parking-deals.com, have a look."


def ruled(make_app, **config) -> ApiActions:
    """Return API actions on an app whose screen applies the desk's rules, with an article to comment on."""
    api = ApiActions(make_app(SCREEN=WordScreen(), **config))
    api.article()
    return api


def patch_settings(api: ApiActions, admin: dict, **values) -> dict:
    response = api.client.patch(SETTINGS, json=values, headers=admin)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["settings"]


def premoderation_path(username: str) -> str:
    return f"/api/v1/moderation/users/{username}/premoderation"


def notes_path(username: str) -> str:
    return f"/api/v1/moderation/users/{username}/notes"
