"""Reading notifications: only those still worth showing, newest first, and the unread count."""
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from forum.extensions import db
from forum.models import Comment, CommentStatus, Notification, User
from forum.notifications.service import DECISION, is_muted_by
from forum.pagination import Key, Page, paginate

NEWEST_FIRST = [Key(Notification.id, True, "id")]


def _shown(recipient: User):
    """Return the condition "a notification of ``recipient`` worth showing".

    Its comment is still visible to the recipient and its actor is not muted by them: a comment
    deleted or held after the notification was written drops out of the list.
    """
    return and_(
        Notification.recipient_id == recipient.id,
        or_(
            and_(Notification.kind == DECISION, Comment.status != CommentStatus.DELETED),
            and_(Comment.status == CommentStatus.PUBLISHED, ~is_muted_by(recipient.id, Notification.actor_id)),
        ),
    )


def notifications(recipient: User, *, unread_only=False, cursor=None, limit=20) -> Page:
    """Return a page of ``recipient``'s notifications, newest first, with comment, article and actor."""
    stmt = (
        select(Notification)
        .join(Comment, Comment.id == Notification.comment_id)
        .options(contains_eager(Notification.comment).joinedload(Comment.article), joinedload(Notification.actor))
        .where(_shown(recipient))
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(stmt, NEWEST_FIRST, cursor=cursor, limit=limit, session=db.session)


def unread_count(recipient: User, *, cap: int | None = None) -> int:
    """Return how many notifications ``recipient`` has not read, counting no further than ``cap``."""
    unread = (select(Notification.id).join(Comment, Comment.id == Notification.comment_id)
              .where(_shown(recipient), Notification.read_at.is_(None)).limit(cap))
    return db.session.scalar(select(func.count()).select_from(unread.subquery()))
