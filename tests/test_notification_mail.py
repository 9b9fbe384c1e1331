"""Notification mail: replies and decisions mailed through the outbox, and one-click unsubscribe."""
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import User, utcnow
from tests.factories import ANSWER, OPENING
from tests.mail_server import body
from tests.moderation_actions import decide, held, premod_article
from tests.test_webhooks import drain


@pytest.fixture
def app(mail_app):
    """Every app of this module mails the test's SMTP server."""
    return mail_app


@pytest.fixture
def readers(readers, app, mail_server):
    """Alice and Bob, with the confirmation mail of their registration sent and forgotten."""
    drain(app)
    mail_server.clear()
    return readers


def _mails(app, server, subject_part: str = "") -> list:
    drain(app)
    return [m for m in list(server.messages) if subject_part in m["Subject"]]


def _preferences(app, username):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return user.mail_reply, user.mail_decision


def _unsubscribe_path(message) -> str:
    return urlsplit(message["List-Unsubscribe"].strip("<>")).path


def test_a_published_reply_is_mailed_with_one_click_unsubscribe(app, api, readers, mail_server):
    alice, bob = readers
    opening = api.comment(alice, OPENING)
    api.comment(bob, ANSWER, parent_id=opening["id"])
    [mail] = _mails(app, mail_server)
    assert mail["To"] == "alice@example.org" and mail["Subject"] == "bob replied to your comment"
    assert ANSWER in body(mail) and ANSWER in body(mail, "html")
    link = mail["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://localhost/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in body(mail) and f'href="{link}"' in body(mail, "html")
    assert f"/comments/{opening['id'] + 1}#comment-" in body(mail)


def test_a_reader_is_not_mailed_about_their_own_reply(app, api, readers, mail_server):
    alice, _ = readers
    opening = api.comment(alice, OPENING)
    api.comment(alice, ANSWER, parent_id=opening["id"])
    assert _mails(app, mail_server) == []


def test_a_held_reply_is_mailed_only_once_approved(app, api, readers, mail_server):
    alice, bob = readers
    moderator = api.staff("mia")
    premod_article(api)
    opening = held(api, alice, OPENING)
    assert decide(api, moderator, opening["id"], "approve").status_code == 200
    reply = held(api, bob, ANSWER, parent_id=opening["id"])
    assert _mails(app, mail_server, "replied") == []
    assert decide(api, moderator, reply["id"], "approve").status_code == 200
    [mail] = _mails(app, mail_server, "replied")
    assert mail["To"] == "alice@example.org" and ANSWER in body(mail)


def test_a_rejected_reply_mails_the_parent_author_nothing(app, api, readers, mail_server):
    alice, bob = readers
    moderator = api.staff("mia")
    opening = api.comment(alice, OPENING)
    api.comment(bob, ANSWER, parent_id=opening["id"])  # published: the baseline, which does mail
    assert len(_mails(app, mail_server, "replied")) == 1
    premod_article(api)
    held_opening = held(api, alice, OPENING)
    assert decide(api, moderator, held_opening["id"], "approve").status_code == 200
    held_reply = held(api, bob, ANSWER, parent_id=held_opening["id"])
    assert decide(api, moderator, held_reply["id"], "reject", "off_topic").status_code == 200
    assert len(_mails(app, mail_server, "replied")) == 1


def test_a_decision_mail_carries_the_action_the_reason_and_the_guidelines(app, api, readers, mail_server):
    alice, _ = readers
    moderator = api.staff("mia")
    premod_article(api)
    rejected, approved = held(api, alice, OPENING), held(api, alice, ANSWER)
    assert decide(api, moderator, rejected["id"], "reject", "abusive").status_code == 200
    assert decide(api, moderator, approved["id"], "approve").status_code == 200
    rejection, approval = _mails(app, mail_server)
    assert rejection["Subject"] == "Your comment was rejected" and rejection["To"] == "alice@example.org"
    for text in (body(rejection), body(rejection, "html")):
        assert "Abusive or insulting" in text and "http://localhost/guidelines" in text and OPENING in text
    assert approval["Subject"] == "Your comment was approved" and "http://localhost/guidelines" in body(approval)
    assert approval["List-Unsubscribe"] and approval["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_escalation_mails_nobody(app, api, readers, mail_server):
    alice, _ = readers
    moderator = api.staff("mia")
    premod_article(api)
    comment = held(api, alice, OPENING)
    assert decide(api, moderator, comment["id"], "escalate").status_code == 200
    assert _mails(app, mail_server) == []


def test_one_click_turns_off_only_that_kind_without_a_login(app, api, readers, mail_server):
    alice, bob = readers
    moderator = api.staff("mia")
    opening = api.comment(alice, OPENING)
    api.comment(bob, ANSWER, parent_id=opening["id"])
    [mail] = _mails(app, mail_server)
    stranger = app.test_client()  # no session, no CSRF token: the mail client's POST
    answer = stranger.post(_unsubscribe_path(mail), data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and "unsubscribed" in answer.get_data(as_text=True)
    assert _preferences(app, "alice") == (False, True)
    # Doing it again is harmless.
    assert stranger.post(_unsubscribe_path(mail)).status_code == 200
    api.comment(bob, "Another reply about the bus routes and the parking fees.", parent_id=opening["id"])
    assert _mails(app, mail_server, "replied") == [mail]
    premod_article(api)
    comment = held(api, alice, "A third opinion on the council's bus plans and the new routes.")
    assert decide(api, moderator, comment["id"], "approve").status_code == 200
    assert len(_mails(app, mail_server, "approved")) == 1


def test_the_unsubscribe_page_asks_before_it_changes_anything(app, api, readers, mail_server):
    alice, bob = readers
    opening = api.comment(alice, OPENING)
    api.comment(bob, ANSWER, parent_id=opening["id"])
    [mail] = _mails(app, mail_server)
    page = app.test_client().get(_unsubscribe_path(mail))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "replies to your comments" in html and '<form method="post">' in html
    assert _preferences(app, "alice") == (True, True)


@pytest.mark.parametrize("token, status", [
    ("not-a-token", 400),
    # A well-formed token signed with another key.
    ("eyJ1c2VyIjoxLCJraW5kIjoicmVwbHkifQ.3ZB6mPRM1rUT-4pyk0uo7Vsv7gk", 400),
    ("x" * 201, 404),
])
def test_a_forged_or_damaged_unsubscribe_link_changes_nothing(app, api, readers, token, status):
    client = app.test_client()
    for method in (client.get, client.post):
        page = method(f"/unsubscribe/{token}")
        assert page.status_code == status and "<html" in page.get_data(as_text=True)
        answer = method(f"/unsubscribe/{token}", headers={"Accept": "application/json"})
        assert answer.status_code == status and set(answer.get_json()["error"]) >= {"code", "message"}
    assert _preferences(app, "alice") == (True, True)


@pytest.mark.parametrize("change", [{"mail_decision": False}, {"email": None}, {"deleted_at": utcnow()}])
def test_no_decision_mail_without_address_preference_or_account(app, api, readers, mail_server, change):
    alice, _ = readers
    moderator = api.staff("mia")
    premod_article(api)
    first, second = held(api, alice, OPENING), held(api, alice, ANSWER)
    assert decide(api, moderator, first["id"], "approve").status_code == 200
    assert len(_mails(app, mail_server, "approved")) == 1  # the baseline: this reader is mailed
    with app.app_context():
        db.session.execute(update(User).where(User.username == "alice").values(**change))
        db.session.commit()
    assert decide(api, moderator, second["id"], "approve").status_code == 200
    assert len(_mails(app, mail_server, "approved")) == 1


def test_mail_queued_outside_a_request_links_to_the_public_url(make_app, mail_server):
    # seed-demo posts a reply from the CLI: no request to take the scheme and host from.
    app = make_app(MAIL_URL=mail_server.url, PUBLIC_URL="https://comments.example.org")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    replies = _mails(app, mail_server, "replied to your comment")
    assert replies
    links = [line for line in body(replies[0]).split() if line.startswith("http")]
    assert links and all(link.startswith("https://comments.example.org/") for link in links), links
