"""What the admin webhook API accepts and answers."""
from typing import Annotated, Literal

from pydantic import Field

from forum.schemas import Answer
from forum.validation import Schema, Text
from forum.webhooks.events import EVENT_TYPES
from forum.webhooks.urls import URL_MAX_LENGTH

EventType = Literal[EVENT_TYPES]


class WebhookBody(Schema):
    url: Text(URL_MAX_LENGTH, visible=False)
    events: Annotated[list[EventType], Field(min_length=1, max_length=4 * len(EVENT_TYPES))]
    error_codes = {"url": "invalid_url", "events": "invalid_events"}


class WebhookOut(Answer):
    id: int
    url: str
    events: list[EventType]
    created_at: str
    previous_secret_expires_at: str | None


class WebhookCreated(WebhookOut):
    #: The signing secret (``whsec_...``): shown here, and never again.
    secret: str


class WebhookList(Answer):
    webhooks: list[WebhookOut]


class SecretOut(Answer):
    secret: str
    previous_secret_expires_at: str


class DeliveryOut(Answer):
    id: int
    message_id: str
    event_type: str
    attempt: int
    attempted_at: str
    status_code: int | None
    error: str | None
    duration_ms: int
    succeeded: bool


class DeliveryPage(Answer):
    deliveries: list[DeliveryOut]
    next_cursor: str | None
