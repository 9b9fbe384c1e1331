"""Admins manage webhooks over JSON (API.md, Admin); the same services as ``flask --app wsgi webhooks``."""
from forum.api.base import bp
from forum.api.serializers import iso
from forum.extensions import db
from forum.openapi import operation
from forum.pagination import PageQuery
from forum.security import admin_required
from forum.webhooks import service
from forum.webhooks.models import Webhook, WebhookDelivery
from forum.webhooks.schemas import DeliveryPage, SecretOut, WebhookBody, WebhookCreated, WebhookList


def webhook_dict(webhook: Webhook) -> dict:
    """A webhook without its secrets."""
    return {"id": webhook.id, "url": webhook.url, "events": list(webhook.events), "created_at": iso(webhook.created_at),
            "previous_secret_expires_at": iso(webhook.previous_secret_expires_at)}


def delivery_dict(delivery: WebhookDelivery) -> dict:
    return {"id": delivery.id, "message_id": delivery.message_id, "event_type": delivery.event_type,
            "attempt": delivery.attempt, "attempted_at": iso(delivery.attempted_at),
            "status_code": delivery.status_code, "error": delivery.error, "duration_ms": delivery.duration_ms,
            "succeeded": delivery.succeeded}


@bp.post("/admin/webhooks")
@admin_required
@operation(auth="admin", body=WebhookBody, responses={201: WebhookCreated})
def create_webhook(body: WebhookBody):
    """Add a webhook; the answer shows its signing secret, this once."""
    webhook = service.create_webhook(body.url, body.events)
    db.session.commit()
    return {**webhook_dict(webhook), "secret": webhook.secret}, 201


@bp.get("/admin/webhooks")
@admin_required
@operation(auth="admin", responses={200: WebhookList})
def list_webhooks():
    """List the webhooks, without their secrets."""
    return {"webhooks": [webhook_dict(w) for w in service.list_webhooks()]}


@bp.delete("/admin/webhooks/<int:webhook_id>")
@admin_required
@operation(auth="admin", responses={204: None})
def remove_webhook(webhook_id):
    """Remove a webhook and its delivery log."""
    service.remove_webhook(service.get_webhook(webhook_id))
    db.session.commit()
    return "", 204


@bp.post("/admin/webhooks/<int:webhook_id>/rotate")
@admin_required
@operation(auth="admin", responses={200: SecretOut})
def rotate_secret(webhook_id):
    """Give a webhook a new secret; the old one keeps signing beside it for 24 hours."""
    webhook = service.get_webhook(webhook_id)
    secret = service.rotate_secret(webhook)
    db.session.commit()
    return {"secret": secret, "previous_secret_expires_at": iso(webhook.previous_secret_expires_at)}


@bp.get("/admin/webhooks/<int:webhook_id>/deliveries")
@admin_required
@operation(auth="admin", query=PageQuery, responses={200: DeliveryPage})
def list_deliveries(webhook_id, query: PageQuery):
    """List a webhook's delivery attempts, newest first: time, HTTP status, error."""
    page = service.deliveries_page(service.get_webhook(webhook_id), **query.page())
    return {"deliveries": [delivery_dict(d) for d in page.items], "next_cursor": page.next_cursor}
