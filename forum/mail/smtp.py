"""Send one queued mail with ``smtplib`` to the server ``MAIL_URL`` names.

``smtp://user:pass@host:port`` speaks SMTP and upgrades with STARTTLS when the server offers it;
``smtps://`` uses TLS from the first byte. A connection error or a temporary (4xx) answer is a failed
attempt that the outbox retries, so a mail server that is down delays mail and loses none. A
permanent (5xx) refusal of the mail itself (its sender, its recipient, its content) fails it at once.
"""
import logging
import smtplib
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

from flask import current_app

from forum.mail.service import build_message
from forum.outbox.service import DeliveryFailed, DeliveryRefused

log = logging.getLogger(__name__)
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
ERROR_MAX_LENGTH = 500


@dataclass(frozen=True)
class MailServer:
    """Where MAIL_URL sends mail, and the credentials to log in with (None: no login)."""

    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


def parse_mail_url(url: str) -> MailServer:
    """Return the server ``url`` names, with its credentials URL-decoded.

    :raise ValueError: not ``smtp://`` or ``smtps://``, no host, a bad port, or a path or query
        (the message never repeats the password).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError("MAIL_URL is not a URL such as smtp://user:password@mail.example.org:587") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError(f"MAIL_URL must start with smtp:// or smtps://, not {parts.scheme or 'nothing'}://")
    if not parts.hostname:
        raise ValueError("MAIL_URL names no host: write smtp://user:password@mail.example.org:587")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("MAIL_URL takes no path, query or fragment: smtp://user:password@host:port")
    return MailServer(scheme=parts.scheme, host=parts.hostname, port=port or DEFAULT_PORTS[parts.scheme],
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None)


@contextmanager
def _connection(server: MailServer, timeout: float):
    """Yield an SMTP connection to ``server``, over TLS when it can, logged in when it has credentials."""
    # A context only when TLS is spoken: loading the system's CA certificates costs tens of milliseconds.
    if server.scheme == "smtps":
        connection = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=timeout)
    with connection:
        if server.scheme == "smtp":
            connection.ehlo()
            if connection.has_extn("starttls"):
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
        if server.username:
            connection.login(server.username, server.password or "")
        yield connection


def is_refused_for_good(error: OSError) -> bool:
    """Return whether the server refused this mail with a permanent (5xx) answer to its sender, its
    recipients (every one of them) or its content.

    A 5xx while connecting or logging in (a wrong password, say) is the deployment's to fix, not the
    mail's fault: such mail is retried, and goes once the configuration is right.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) and 500 <= error.smtp_code <= 599


def send(payload: dict, attempt: int) -> None:
    """Send one mail (the outbox's handler for kind ``mail``); with no MAIL_URL, write it to the log.

    :raise DeliveryRefused: the server refused it for good (``is_refused_for_good``).
    :raise DeliveryFailed: the server refused it for now, or could not be reached in time.
    """
    message = build_message(payload).as_string()
    url = current_app.config.get("MAIL_URL")
    if not url:
        log.info("MAIL_URL is unset, so this mail to %s was logged, not sent:\n%s", payload["to"], message)
        return
    sender = parseaddr(current_app.config["MAIL_FROM"])[1]
    try:
        with _connection(parse_mail_url(url), float(current_app.config["MAIL_TIMEOUT"])) as connection:
            connection.sendmail(sender, [payload["to"]], message)
    except (smtplib.SMTPException, OSError) as error:  # OSError: refused, unreachable, timed out, TLS
        failure = DeliveryRefused if is_refused_for_good(error) else DeliveryFailed
        raise failure(f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]) from error
