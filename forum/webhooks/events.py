"""Events for webhooks: each recorded in the transaction of the change it reports, one outbox item
per webhook that subscribed to it. The forum records its own events here; plugins (moderation)
record theirs through the same ``record``."""
import json
import secrets
from collections.abc import Callable

from sqlalchemy import select

from forum.extensions import db
from forum.models import Article, Comment, utcnow
from forum.outbox.service import enqueue
from forum.webhooks.models import Webhook

#: The outbox kind of a webhook delivery.
KIND = "webhook"
COMMENT_CREATED = "comment.created"
COMMENT_EDITED = "comment.edited"
COMMENT_DECIDED = "comment.decided"
COMMENT_REPORTED = "comment.reported"
USER_SANCTIONED = "user.sanctioned"
ARTICLE_CREATED = "article.created"
#: Moderator alerts: the review queue grew past its limit, or an item in it waited too long.
QUEUE_SIZE_EXCEEDED = "queue.size_exceeded"
QUEUE_WAIT_EXCEEDED = "queue.wait_exceeded"
EVENT_TYPES = (COMMENT_CREATED, COMMENT_EDITED, COMMENT_DECIDED, COMMENT_REPORTED, USER_SANCTIONED,
               ARTICLE_CREATED, QUEUE_SIZE_EXCEEDED, QUEUE_WAIT_EXCEEDED)


def _subscribers(event_type: str) -> list[tuple[int, str]]:
    rows = db.session.execute(select(Webhook.id, Webhook.events, Webhook.created_at).order_by(Webhook.id))
    return [(webhook_id, created_at.isoformat()) for webhook_id, events, created_at in rows if event_type in events]


def _serializers():
    # Imported when an event is built, not with this module: forum.api imports the services that
    # record events, and they import this module.
    from forum.api import serializers

    return serializers


def record(event_type: str, data: Callable[[], dict]) -> None:
    """Queue ``event_type`` for every webhook that wants it, with ``data()`` (built only if one does).

    The body is fixed now, so every attempt sends the same bytes under the same ``webhook-id``.
    """
    webhooks = _subscribers(event_type)
    if not webhooks:
        return
    body = json.dumps({"type": event_type, "timestamp": _serializers().iso(utcnow()), "data": data()},
                      separators=(",", ":"), ensure_ascii=False)
    for webhook_id, created_at in webhooks:
        # The webhook's creation time names it with its id: SQLite gives a removed webhook's id to the
        # next one, which must not be sent what was queued for the old one.
        enqueue(KIND, {"webhook_id": webhook_id, "webhook_created_at": created_at,
                       "message_id": "msg_" + secrets.token_urlsafe(18), "event_type": event_type, "body": body})


def comment_data(comment: Comment) -> dict:
    """A comment as the API shows it (with its status and hold reason, without scores), and its article."""
    shown = _serializers().comment_dict(comment)
    del shown["reply_count"]  # not kept up to date in an event
    return {"comment": shown, "article": article_ref(comment.article)}


def article_ref(article: Article) -> dict:
    return {"id": article.external_id, "url": article.url, "title": article.title}


def record_comment(event_type: str, comment: Comment) -> None:
    """Record ``comment.created`` or ``comment.edited`` for ``comment``."""
    record(event_type, lambda: comment_data(comment))


def record_article_created(article: Article) -> None:
    """Record ``article.created``."""
    record(ARTICLE_CREATED, lambda: {"article": _serializers().article_dict(article)})

