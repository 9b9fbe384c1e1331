"""Password reset by mail, through HTTP and a real SMTP server: the API, the pages, and bad tokens."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import AccountToken, AccountTokenPurpose, User, utcnow
from tests.factories import PASSWORD, PageActions
from tests.mail_server import body
from tests.test_sso import SECRET, mint
from tests.test_webhooks import drain

RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
NEW_PASSWORD = "a-brand-new-passphrase"
LINK_RE = re.compile(r"http://localhost/password-reset/([A-Za-z0-9_-]+)")


@pytest.fixture
def app(mail_app):
    return mail_app


@pytest.fixture
def readers(readers, app, mail_server):
    """Alice and Bob, with the confirmation mail of their registration sent and forgotten."""
    drain(app)
    mail_server.clear()
    return readers


def _reset_link(app, server, address="alice@example.org") -> str:
    """Ask for a reset of ``address`` and return the token of the link the mail brought."""
    answer = app.test_client().post(RESET, json={"email": address})
    assert answer.status_code == 202, answer.get_json()
    drain(app)
    mails = server.to(address)
    assert mails, f"no mail to {address}"
    return LINK_RE.search(body(mails[-1])).group(1)


def _password_hash(app, username="alice") -> str:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.username == username))


def test_a_reset_sets_the_new_password_and_ends_every_sign_in(app, api, readers, mail_server):
    alice, _ = readers
    pages = PageActions(app)
    pages.login("alice")
    token = _reset_link(app, mail_server)
    [mail] = mail_server.messages
    assert mail["Subject"] == "Set a new Parley password" and mail["List-Unsubscribe"] is None
    assert f'href="http://localhost/password-reset/{token}"' in body(mail, "html")
    assert api.client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD}).status_code == 204
    assert api.client.get("/api/v1/me", headers=alice).status_code == 401  # the old bearer token
    assert pages.client.get("/api/v1/me").status_code == 401  # the old page session
    assert api.client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD}).status_code == 401
    assert api.login("alice", NEW_PASSWORD)
    # Used once: the same link again changes nothing.
    before = _password_hash(app)
    again = api.client.post(CONFIRM, json={"token": token, "password": "yet-another-passphrase"})
    assert again.status_code == 400 and again.get_json()["error"]["code"] == "invalid_reset_token"
    assert _password_hash(app) == before


def test_an_older_link_stays_valid_until_one_is_used(app, api, readers, mail_server):
    first = _reset_link(app, mail_server)
    second = _reset_link(app, mail_server)
    assert first != second
    assert api.client.post(CONFIRM, json={"token": first, "password": NEW_PASSWORD}).status_code == 204
    answer = api.client.post(CONFIRM, json={"token": second, "password": "yet-another-passphrase"})
    assert answer.status_code == 400
    assert api.login("alice", NEW_PASSWORD)


def test_only_the_digest_of_the_token_is_stored(app, api, readers, mail_server):
    token = _reset_link(app, mail_server)
    with app.app_context():
        row = db.session.scalars(select(AccountToken).where(
            AccountToken.purpose == AccountTokenPurpose.PASSWORD_RESET)).one()
        assert row.token_hash != token and len(row.token_hash) == 64 and row.email == "alice@example.org"
        assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(hours=1)


def test_an_expired_link_is_refused_and_changes_nothing(app, api, readers, mail_server):
    token = _reset_link(app, mail_server)
    with app.app_context():
        db.session.execute(update(AccountToken).where(AccountToken.purpose == AccountTokenPurpose.PASSWORD_RESET)
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    before = _password_hash(app)
    answer = api.client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "invalid_reset_token"
    assert _password_hash(app) == before
    assert api.client.get(f"/password-reset/{token}").status_code == 400


@pytest.mark.parametrize("token", ["", "forged-" + "a" * 36, "x" * 5000, 42, None, ["a"], "a\u0000b", "\ud800"])
def test_a_forged_or_malformed_token_is_a_400(app, api, readers, token):
    before = _password_hash(app)
    answer = api.client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["error"]["code"] == "invalid_reset_token" and answer.get_json()["error"]["message"]
    assert _password_hash(app) == before


def test_a_weak_password_is_refused_and_the_link_still_works(app, api, readers, mail_server):
    token = _reset_link(app, mail_server)
    for weak in ("short", "password123", "alice-is-my-name"):
        answer = api.client.post(CONFIRM, json={"token": token, "password": weak})
        assert answer.status_code == 422 and answer.get_json()["error"]["field"] == "password", weak
    assert api.login("alice")
    assert api.client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD}).status_code == 204


def test_an_unknown_address_answers_the_same_and_mails_nothing(app, api, readers, mail_server):
    known = api.client.post(RESET, json={"email": "alice@example.org"})
    unknown = api.client.post(RESET, json={"email": "nobody@example.org"})
    assert (known.status_code, known.get_json()) == (unknown.status_code, unknown.get_json())
    assert unknown.status_code == 202
    drain(app)
    assert [m["To"] for m in mail_server.messages] == ["alice@example.org"]


def test_an_sso_account_gets_no_reset_mail(make_app, mail_server):
    app = make_app(MAIL_URL=mail_server.url, SSO_SECRET=SECRET)
    assert app.test_client().post("/api/v1/auth/sso", json={"token": mint()}).status_code == 200
    assert app.test_client().post(RESET, json={"email": "jane@news.example.org"}).status_code == 202
    drain(app)
    assert mail_server.messages == []


@pytest.mark.parametrize("payload", [{}, {"email": "not-an-address"}, {"email": 7}])
def test_a_bad_reset_request_is_a_422(app, api, payload, mail_server):
    answer = api.client.post(RESET, json=payload)
    assert answer.status_code == 422 and set(answer.get_json()["error"]) >= {"code", "message"}
    drain(app)
    assert mail_server.messages == []


def test_reset_requests_are_limited_per_address(make_app, mail_server):
    app = make_app(MAIL_URL=mail_server.url, RATELIMIT_ENABLED=True, RATELIMIT_ACCOUNT_MAIL_ADDRESS="2 per hour")
    statuses = [app.test_client().post(RESET, json={"email": "alice@example.org"},
                                       environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code for i in range(3)]
    assert statuses == [202, 202, 429]
    other = app.test_client().post(RESET, json={"email": "bob@example.org"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 202


def test_the_pages_reset_a_password(app, api, readers, mail_server):
    pages = PageActions(app)
    login = pages.client.get("/login").get_data(as_text=True)
    assert 'href="/password-reset"' in login
    sent = pages.submit("/password-reset", {"email": "alice@example.org"}, page="/password-reset")
    assert sent.status_code == 200 and "a link to set a new password is on its way" in sent.get_data(as_text=True)
    drain(app)
    token = LINK_RE.search(body(mail_server.to("alice@example.org")[0])).group(1)
    path = f"/password-reset/{token}"
    differ = pages.submit(path, {"password": NEW_PASSWORD, "password_again": "something-else"}, page=path)
    assert differ.status_code == 422 and "The two passwords differ" in differ.get_data(as_text=True)
    done = pages.submit(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}, page=path,
                        follow_redirects=True)
    assert done.status_code == 200 and "Your new password is set" in done.get_data(as_text=True)
    assert done.request.path == "/login"
    pages.login("alice", NEW_PASSWORD)
    assert pages.client.get(path).status_code == 400
