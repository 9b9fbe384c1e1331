"""Mail through the outbox: built from templates, sent to a real SMTP server, retried while it is down."""
import logging

import pytest
from sqlalchemy import select, update

from forum import create_app
from forum.extensions import db
from forum.mail.service import queue_mail
from forum.mail.smtp import parse_mail_url
from forum.models import utcnow
from forum.outbox.models import OutboxItem, OutboxStatus
from tests.mail_server import body
from tests.test_webhooks import drain


def _queue(app, to="ann@example.org", *, commit=True):
    with app.test_request_context():
        queue_mail(to, "Your Parley link", "password_reset",
                   {"name": "Ann", "reset_url": "https://parley.example.org/password-reset/abc"})
        if commit:
            db.session.commit()
        else:
            db.session.rollback()


def test_a_queued_mail_reaches_the_smtp_server_with_both_parts(mail_app, mail_server):
    _queue(mail_app)
    assert mail_server.messages == []  # queued, not sent, until the worker runs
    drain(mail_app)
    [message] = mail_server.wait_for(1)
    assert message["To"] == "ann@example.org"
    assert message["From"] == mail_app.config["MAIL_FROM"]
    assert message["Subject"] == "Your Parley link"
    assert message["Date"] and message["Message-ID"].endswith("@localhost>")
    assert "https://parley.example.org/password-reset/abc" in body(message)
    assert 'href="https://parley.example.org/password-reset/abc"' in body(message, "html")
    # Account mail is not a list: nothing to unsubscribe from.
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None


def test_a_rolled_back_transaction_sends_nothing(mail_app, mail_server):
    _queue(mail_app, commit=False)
    drain(mail_app)
    with mail_app.app_context():
        assert db.session.scalars(select(OutboxItem)).all() == []
    assert mail_server.messages == []


def _retry_now(app) -> None:
    """Bring every pending item's next attempt to now, as time passing would."""
    with app.app_context():
        db.session.execute(update(OutboxItem).where(OutboxItem.status == OutboxStatus.PENDING)
                           .values(next_attempt_at=utcnow()))
        db.session.commit()


def test_a_server_that_is_down_delays_mail_and_loses_none(mail_app, mail_server):
    app = mail_app
    mail_server.stop()
    _queue(app, "ann@example.org")
    _queue(app, "bob@example.org")
    drain(app)  # each is tried once, then waits for its retry
    with app.app_context():
        items = db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)).all()
        assert [(i.status, i.attempts) for i in items] == [(OutboxStatus.PENDING, 1)] * 2
        assert "ConnectionRefusedError" in items[0].last_error
    _retry_now(app)
    drain(app)  # still down: tried again, still waiting
    mail_server.start()
    _retry_now(app)
    drain(app)
    assert sorted(m["To"] for m in mail_server.wait_for(2)) == ["ann@example.org", "bob@example.org"]
    with app.app_context():
        assert {(i.status, i.attempts) for i in db.session.scalars(select(OutboxItem))} == {(OutboxStatus.DONE, 3)}


def test_a_refusing_server_is_tried_again(mail_app, mail_server):
    app = mail_app
    mail_server.script = ["451 4.3.0 Try again later"]
    _queue(app)
    drain(app)
    assert mail_server.messages == []
    _retry_now(app)
    drain(app)
    with app.app_context():
        item = db.session.scalars(select(OutboxItem)).one()
        assert item.status == OutboxStatus.DONE and item.attempts == 2
    assert len(mail_server.wait_for(1)) == 1


def _outcomes(app) -> dict:
    """Return each outbox item's status, attempts and last error, by the address it mails."""
    with app.app_context():
        return {item.payload["to"]: (item.status, item.attempts, item.last_error)
                for item in db.session.scalars(select(OutboxItem))}


def test_a_permanent_refusal_fails_the_mail_at_once_and_a_temporary_one_is_retried(mail_app, mail_server):
    app = mail_app
    mail_server.recipient_answers = {"gone@example.org": "550 5.1.1 No such mailbox",
                                     "full@example.org": "451 4.2.2 Mailbox full, try later"}
    _queue(app, "gone@example.org")
    _queue(app, "full@example.org")
    drain(app)
    outcomes = _outcomes(app)
    status, attempts, error = outcomes["gone@example.org"]
    assert (status, attempts) == (OutboxStatus.FAILED, 1) and "550" in error and "No such mailbox" in error
    status, attempts, error = outcomes["full@example.org"]
    assert (status, attempts) == (OutboxStatus.PENDING, 1) and "451" in error
    mail_server.recipient_answers.pop("full@example.org")
    _retry_now(app)
    drain(app)
    assert [m["To"] for m in mail_server.wait_for(1)] == ["full@example.org"]
    outcomes = _outcomes(app)
    assert outcomes["full@example.org"][:2] == (OutboxStatus.DONE, 2)
    assert outcomes["gone@example.org"][:2] == (OutboxStatus.FAILED, 1)  # never tried again


@pytest.mark.parametrize("answer, status", [("554 5.6.0 Message refused as spam", OutboxStatus.FAILED),
                                            ("452 4.3.1 Out of storage, try later", OutboxStatus.PENDING)])
def test_the_servers_answer_to_the_content_says_whether_to_retry(mail_app, mail_server, answer, status):
    mail_server.script = [answer]
    _queue(mail_app)
    drain(mail_app)
    assert _outcomes(mail_app)["ann@example.org"][:2] == (status, 1)
    assert mail_server.messages == []


def test_without_mail_url_the_mail_is_logged(make_app, caplog):
    app = make_app(MAIL_URL=None)
    _queue(app)
    with caplog.at_level(logging.INFO, logger="forum.mail.smtp"):
        drain(app)
    assert "ann@example.org" in caplog.text and "password-reset/abc" in caplog.text
    with app.app_context():
        assert db.session.scalars(select(OutboxItem)).one().status == OutboxStatus.DONE


@pytest.mark.parametrize("url, problem", [
    ("http://mail.example.org", "must start with smtp:// or smtps://"),
    ("smtp://", "names no host"),
    ("smtp://mail.example.org:99999", "is not a URL"),
    ("smtp://user:secret@mail.example.org/path", "takes no path"),
])
def test_a_bad_mail_url_refuses_to_start(tmp_path, url, problem):
    with pytest.raises(ValueError, match=problem) as refused:
        create_app({"TESTING": True, "SECRET_KEY": "x", "MAIL_URL": url,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert "secret" not in str(refused.value)


def test_the_mail_url_credentials_are_url_decoded():
    server = parse_mail_url("smtps://news%40example.org:p%3Ass%2Fword@mail.example.org")
    assert (server.scheme, server.host, server.port) == ("smtps", "mail.example.org", 465)
    assert (server.username, server.password) == ("news@example.org", "p:ss/word")
    assert parse_mail_url("smtp://mail.example.org").port == 25


def test_non_ascii_names_and_text_arrive_intact(mail_app, mail_server):
    with mail_app.test_request_context():
        queue_mail("zoe@example.org", "Zoë Ångström replied to your comment", "reply", {
            "name": "Zoë", "author": "Zoë Ångström", "article": "Café «Budget» — 2027",
            "quote": "Ça coûte 12 millions € ✓", "comment_url": "http://localhost/comments/1"})
        db.session.commit()
    drain(mail_app)
    [message] = mail_server.wait_for(1)
    assert message["Subject"] == "Zoë Ångström replied to your comment"
    assert "Ça coûte 12 millions € ✓" in body(message) and "Café «Budget» — 2027" in body(message, "html")


def test_the_html_part_escapes_what_readers_wrote(mail_app, mail_server):
    with mail_app.test_request_context():
        queue_mail("ann@example.org", "bob replied to your comment", "reply", {
            "name": "Ann", "author": "bob", "article": "Budget", "quote": "<script>alert(1)</script> & more",
            "comment_url": "http://localhost/comments/1"})
        db.session.commit()
    drain(mail_app)
    [message] = mail_server.wait_for(1)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in body(message, "html")
    assert "<script>alert(1)</script> & more" in body(message)  # the text part is text
