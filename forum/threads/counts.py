"""Counting published comments in one query, for any page of articles or comments."""
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus


def published_counts_by(column, ids: list[int]) -> dict[int, int]:
    """Return the number of published comments per value of ``column`` among ``ids``, in one query."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(column, func.count())
        .where(column.in_(ids), Comment.status == CommentStatus.PUBLISHED)
        .group_by(column)
    )
    return dict(rows.all())
