"""Webhooks as admins manage them (the admin API and ``flask --app wsgi webhooks``): add, list,
remove, rotate the secret, read the delivery log. Services add and flush; the caller commits."""
import base64
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from forum.errors import Invalid, NotFound
from forum.extensions import db
from forum.models import utcnow
from forum.pagination import Key, Page, paginate
from forum.validation import normalise_url
from forum.webhooks.events import EVENT_TYPES
from forum.webhooks.models import Webhook, WebhookDelivery
from forum.webhooks.urls import URL_MAX_LENGTH, RefusedUrl, resolve

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
DELIVERY_KEYS = [Key(WebhookDelivery.attempted_at, True, "attempted_at"), Key(WebhookDelivery.id, True, "id")]


def new_secret() -> str:
    """Return a fresh signing secret: ``whsec_`` and the base64 of 24 random bytes (Standard Webhooks)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_url(url) -> str:
    """Return ``url``, its scheme and host in lower case, if a webhook may use it (http(s), a host that
    resolves to a public address).

    :raise Invalid: it may not, naming the field ``url``.
    """
    if not isinstance(url, str) or not url or len(url) > URL_MAX_LENGTH:
        raise _invalid_url(f"must be an http or https URL of at most {URL_MAX_LENGTH} characters")
    try:
        resolve(url)
    except RefusedUrl as refused:
        raise _invalid_url(str(refused)) from None
    return normalise_url(url)


def _invalid_url(rule: str) -> Invalid:
    return Invalid(f"'url' {rule}.", code="invalid_url", payload={"field": "url"})


def check_events(events) -> list[str]:
    """Return ``events`` without repeats, in order, if each is an event Parley sends.

    :raise Invalid: the list is empty or names an unknown event, naming the field ``events``.
    """
    known = ", ".join(EVENT_TYPES)
    if not isinstance(events, list | tuple) or not events:
        raise Invalid(f"'events' must list one or more of {known}.", code="invalid_events",
                      payload={"field": "events"})
    for event in events:
        if event not in EVENT_TYPES:
            raise Invalid(f"'events' names an unknown event {str(event)[:40]!r}; the events are {known}.",
                          code="invalid_events", payload={"field": "events"})
    return list(dict.fromkeys(events))


def create_webhook(url, events) -> Webhook:
    """Add a webhook for ``events`` at ``url`` with a new secret; its ``secret`` is shown only now."""
    webhook = Webhook(url=check_url(url), events=check_events(events), secret=new_secret(), created_at=utcnow())
    db.session.add(webhook)
    db.session.flush()
    return webhook


def list_webhooks() -> list[Webhook]:
    """Return every webhook, oldest first."""
    return list(db.session.scalars(select(Webhook).order_by(Webhook.id)))


def get_webhook(webhook_id: int) -> Webhook:
    """Return the webhook ``webhook_id`` or raise 404."""
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound(f"No webhook has the id {webhook_id}.", code="webhook_not_found")
    return webhook


def remove_webhook(webhook: Webhook) -> None:
    """Delete the webhook and its delivery log; events still waiting for it are dropped unsent."""
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id))
    db.session.delete(webhook)
    db.session.flush()


def rotate_secret(webhook: Webhook) -> str:
    """Give the webhook a new secret and return it; the old one signs beside it for WEBHOOK_SECRET_OVERLAP."""
    now = utcnow()
    webhook.previous_secret = webhook.secret
    webhook.previous_secret_expires_at = now + timedelta(seconds=current_app.config["WEBHOOK_SECRET_OVERLAP"])
    webhook.secret = new_secret()
    db.session.flush()
    return webhook.secret


def signing_secrets(webhook: Webhook, now: datetime) -> list[str]:
    """Return the secrets that sign a delivery now: the current one, and the previous while it lasts."""
    keys = [webhook.secret]
    if webhook.previous_secret and webhook.previous_secret_expires_at and now < webhook.previous_secret_expires_at:
        keys.append(webhook.previous_secret)
    return keys


def deliveries_page(webhook: Webhook, *, cursor: str | None, limit: int) -> Page:
    """Return a page of the webhook's delivery attempts, newest first."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    return paginate(stmt, DELIVERY_KEYS, cursor=cursor, limit=limit, session=db.session)
