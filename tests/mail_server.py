"""A real SMTP server for mail tests: aiosmtpd on a loopback port, in its own thread.

It parses every message it receives with the standard library's ``email`` and keeps it; a test
can make it refuse the next messages (``script``), refuse the recipients it names (``recipient_answers``),
or go down and come back on the same port.
"""
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    """An SMTP server at ``url``; ``messages`` lists what it accepted, oldest first."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.received_at: list[float] = []
        #: SMTP answers to give the next messages instead of accepting them ("451 ..."): then 250.
        self.script: list[str] = []
        #: SMTP answers to RCPT TO for these addresses instead of accepting them ("550 ..."), while listed.
        self.recipient_answers: dict[str, str] = {}
        self._lock = threading.Lock()
        self.port = _free_port()
        self._controller = None
        self.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen (again) on the server's port."""
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening (if it listens): senders meet a refused connection until ``start()``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802  (aiosmtpd's name)
        answer = self.recipient_answers.get(address)
        if answer is not None:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        with self._lock:
            if self.script:
                return self.script.pop(0)
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self.received_at.append(time.monotonic())
        return "250 Message accepted"

    def clear(self) -> None:
        """Forget the messages received so far."""
        with self._lock:
            self.messages.clear()
            self.received_at.clear()

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages received for ``address``."""
        return [m for m in list(self.messages) if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        """Wait until ``count`` messages came in; return them."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} mails after {timeout} s"
        return list(self.messages)


def body(message: EmailMessage, subtype: str = "plain") -> str:
    """Return the text of the message's ``text/plain`` (or ``html``) part."""
    return message.get_body(preferencelist=(subtype,)).get_content()


@pytest.fixture
def mail_server():
    """A real SMTP server on loopback, stopped after the test."""
    server = MailServer()
    yield server
    server.stop()


@pytest.fixture
def mail_app(make_app, mail_server):
    """The app, sending its mail to ``mail_server``."""
    return make_app(MAIL_URL=mail_server.url)
