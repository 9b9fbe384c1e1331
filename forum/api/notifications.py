"""Notifications over JSON: the list with the unread count, and marking them read."""
from forum.api.base import bp
from forum.api.following import excerpt
from forum.api.serializers import author_dict, iso
from forum.extensions import db
from forum.models import CommentStatus, Notification
from forum.notifications import queries, service
from forum.openapi import operation
from forum.schemas import MarkRead, NotificationsPage, NotificationsQuery
from forum.security import authenticated_user

OUTCOMES = {CommentStatus.PUBLISHED: "approved", CommentStatus.REJECTED: "rejected"}


def notification_dict(notification: Notification) -> dict:
    """Return a notification with its comment's excerpt and article, and for a decision its outcome."""
    comment = notification.comment
    data = {
        "id": notification.id,
        "kind": notification.kind,
        "created_at": iso(notification.created_at),
        "read_at": iso(notification.read_at),
        "actor": author_dict(notification.actor) if notification.actor is not None else None,
        "comment": {"id": comment.id, "parent_id": comment.parent_id, "excerpt": excerpt(comment.body),
                    "article": {"id": comment.article.external_id, "title": comment.article.title}},
    }
    if notification.kind == service.DECISION:
        data["decision"] = OUTCOMES.get(comment.status, comment.status.value)
        data["reason"] = notification.reason
    return data


@bp.get("/notifications")
@operation(auth="user", query=NotificationsQuery, responses={200: NotificationsPage})
def list_notifications(query: NotificationsQuery):
    """Answer a page of the caller's notifications and how many are unread."""
    recipient = authenticated_user()
    page = queries.notifications(recipient, unread_only=bool(query.unread), **query.page())
    return {"notifications": [notification_dict(n) for n in page.items],
            "unread_count": queries.unread_count(recipient), "next_cursor": page.next_cursor}


@bp.post("/notifications/read")
@operation(auth="user", body=MarkRead, responses={204: None}, errors=(404,))
def read_notifications(body: MarkRead):
    """Mark the listed notifications, or all, read; someone else's id changes nothing (404)."""
    recipient = authenticated_user()
    service.mark_read(recipient, ids=body.ids, everything=body.all)
    db.session.commit()
    return "", 204
