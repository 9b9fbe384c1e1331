"""Likes: one per reader per comment; the comment keeps a denormalised count for ``sort=top``."""
from sqlalchemy import delete, select, update
from sqlalchemy.orm.attributes import set_committed_value

from forum.accounts.service import ensure_can_participate
from forum.errors import Conflict
from forum.extensions import db
from forum.models import Comment, CommentStatus, Reaction, User, utcnow
from forum.sql import among, insert_if_absent


def _shift_count(comment: Comment, delta: int) -> None:
    # Atomic in the database, so concurrent likes never lose an update.
    db.session.execute(update(Comment).where(Comment.id == comment.id)
                       .values(reaction_count=Comment.reaction_count + delta)
                       .execution_options(synchronize_session=False))


def current_count(comment: Comment) -> int:
    """Return the comment's reaction count as stored now, and show it on the object.

    The object takes it as its loaded state, not as a change: a count read here may be stale by
    the time the request commits, and writing it back would undo other readers' likes.
    """
    count = db.session.scalar(select(Comment.reaction_count).where(Comment.id == comment.id))
    set_committed_value(comment, "reaction_count", count)
    return count


def like(comment: Comment, user: User) -> int:
    """Add ``user``'s like to a published comment (a second like changes nothing); return the count."""
    ensure_can_participate(user)
    if comment.status != CommentStatus.PUBLISHED:
        raise Conflict("Only published comments can be liked.", code="not_published")
    if insert_if_absent(Reaction, user_id=user.id, comment_id=comment.id, created_at=utcnow()):
        _shift_count(comment, 1)
    return current_count(comment)


def unlike(comment: Comment, user: User) -> int:
    """Take back ``user``'s like, if any; return the count."""
    removed = db.session.execute(delete(Reaction).where(Reaction.user_id == user.id,
                                                        Reaction.comment_id == comment.id))
    if removed.rowcount:
        _shift_count(comment, -1)
    return current_count(comment)


def has_liked(comment: Comment, user: User) -> bool:
    """Return whether ``user`` likes ``comment``."""
    return db.session.get(Reaction, (user.id, comment.id)) is not None


def toggle(comment: Comment, user: User) -> tuple[bool, int]:
    """Like ``comment`` or take the like back, as the page's button does; return (liked, count)."""
    if has_liked(comment, user):
        return False, unlike(comment, user)
    return True, like(comment, user)


def liked_ids(comment_ids: list[int], user: User | None) -> set[int]:
    """Return which of ``comment_ids`` ``user`` likes, in one query."""
    if not comment_ids or user is None or not user.is_authenticated:
        return set()
    return set(db.session.scalars(select(Reaction.comment_id).where(
        Reaction.user_id == user.id, among(Reaction.comment_id, comment_ids))))

