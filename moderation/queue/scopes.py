"""The queue's views and filters: which part of the desk's work a moderator lists, for which story or reader.

Four views (``?view=`` of the queue's page and API):

- ``pending`` (the default): everything that waits for a moderator, as the queue always listed it;
  ``reason`` narrows it to one hold reason;
- ``escalated``: what waits for an admin (moderators see it, read-only);
- ``reported``: what readers reported since its last decision, as ``reason=reported`` does;
- ``decided``: the history of approvals and rejections, newest decision first, with who decided,
  the reason and the note. ``reason`` is then why the comment was in the queue, and ``action``
  (approve or reject) narrows it to one kind of decision.

Every view narrows to the articles whose title contains ``article`` (in any letter case, with
``%`` and ``_`` taken as they are), to one ``article_id``, and to one reader's comments
(``author``). An unknown reader lists nothing, as the log's ``moderator`` filter does.
"""
import enum
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Article, Comment, HoldReason, User, fold_username
from forum.pagination import Key, paginate
from moderation.models import ModerationDecision
from moderation.queue import queries
from moderation.queue.queries import FINAL_ACTIONS, QueueItem, QueuePage
from moderation.vocabulary import DecisionAction

#: Longer than any useful part of a headline; the column holds 500 characters.
TITLE_SEARCH_MAX_LENGTH = 200


class QueueView(enum.StrEnum):
    PENDING = "pending"
    ESCALATED = "escalated"
    REPORTED = "reported"
    DECIDED = "decided"


@dataclass(frozen=True)
class QueueFilters:
    """What the moderator asked to see: a view, and the filters that narrow it."""

    view: QueueView = QueueView.PENDING
    reason: HoldReason | None = None
    action: DecisionAction | None = None
    article_id: str | None = None
    article: str | None = None
    author: str | None = None

    @property
    def is_narrowed(self) -> bool:
        """Return whether anything but the view narrows the list."""
        return any((self.reason, self.action, self.article_id, self.article, self.author))


def _comment_conditions(filters: QueueFilters) -> list:
    """Return the conditions on ``Comment`` of the article and reader filters."""
    conditions = []
    if filters.article_id:
        conditions.append(Comment.article_id == select(Article.id).where(Article.external_id == filters.article_id)
                          .scalar_subquery())
    if filters.article:
        # autoescape: a "%" or "_" the moderator typed is a character of the title, not a wildcard.
        conditions.append(Comment.article_id.in_(
            select(Article.id).where(Article.title.icontains(filters.article, autoescape=True))))
    if filters.author:
        conditions.append(Comment.author_id == select(User.id).where(
            User.username_key == fold_username(filters.author)).scalar_subquery())
    return conditions


def _view_condition(view: QueueView):
    if view == QueueView.ESCALATED:
        return Comment.hold_reason == HoldReason.ESCALATED
    if view == QueueView.REPORTED:
        return queries.is_reported()
    return None


def queue_page(filters: QueueFilters, *, cursor=None, limit=20) -> QueuePage:
    """Return a page of the view ``filters`` asks for: the queue most urgent first, or the decisions newest first."""
    if filters.view == QueueView.DECIDED:
        return decided_page(filters, cursor=cursor, limit=limit)
    where = [c for c in (_view_condition(filters.view), *_comment_conditions(filters)) if c is not None]
    return queries.queue_page(reason=filters.reason, where=where, cursor=cursor, limit=limit)


def decided_page(filters: QueueFilters, *, cursor=None, limit=20) -> QueuePage:
    """Return a page of approvals and rejections, newest first, each item with its comment in context."""
    stmt = (select(ModerationDecision).options(joinedload(ModerationDecision.moderator))
            .where(ModerationDecision.action.in_([filters.action] if filters.action else FINAL_ACTIONS)))
    if filters.reason:
        stmt = stmt.where(ModerationDecision.hold_reason == filters.reason)
    conditions = _comment_conditions(filters)
    if conditions:
        stmt = stmt.join(Comment, Comment.id == ModerationDecision.comment_id).where(*conditions)
    keys = [Key(ModerationDecision.created_at, True, "created_at"), Key(ModerationDecision.id, True, "id")]
    page = paginate(stmt, keys, cursor=cursor, limit=limit, session=db.session)
    comments = {c.id: c for c in db.session.scalars(
        select(Comment).options(joinedload(Comment.author), joinedload(Comment.article))
        .where(Comment.id.in_([d.comment_id for d in page.items])))}
    items = [QueueItem(comments[d.comment_id], None, decision=d) for d in page.items]
    queries.attach_context(items)
    return QueuePage(items, page.next_cursor)


def view_counts(filters: QueueFilters) -> dict[QueueView, int]:
    """Return how many comments each queue view lists with the article and reader filters, in one query.

    The decided view has no count: it is the whole history, and counting it grows with it.
    """
    escalated = func.sum(case((Comment.hold_reason == HoldReason.ESCALATED, 1), else_=0))
    reported = func.sum(case((queries.is_reported(), 1), else_=0))
    total, escalated, reported = db.session.execute(
        select(func.count(), escalated, reported).select_from(Comment)
        .where(queries.in_queue(), *_comment_conditions(filters))).one()
    return {QueueView.PENDING: total, QueueView.ESCALATED: int(escalated or 0),
            QueueView.REPORTED: int(reported or 0)}
