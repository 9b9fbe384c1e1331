"""A change of address, confirmed by the link mailed to the new one: the API, the link's page, bad links."""
import pytest

from tests.factories import PageActions
from tests.test_settings_api import account_row, me

CONFIRM = "/api/v1/auth/email-change/confirm"
#: Shaped like a real link's token (43 urlsafe characters), but no link was ever made with it.
FORGED = "A" * 43


@pytest.mark.parametrize("body", [{"token": FORGED}, {"token": FORGED[:-1] + "\x00"}, {"token": "\ud800" * 43},
                                  {"token": "x" * 101}, {"token": ""}, {"token": None}, {"token": 42},
                                  {"token": [FORGED]}, {}])
def test_a_forged_or_malformed_token_is_400_and_changes_nothing(api, app, body):
    alice = api.reader("alice")
    api.client.patch("/api/v1/me", json={"email": "new@example.org"}, headers=alice)
    before = account_row(app)
    response = api.client.post(CONFIRM, json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_email_token"
    assert account_row(app) == before
    assert me(api, alice)["pending_email"] == "new@example.org"


@pytest.mark.parametrize("token", [FORGED, "not-a-token", "x" * 300])
def test_a_forged_link_shows_that_it_does_not_work(client, token):
    page = PageActions(client.application)
    response = page.client.get(f"/confirm-email-change/{token}")
    assert response.status_code == 400
    assert "This confirmation link does not work" in response.get_data(as_text=True)
    assert "Confirm this address" not in response.get_data(as_text=True)
    response = page.submit(f"/confirm-email-change/{token}", {})
    assert response.status_code == 400
    assert "This confirmation link does not work" in response.get_data(as_text=True)
