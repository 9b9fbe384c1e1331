"""Reading notifications: only those still worth showing, newest first, the unread count, and a
day's comments by followed readers for the digest."""
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from forum.extensions import db
from forum.models import Comment, CommentStatus, Follow, Notification, User
from forum.notifications.service import DECISION, FOLLOWED_COMMENT, is_muted_by
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


def _followed_in_window(reader: User, start: datetime, end: datetime):
    """Return the condition "a comment by a reader ``reader`` follows that became visible in (start, end]".

    A followed_comment notification is written when a comment first becomes visible (posted and
    published, or approved later), so its time is the comment's publication. The comment must
    still be published, its author still followed, not muted and not deleted. A followed reader's
    reply to ``reader`` is a reply notification, mailed on its own, so it is not repeated here.
    """
    return and_(
        Notification.recipient_id == reader.id, Notification.kind == FOLLOWED_COMMENT,
        Notification.created_at > start, Notification.created_at <= end,
        Comment.status == CommentStatus.PUBLISHED, Comment.author_id != reader.id, User.deleted_at.is_(None),
        exists().where(Follow.follower_id == reader.id, Follow.followed_id == Comment.author_id),
        ~is_muted_by(reader.id, Comment.author_id),
    )


def followed_comments(reader: User, start: datetime, end: datetime, *, limit: int) -> tuple[list, int]:
    """Return the newest ``limit`` comments of the digest's window as (comment, published_at) rows,
    with author and article loaded, and how many the window holds in all."""
    stmt = (select(Comment, Notification.created_at.label("published_at"))
            .join(Notification, Notification.comment_id == Comment.id)
            .join(User, User.id == Comment.author_id)
            .where(_followed_in_window(reader, start, end)))
    rows = db.session.execute(stmt.options(contains_eager(Comment.author), joinedload(Comment.article))
                              .order_by(Notification.created_at.desc(), Comment.id.desc()).limit(limit)).all()
    if len(rows) < limit:
        return rows, len(rows)
    return rows, db.session.scalar(select(func.count()).select_from(stmt.subquery()))
