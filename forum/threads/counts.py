"""Counting published comments in one query: the replies of a page of comments, counted; the comments of
articles, as the database keeps them (``Article.published_count``)."""
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Article, Comment, CommentStatus
from forum.sql import among


def published_counts_by(column, ids: list[int]) -> dict[int, int]:
    """Return the number of published comments per value of ``column`` among ``ids``, in one query."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(column, func.count())
        .where(among(column, ids), Comment.status == CommentStatus.PUBLISHED)
        .group_by(column)
    )
    return dict(rows.all())


def published_counts(article_ids: list[int]) -> dict[int, int]:
    """Return the number of published comments per article, as the database keeps it, in one query."""
    if not article_ids:
        return {}
    # Columns, not the articles: an Article the session loaded earlier keeps the count it read then.
    rows = db.session.execute(select(Article.id, Article.published_count).where(among(Article.id, article_ids)))
    return dict(rows.all())


def published_count(article_id: int) -> int:
    """Return the number of published comments of one article, as the database keeps it."""
    return published_counts([article_id]).get(article_id, 0)


def published_counts_by_external_id(external_ids: list[str]) -> dict[str, int]:
    """Return the number of published comments per publisher's article id, in one query; unknown ids count 0."""
    ids = list(dict.fromkeys(external_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(Article.external_id, Article.published_count)
                              .where(among(Article.external_id, ids)))
    counted = dict(rows.all())
    return {article_id: counted.get(article_id, 0) for article_id in ids}
