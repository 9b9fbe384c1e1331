"""Send one webhook message: a signed JSON POST (Standard Webhooks), logged as one delivery attempt.

urllib3 sends it to the address ``urls.resolve`` checked, with the webhook's host name in the Host
header and in TLS (SNI and certificate check): what is checked is what is connected to. Redirects
are not followed, time and the answer's size are bounded.
"""
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import urllib3
from flask import current_app
from standardwebhooks import Webhook as Signer

from forum.extensions import db
from forum.models import utcnow
from forum.outbox.service import DeliveryFailed
from forum.webhooks.models import Webhook, WebhookDelivery
from forum.webhooks.service import signing_secrets
from forum.webhooks.urls import RefusedUrl, Target, resolve

USER_AGENT = "Parley-Webhooks/1"
ERROR_MAX_LENGTH = 500


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    error: str | None
    duration_ms: int


def signature(secrets: list[str], message_id: str, timestamp: datetime, body: str) -> str:
    """Return the ``webhook-signature`` header: ``v1,<sig>`` for each secret, space-separated."""
    return " ".join(Signer(secret).sign(message_id, timestamp, body) for secret in secrets)


def _pool(target: Target, timeout: float):
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(target.address, target.port, server_hostname=target.host,
                                           assert_hostname=target.host, cert_reqs="CERT_REQUIRED", **options)
    return urllib3.HTTPConnectionPool(target.address, target.port, **options)


def _read_capped(response, limit: int, deadline: float) -> None:
    """Read at most ``limit`` bytes of the answer, and stop at ``deadline`` (a receiver may drip)."""
    read = 0
    while read < limit and time.monotonic() < deadline:
        chunk = response.read(min(8192, limit - read))
        if not chunk:
            return
        read += len(chunk)


def post(target: Target, headers: dict, body: bytes) -> int:
    """POST ``body`` to ``target`` once and return the HTTP status (a redirect is just a status)."""
    config = current_app.config
    timeout = float(config["WEBHOOK_TIMEOUT"])
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    headers = {**headers, "Host": host if target.port == default_port else f"{host}:{target.port}"}
    with _pool(target, timeout) as pool:
        response = pool.urlopen("POST", target.path, body=body, headers=headers, redirect=False, retries=False,
                                preload_content=False, assert_same_host=False)
        try:
            _read_capped(response, config["WEBHOOK_RESPONSE_MAX_BYTES"], time.monotonic() + timeout)
        finally:
            response.release_conn()
        return response.status


def attempt(url: str, headers: dict, body: bytes) -> Attempt:
    """Try one delivery; return its status, or the error that stopped it, and how long it took."""
    started = time.monotonic()
    status, error = None, None
    try:
        status = post(resolve(url), headers, body)
    except RefusedUrl as refused:
        error = f"not sent: the URL {refused}"
    except urllib3.exceptions.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"
    if status is not None and not 200 <= status < 300:
        error = f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")
    return Attempt(status, error and error[:ERROR_MAX_LENGTH], int((time.monotonic() - started) * 1000))


def is_addressee(webhook: Webhook, payload: dict) -> bool:
    """Return whether ``webhook`` is the one the event was queued for, not a later one with its id.

    Items queued before the payload named the webhook's creation time are taken as addressed to it.
    """
    created_at = payload.get("webhook_created_at")
    return created_at is None or created_at == webhook.created_at.isoformat()


def deliver(payload: dict, attempt_number: int) -> None:
    """Outbox handler of kind ``webhook``: send the message, log the attempt, fail unless a 2xx came back."""
    webhook = db.session.get(Webhook, payload["webhook_id"])
    if webhook is None or not is_addressee(webhook, payload):
        return  # removed since the event: nobody to tell
    now = datetime.now(UTC).replace(microsecond=0)
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               "webhook-id": payload["message_id"], "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": signature(signing_secrets(webhook, utcnow()), payload["message_id"], now,
                                              payload["body"])}
    url = webhook.url
    db.session.rollback()  # no transaction stays open while the receiver answers
    result = attempt(url, headers, payload["body"].encode())
    db.session.add(WebhookDelivery(
        webhook_id=payload["webhook_id"], message_id=payload["message_id"], event_type=payload["event_type"],
        attempt=attempt_number, attempted_at=utcnow(), status_code=result.status_code, error=result.error,
        duration_ms=result.duration_ms, succeeded=result.error is None))
    if result.error is not None:
        raise DeliveryFailed(result.error)
