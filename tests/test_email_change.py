"""A change of address, confirmed by the link mailed to the new one: the API, the link's page, bad links."""
import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import AccountToken, User, utcnow
from tests.factories import ApiActions, PageActions, run_together
from tests.mail_server import body
from tests.test_settings_api import ME, account_row, me
from tests.test_webhooks import drain

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


# With the mail: the link is read from what the SMTP server received. -----------------------------

CONFIRMATION, NOTICE = "Confirm your new email address", "Your email address is about to change"
LINK_RE = re.compile(r"(https?://\S+/confirm-email-change/([A-Za-z0-9_-]+))")


@pytest.fixture
def mailed(mail_app, mail_server):
    """Alice on an app that mails to a real SMTP server; ``ask(email)`` asks to move and returns the link."""
    api = ApiActions(mail_app)
    alice = api.reader("alice")

    def ask(email, headers=alice):
        before = len(mail_server.messages)
        response = api.client.patch(ME, json={"email": email}, headers=headers)
        assert response.status_code == 200, response.get_json()
        drain(mail_app)
        received = mail_server.wait_for(before + 2)[before:]
        [confirmation] = [m for m in received if m["To"] == email and m["Subject"] == CONFIRMATION]
        url, token = LINK_RE.search(body(confirmation)).groups()
        assert f'href="{url}"' in body(confirmation, "html")
        return url, token

    return SimpleNamespace(api=api, alice=alice, ask=ask, app=mail_app, server=mail_server)


def confirm(api, token):
    return api.client.post(CONFIRM, json={"token": token})


def test_the_new_address_gets_the_link_and_the_old_one_a_notice(mailed):
    url, token = mailed.ask("alice.new@example.org")
    [confirmation] = [m for m in mailed.server.to("alice.new@example.org") if m["Subject"] == CONFIRMATION]
    [notice] = [m for m in mailed.server.to("alice@example.org") if m["Subject"] == NOTICE]
    assert "24 hours" in body(confirmation)
    assert "alice.new@example.org" in body(notice) and "/settings" in body(notice)
    assert token not in body(notice) and token not in body(notice, "html")
    assert me(mailed.api, mailed.alice)["email"] == "alice@example.org"

    assert confirm(mailed.api, token).status_code == 204
    user = me(mailed.api, mailed.alice)
    assert user["email"] == "alice.new@example.org" and user["pending_email"] is None
    with mailed.app.app_context():
        stored = db.session.scalar(select(User).where(User.username == "alice"))
        assert stored.email_verified_at is not None


def test_a_link_works_once(mailed):
    _, token = mailed.ask("alice.new@example.org")
    assert confirm(mailed.api, token).status_code == 204
    response = confirm(mailed.api, token)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_email_token"


def test_an_expired_link_does_not_work(mailed):
    _, token = mailed.ask("alice.new@example.org")
    with mailed.app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = confirm(mailed.api, token)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_email_token"
    user = me(mailed.api, mailed.alice)
    assert user["email"] == "alice@example.org" and user["pending_email"] is None


def test_a_newer_request_replaces_the_older_link(mailed):
    _, first = mailed.ask("first@example.org")
    _, second = mailed.ask("second@example.org")
    assert confirm(mailed.api, first).status_code == 400
    assert confirm(mailed.api, second).status_code == 204
    assert me(mailed.api, mailed.alice)["email"] == "second@example.org"


def test_an_address_taken_while_the_link_waited_is_409_and_changes_nothing(mailed):
    _, token = mailed.ask("wanted@example.org")
    assert mailed.api.register("bob", email="wanted@example.org").status_code == 201
    response = confirm(mailed.api, token)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "email_taken"
    assert me(mailed.api, mailed.alice)["email"] == "alice@example.org"


def test_two_accounts_waiting_for_one_address_get_it_once(mailed):
    bob = mailed.api.reader("bob")
    _, alices = mailed.ask("wanted@example.org")
    _, bobs = mailed.ask("wanted@example.org", headers=bob)
    assert confirm(mailed.api, bobs).status_code == 204
    assert confirm(mailed.api, alices).status_code == 409
    assert me(mailed.api, bob)["email"] == "wanted@example.org"
    assert me(mailed.api, mailed.alice)["email"] == "alice@example.org"


def test_the_links_page_changes_nothing_until_its_button_is_pressed(mailed):
    url, token = mailed.ask("alice.new@example.org")
    browser = PageActions(mailed.app)
    path = urlsplit(url).path
    for _ in range(2):  # a mail scanner, then the reader
        response = browser.client.get(path)
        assert response.status_code == 200
        assert "alice.new@example.org" in response.get_data(as_text=True)
    assert me(mailed.api, mailed.alice)["email"] == "alice@example.org"

    assert browser.client.post(path, data={}).status_code == 400  # the button's form carries a CSRF token
    assert me(mailed.api, mailed.alice)["email"] == "alice@example.org"

    response = browser.submit(path, {}, page=path)
    assert response.status_code == 302
    assert "Your email address is now alice.new@example.org." in browser.client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert me(mailed.api, mailed.alice)["email"] == "alice.new@example.org"
    assert browser.client.get(path).status_code == 400  # used


def test_the_settings_form_mails_the_link_too(mailed):
    browser = PageActions(mailed.app)
    browser.login("alice")
    response = browser.submit("/settings/details", {"display_name": "alice", "email": "form@example.org"},
                              page="/settings")
    assert response.status_code == 302
    drain(mailed.app)
    [confirmation] = [m for m in mailed.server.wait_for(2) if m["To"] == "form@example.org"
                      and m["Subject"] == CONFIRMATION]
    _, token = LINK_RE.search(body(confirmation)).groups()
    assert confirm(mailed.api, token).status_code == 204
    assert "form@example.org" in browser.client.get("/settings").get_data(as_text=True)


def test_a_refused_change_mails_nobody(mailed):
    mailed.api.register("bob")
    response = mailed.api.client.patch(ME, json={"email": "bob@example.org", "display_name": "A"}, headers=mailed.alice)
    assert response.status_code == 409
    response = mailed.api.client.patch(ME, json={"email": "x@example.org", "display_name": "\x00"},
                                       headers=mailed.alice)
    assert response.status_code == 422
    drain(mailed.app)
    assert [m for m in mailed.server.messages if m["Subject"] in (CONFIRMATION, NOTICE)] == []


def test_one_link_opened_twice_at_once_confirms_once(mailed):
    _, token = mailed.ask("alice.new@example.org")
    clients = [mailed.app.test_client() for _ in range(4)]
    statuses = run_together(*(lambda c=c: c.post(CONFIRM, json={"token": token}).status_code for c in clients))
    assert sorted(statuses) == [204, 400, 400, 400]
    assert me(mailed.api, mailed.alice)["email"] == "alice.new@example.org"
