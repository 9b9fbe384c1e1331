"""Confirming a reader's address: the mailed link, the API and pages, and the requirement to confirm before
commenting (the desk's setting require_verified_email, or the config REQUIRE_VERIFIED_EMAIL)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forum import create_app
from forum.extensions import db
from forum.models import AccountToken, User, utcnow
from tests.factories import OPENING, ApiActions, PageActions, bearer
from tests.mail_server import body
from tests.reader_actions import SETTINGS, patch_settings
from tests.test_sso import SECRET, mint
from tests.test_webhooks import drain

CONFIRM = "/api/v1/auth/email/confirm"
RESEND = "/api/v1/me/email/verification"
LINK_RE = re.compile(r"http://localhost/confirm-email/([A-Za-z0-9_-]+)")


@pytest.fixture
def app(mail_app):
    return mail_app


def _link(app, server, address="alice@example.org") -> str:
    drain(app)
    mails = [m for m in server.to(address) if m["Subject"] == "Confirm your address for Parley"]
    assert mails, f"no confirmation mail to {address}"
    return LINK_RE.search(body(mails[-1])).group(1)


def _verified(app, username="alice") -> bool:
    with app.app_context():
        return db.session.scalar(select(User.email_verified_at).where(User.username == username)) is not None


def _me(api, headers) -> dict:
    return api.client.get("/api/v1/me", headers=headers).get_json()["user"]


def test_registering_mails_a_link_that_confirms_the_address(app, api, mail_server):
    alice = api.reader("alice")
    assert _me(api, alice)["email_verified"] is False
    token = _link(app, mail_server)
    [mail] = mail_server.messages
    assert mail["List-Unsubscribe"] is None and f'href="http://localhost/confirm-email/{token}"' in body(mail, "html")
    assert api.client.post(CONFIRM, json={"token": token}).status_code == 204
    assert _me(api, alice)["email_verified"] is True
    again = api.client.post(CONFIRM, json={"token": token})
    assert again.status_code == 400 and again.get_json()["error"]["code"] == "invalid_email_token"
    assert api.client.post(RESEND, headers=alice).status_code == 409


def test_a_new_link_can_be_asked_for(app, api, mail_server):
    alice = api.reader("alice")
    first = _link(app, mail_server)
    assert api.client.post(RESEND, headers=alice).status_code == 204
    second = _link(app, mail_server)
    assert first != second and len(mail_server.messages) == 2
    assert api.client.post(RESEND).status_code == 401
    assert api.client.post(CONFIRM, json={"token": second}).status_code == 204
    assert _verified(app)


@pytest.mark.parametrize("token", ["", "forged-" + "b" * 36, "x" * 3000, 17, None, "\ud800"])
def test_a_forged_or_malformed_link_is_a_400_and_confirms_nothing(app, api, mail_server, token):
    api.reader("alice")
    answer = api.client.post(CONFIRM, json={"token": token})
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "invalid_email_token"
    assert not _verified(app)


def test_an_expired_link_confirms_nothing(app, api, mail_server):
    api.reader("alice")
    token = _link(app, mail_server)
    with app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert api.client.post(CONFIRM, json={"token": token}).status_code == 400
    assert api.client.get(f"/confirm-email/{token}").status_code == 400
    assert not _verified(app)


def test_a_link_for_an_address_the_account_no_longer_has_confirms_nothing(app, api, mail_server):
    api.reader("alice")
    token = _link(app, mail_server)
    with app.app_context():
        db.session.execute(update(User).values(email="alice@elsewhere.example.org"))
        db.session.commit()
    assert api.client.post(CONFIRM, json={"token": token}).status_code == 400
    assert not _verified(app)


def test_the_pages_confirm_after_a_button(app, mail_server):
    pages = PageActions(app)
    registered = pages.submit("/register", {"username": "alice", "email": "alice@example.org",
                                            "password": "correct-horse-battery"}, page="/register")
    assert registered.status_code == 302
    token = _link(app, mail_server)
    path = f"/confirm-email/{token}"
    page = pages.client.get(path)
    assert page.status_code == 200 and "Confirm my address" in page.get_data(as_text=True)
    assert not _verified(app)  # looking at the link (as a mail scanner does) confirms nothing
    done = pages.submit(path, {}, page=path)
    assert done.status_code == 200 and "Your address is confirmed" in done.get_data(as_text=True)
    assert _verified(app)
    assert "is confirmed already" in pages.client.get("/confirm-email").get_data(as_text=True)


def test_the_page_mails_a_new_link(app, api, mail_server):
    api.reader("alice")
    pages = PageActions(app)
    pages.login("alice")
    sent = pages.submit("/confirm-email", {}, page="/confirm-email")
    assert sent.status_code == 200 and "A new link is on its way" in sent.get_data(as_text=True)
    drain(app)
    assert len(mail_server.to("alice@example.org")) == 2


def test_an_sso_account_is_confirmed_by_the_newsroom(make_app, mail_server):
    app = make_app(MAIL_URL=mail_server.url, SSO_SECRET=SECRET)
    answer = app.test_client().post("/api/v1/auth/sso", json={"token": mint()})
    assert answer.status_code == 200 and answer.get_json()["user"]["email_verified"] is True
    drain(app)
    assert mail_server.messages == []


def test_required_confirmation_stops_only_unconfirmed_local_accounts(make_app, mail_server):
    app = make_app(MAIL_URL=mail_server.url, REQUIRE_VERIFIED_EMAIL=True, SSO_SECRET=SECRET)
    api = ApiActions(app)
    api.article()
    alice = api.reader("alice")
    refused = api.post(alice, OPENING)
    assert refused.status_code == 403
    error = refused.get_json()["error"]
    assert error["code"] == "email_unverified" and "/confirm-email" in error["message"]
    assert api.thread()["comments"] == []
    assert api.client.post(CONFIRM, json={"token": _link(app, mail_server)}).status_code == 204
    assert api.post(alice, OPENING).status_code == 201
    jane = bearer(api.client.post("/api/v1/auth/sso", json={"token": mint()}).get_json()["token"])
    assert api.post(jane, "The newsroom's reader has a say on the bus money too.").status_code == 201


def test_admins_require_confirmation_at_run_time(app, api, mail_server):
    api.article()
    admin, alice, bob = api.staff("root", role="admin"), api.reader("alice"), api.reader("bob")
    assert patch_settings(api, admin, require_verified_email=True)["require_verified_email"] is True
    refused = api.post(alice, OPENING)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "email_unverified"
    assert api.thread()["comments"] == []
    assert api.client.post(CONFIRM, json={"token": _link(app, mail_server)}).status_code == 204
    opening = api.comment(alice, OPENING)
    reply = api.post(bob, "The shops will be fine.", parent_id=opening["id"])
    assert reply.status_code == 403 and reply.get_json()["error"]["code"] == "email_unverified"
    assert patch_settings(api, admin, require_verified_email=False)["require_verified_email"] is False
    assert api.post(bob, "The shops will be fine.", parent_id=opening["id"]).status_code == 201


def test_sso_accounts_may_comment_while_the_desk_requires_confirmation(make_app, mail_server):
    api = ApiActions(make_app(MAIL_URL=mail_server.url, SSO_SECRET=SECRET))
    api.article()
    patch_settings(api, api.staff("root", role="admin"), require_verified_email=True)
    jane = bearer(api.client.post("/api/v1/auth/sso", json={"token": mint()}).get_json()["token"])
    assert api.post(jane, OPENING).status_code == 201


@pytest.mark.parametrize("role", ["reader", "moderator"])
def test_only_admins_change_the_requirement(app, api, mail_server, role):
    admin = api.staff("root", role="admin")
    caller = api.reader("alice") if role == "reader" else api.staff("mod")
    answer = api.client.patch(SETTINGS, json={"require_verified_email": True}, headers=caller)
    assert answer.status_code == 403
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"]["require_verified_email"] is False


def test_the_thread_page_tells_an_unconfirmed_reader_how_to_confirm(app, api, mail_server):
    api.article()
    patch_settings(api, api.staff("root", role="admin"), require_verified_email=True)
    api.reader("alice")
    pages = PageActions(app)
    pages.login("alice")
    thread = "/articles/council-budget"
    page = pages.client.get(thread).get_data(as_text=True)
    assert 'href="/confirm-email"' in page and "alice@example.org" in page and "<textarea" not in page
    refused = pages.submit(f"{thread}/comments", {"body": OPENING, "nudge": "check"}, page=thread)
    assert refused.status_code == 403 and api.thread()["comments"] == []
    assert api.client.post(CONFIRM, json={"token": _link(app, mail_server)}).status_code == 204
    assert "<textarea" in pages.client.get(thread).get_data(as_text=True)
    assert pages.submit(f"{thread}/comments", {"body": OPENING, "nudge": "check"}, page=thread).status_code == 302


def test_by_default_unconfirmed_readers_may_comment(app, api, mail_server):
    api.article()
    assert api.post(api.reader("alice"), OPENING).status_code == 201


@pytest.mark.parametrize("value, expected", [("true", True), ("yes", True), ("1", True), ("false", False),
                                             ("no", False), ("0", False)])
def test_the_setting_is_read_from_the_environment(monkeypatch, tmp_path, value, expected):
    monkeypatch.setenv("FLASK_REQUIRE_VERIFIED_EMAIL", value)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["REQUIRE_VERIFIED_EMAIL"] is expected


def test_new_links_are_limited_per_client(make_app, mail_server):
    app = make_app(MAIL_URL=mail_server.url, RATELIMIT_ENABLED=True, RATELIMIT_ACCOUNT_MAIL="2 per hour")
    api = ApiActions(app)
    alice = api.reader("alice")
    assert [api.client.post(RESEND, headers=alice).status_code for _ in range(3)] == [204, 204, 429]
    drain(app)
    assert len(mail_server.to("alice@example.org")) == 3  # the registration's link and two more
