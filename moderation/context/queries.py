"""Read queries of moderation in context: what the thread page's comments need."""
from sqlalchemy import and_, func, not_, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Article, Comment, CommentStatus, User
from moderation.models import ModerationDecision
from moderation.queue.queries import in_queue


def rejectable():
    """Return the SQL condition "a moderator may still reject this comment": neither deleted nor rejected by one."""
    decided_rejected = and_(Comment.status == CommentStatus.REJECTED, Comment.decided_at.is_not(None))
    return and_(Comment.status != CommentStatus.DELETED, not_(decided_rejected))


def queued_ids(comment_ids) -> set[int]:
    """Return which of ``comment_ids`` wait in the queue."""
    if not comment_ids:
        return set()
    return set(db.session.scalars(select(Comment.id).where(Comment.id.in_(comment_ids), in_queue())))


def latest_decisions(comment_ids) -> dict[int, ModerationDecision]:
    """Return {comment id: the latest decision on it, with its moderator} for those that have one."""
    if not comment_ids:
        return {}
    latest = (select(func.max(ModerationDecision.id)).where(ModerationDecision.comment_id.in_(comment_ids))
              .group_by(ModerationDecision.comment_id))
    rows = db.session.scalars(select(ModerationDecision).options(joinedload(ModerationDecision.moderator))
                              .where(ModerationDecision.id.in_(latest)))
    return {row.comment_id: row for row in rows}


def rejectable_counts(article_id: int, author_ids) -> dict[int, int]:
    """Return {author id: how many of their comments on the article a moderator may still reject}."""
    if not author_ids:
        return {}
    rows = db.session.execute(select(Comment.author_id, func.count())
                              .where(Comment.article_id == article_id, Comment.author_id.in_(author_ids),
                                     rejectable())
                              .group_by(Comment.author_id))
    return dict(rows.all())


def rejectable_of(article: Article, author: User) -> list[Comment]:
    """Return the comments of ``author`` on ``article`` that a moderator may still reject, oldest first."""
    return list(db.session.scalars(
        select(Comment).options(joinedload(Comment.author), joinedload(Comment.article))
        .where(Comment.article_id == article.id, Comment.author_id == author.id, rejectable())
        .order_by(Comment.id)))
