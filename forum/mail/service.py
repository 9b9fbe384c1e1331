"""Build a mail from its templates and write it to the outbox in the caller's transaction.

The standard library's ``email`` builds the message: it is the maintained implementation of the
mail RFCs that ``smtplib`` sends, with MIME parts, header encoding and line folding done right,
so no third-party mail library is needed.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from flask import current_app, has_request_context, render_template
from sqlalchemy import or_, select

from forum.extensions import db
from forum.mail.unsubscribe import KIND_LABELS, unsubscribe_url
from forum.models import User, utcnow
from forum.outbox.models import OutboxItem, OutboxStatus
from forum.outbox.service import enqueue

KIND = "mail"
#: Bodies and headers in 7-bit ASCII (quoted-printable, RFC 2047): any SMTP server takes them.
POLICY = policy.default.clone(cte_type="7bit")


@contextmanager
def links() -> Iterator[None]:
    """Let ``url_for(..., _external=True)`` build a mail's links: the request's own, or, for mail
    queued outside a request (a CLI command), ``PUBLIC_URL``'s."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        yield


def _sender_domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def build_message(mail: dict) -> EmailMessage:
    """Return the plain-text and HTML message of a queued ``mail`` (``render_mail``'s parts), with
    RFC 8058 one-click headers when it has an unsubscribe link. Built when it is sent, so the
    request that queued it does not pay for MIME encoding."""
    message = EmailMessage(policy=POLICY)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail["to"]
    message["Subject"] = mail["subject"]
    message["Date"] = mail["date"]
    message["Message-ID"] = mail["message_id"]
    if mail["unsubscribe"] is not None:
        message["List-Unsubscribe"] = f"<{mail['unsubscribe']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail["text"])
    message.add_alternative(mail["html"], subtype="html")
    return message


def render_mail(to: str, subject: str, template: str, context: dict, *, unsubscribe: str | None = None,
                user: User | None = None) -> dict:
    """Render ``mail/{template}.txt`` and ``.html`` with ``context``: the parts of a mail to ``to``.

    Its date and Message-ID are fixed here, so that every attempt to deliver it sends the same
    message (a receiver can tell a retry from a second mail).

    :param unsubscribe: the kind of notification (``reply``, ``decision``, ``followed``) that
        ``user`` can turn off from the mail's link and headers.
    """
    link = None
    if unsubscribe is not None:
        if user is None:
            raise ValueError("a mail with an unsubscribe link needs the user it unsubscribes")
        link = unsubscribe_url(user, unsubscribe)
    values = {**context, "subject": subject, "unsubscribe_url": link,
              "unsubscribe_label": KIND_LABELS.get(unsubscribe)}
    return {"to": to, "subject": subject, "unsubscribe": link,
            "date": format_datetime(datetime.now(UTC)),
            "message_id": make_msgid(domain=_sender_domain(current_app.config["MAIL_FROM"])),
            "text": render_template(f"mail/{template}.txt", **values),
            "html": render_template(f"mail/{template}.html", **values)}


def queue_mail(to: str, subject: str, template: str, context: dict, *, unsubscribe: str | None = None,
               user: User | None = None) -> None:
    """Render a mail now (inside the request, where absolute links can be built) and queue it.

    It is written to the outbox in the current transaction and never commits: the mail goes out
    if and only if the caller's change does. See ``render_mail`` for the arguments.
    """
    enqueue(KIND, render_mail(to, subject, template, context, unsubscribe=unsubscribe, user=user))


def withdraw_mail_to(address: str) -> int:
    """Drop the mail still waiting in the outbox for ``address`` (a deleted account's), in the
    current transaction; a mail a worker is sending right now goes out. Return how many."""
    waiting = db.session.scalars(select(OutboxItem).where(
        OutboxItem.kind == KIND, OutboxItem.status == OutboxStatus.PENDING,
        or_(OutboxItem.locked_until.is_(None), OutboxItem.locked_until < utcnow())))
    dropped = [item for item in waiting if item.payload.get("to") == address]
    for item in dropped:
        db.session.delete(item)
    return len(dropped)
