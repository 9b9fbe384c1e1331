"""Read queries of the moderation desk: the queue, an author's history, the log and the statistics.

The queue's order, expected harm and the model's doubt with reports and waiting time, is the
business of ``moderation.queue.ranking``; its module docstring gives the rule.

The queue holds what waits for a person: held comments, comments the policy rejected outright
that no moderator has looked at yet (a reader may appeal them, and the learning loop needs a
moderator's word on them too), published comments a reader reported since their last decision,
and escalated comments until an admin decides them.
"""
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from forum.errors import Invalid
from forum.extensions import db
from forum.models import Comment, CommentStatus, HoldReason, User, utcnow
from forum.pagination import Key, paginate
from moderation import embeddings, scoring
from moderation.models import ModerationDecision, Report, Sanction
from moderation.queue import precedents, ranking
from moderation.readers.service import latest_notes
from moderation.rules import wordlists
from moderation.vocabulary import FINAL_ACTIONS, DecisionAction

QUEUE_REASONS = tuple(HoldReason)
HELD_BY_MODEL = (HoldReason.ABUSE, HoldReason.OFF_TOPIC)


def in_queue():
    """Return the SQL condition "this comment waits for a moderator" (see the module docstring).

    Four branches side by side, each a range of its own index (``ix_comments_status_*``), so that
    the database reads the queue's rows and never the published comments around them.
    """
    reported = exists().where(Report.comment_id == Comment.id,
                              or_(Comment.decided_at.is_(None), Report.created_at > Comment.decided_at))
    published = Comment.status == CommentStatus.PUBLISHED
    return or_(Comment.is_awaiting_review,
               and_(published, Comment.hold_reason == HoldReason.ESCALATED),
               and_(published, Comment.report_count > 0, reported))


def is_queued(comment: Comment) -> bool:
    """Return whether ``comment`` waits for a moderator now."""
    return db.session.scalar(select(Comment.id).where(Comment.id == comment.id, in_queue())) is not None


def queue_reason(comment: Comment) -> HoldReason | None:
    """Return why a queued comment is in the queue: its hold, or ``reported`` when it is still published."""
    if comment.hold_reason is not None:
        return comment.hold_reason
    return HoldReason.REPORTED if comment.is_published else None


def reports_since_decision(comment: Comment) -> Select:
    """Return the query of the reports on ``comment`` made since a moderator last decided it."""
    stmt = select(Report).where(Report.comment_id == comment.id)
    if comment.decided_at is not None:
        stmt = stmt.where(Report.created_at > comment.decided_at)
    return stmt


@dataclass
class QueueItem:
    """A queued comment with everything the moderator needs to decide it."""

    comment: Comment
    #: None in the decided view, which is ordered by the decisions' time; else the SQL order's
    #: value: the points less a number that is the same for every item of a page.
    priority: float | None
    #: The urgency a moderator reads (``moderation.queue.ranking``); None in the decided view.
    points: float | None = None
    parent: Comment | None = None
    reports: list[Report] = field(default_factory=list)
    comment_count: int = 0
    rejected_count: int = 0
    highlights: list = field(default_factory=list)
    #: The probability of each kind of abuse, from the comment's stored vector (empty without one).
    categories: dict = field(default_factory=dict)
    #: Moderators' notes on the author: how many, and the latest few.
    note_count: int = 0
    notes: list = field(default_factory=list)
    #: The decision an item of the decided view shows.
    decision: ModerationDecision | None = None
    #: The most similar comments moderators already decided (``moderation.queue.precedents``).
    precedents: list = field(default_factory=list)


@dataclass
class QueuePage:
    items: list[QueueItem]
    next_cursor: str | None


def is_reported():
    """Return the SQL condition "readers reported this queued comment": hidden by reports, or reported since."""
    return or_(Comment.hold_reason == HoldReason.REPORTED, Comment.report_count > 0)


def _queue_filter(reason: str | None):
    conditions = [in_queue()]
    if reason not in (None, "") and reason not in QUEUE_REASONS:
        raise Invalid("reason must be one of " + ", ".join(QUEUE_REASONS) + ".", code="invalid_reason",
                      payload={"field": "reason"})
    if reason == HoldReason.REPORTED:
        conditions.append(is_reported())
    elif reason:
        conditions.append(Comment.hold_reason == reason)
    return and_(*conditions)


def queue_page(*, reason=None, where=(), cursor=None, limit=20) -> QueuePage:
    """Return a page of the queue, most urgent first (``moderation.queue.ranking``), each item with its context.

    Moderators see escalated items too, read-only: only an admin decides them. ``where`` holds
    further conditions on ``Comment``: the views and filters of ``moderation.queue.scopes``.

    The ordering runs over ids, scores and the reach's counts (each comment's replies by index, the
    stories' comments of the day in one grouped count); only the page's comments are then loaded
    with their authors and articles, so thousands of queued comments cost no joins with them.
    """
    now = utcnow()
    stmt, keys = ranking.ranked(and_(_queue_filter(reason), *where), now)
    page = paginate(stmt, keys, cursor=cursor, limit=limit, session=db.session)
    comments = {c.id: c for c in db.session.scalars(
        select(Comment).options(joinedload(Comment.author), joinedload(Comment.article))
        .where(Comment.id.in_([row.comment_id for row in page.items])))}
    items = [QueueItem(comments[row.comment_id], row.priority,
                       ranking.points(comments[row.comment_id], row.audience, now))
             for row in page.items]
    attach_context(items)
    return QueuePage(items, page.next_cursor)


def queue_size() -> int:
    """Return how many comments wait in the queue."""
    return db.session.scalar(select(func.count()).select_from(Comment).where(in_queue()))


def attach_context(items: list[QueueItem]) -> None:
    """Load parents, reports, author counts, notes, highlights and precedents for a page of items, a few
    queries in all."""
    if not items:
        return
    parent_ids = {i.comment.parent_id for i in items if i.comment.parent_id}
    parents = {c.id: c for c in db.session.scalars(
        select(Comment).options(joinedload(Comment.author), joinedload(Comment.article))
        .where(Comment.id.in_(parent_ids)))} if parent_ids else {}
    reports = db.session.scalars(
        select(Report).options(joinedload(Report.reporter))
        .where(Report.comment_id.in_([i.comment.id for i in items])).order_by(Report.id))
    by_comment = {}
    for row in reports:
        by_comment.setdefault(row.comment_id, []).append(row)
    counts = author_counts({i.comment.author_id for i in items})
    notes = latest_notes({i.comment.author_id for i in items})
    for item in items:
        item.parent = parents.get(item.comment.parent_id)
        item.reports = by_comment.get(item.comment.id, [])
        item.comment_count, item.rejected_count = counts.get(item.comment.author_id, (0, 0))
        item.note_count, item.notes = notes.get(item.comment.author_id, (0, []))
    model = scoring.active_model()
    encoder = model.encoder.version if model is not None and model.encoder is not None else None
    stored = embeddings.comment_vectors([i.comment.id for i in items], encoder) if encoder is not None else {}
    _attach_highlights(items, model, stored)
    found = precedents.precedents_of(stored, encoder) if stored else {}
    for item in items:
        item.precedents = found.get(item.comment.id, [])


def _attach_highlights(items: list[QueueItem], model, stored: dict) -> None:
    """Mark the words of the word lists, and those that pushed the abuse score when the model is
    available; and the kinds of abuse, from the comments' ``stored`` vectors."""
    bodies = [i.comment.body for i in items]
    lists = wordlists.compiled()
    model_spans = model.highlights_batch(bodies) if model is not None else [[] for _ in bodies]
    kinds = [{} for _ in items]
    if stored:
        kinds = model.categories_of(bodies, [stored.get(i.comment.id) for i in items])
    for item, spans, item_kinds in zip(items, model_spans, kinds, strict=True):
        item.highlights = lists.highlights(item.comment.body) + list(spans)
        item.categories = item_kinds


def author_counts(author_ids) -> dict[int, tuple[int, int]]:
    """Return {author id: (comments, rejected comments)}, deleted comments left out."""
    if not author_ids:
        return {}
    rows = db.session.execute(
        select(Comment.author_id, func.count(),
               func.sum(case((Comment.status == CommentStatus.REJECTED, 1), else_=0)))
        .where(Comment.author_id.in_(author_ids), Comment.status != CommentStatus.DELETED)
        .group_by(Comment.author_id))
    return {author: (total, int(rejected or 0)) for author, total, rejected in rows}


def author_history(author: User, *, cursor=None, limit=20):
    """Return a page of everything ``author`` wrote, newest first, whatever its status."""
    stmt = (select(Comment).options(joinedload(Comment.article), joinedload(Comment.author))
            .where(Comment.author_id == author.id))
    keys = [Key(Comment.created_at, True, "created_at"), Key(Comment.id, True, "id")]
    return paginate(stmt, keys, cursor=cursor, limit=limit, session=db.session)


def decision_log(*, cursor=None, limit=20, moderator: str | None = None, action: DecisionAction | None = None,
                 comment_id: int | None = None):
    """Return a page of the moderation log, newest first, of one moderator, action or comment if given."""
    stmt = select(ModerationDecision).options(
        joinedload(ModerationDecision.moderator),
        joinedload(ModerationDecision.comment).joinedload(Comment.author),
        joinedload(ModerationDecision.comment).joinedload(Comment.article))
    if moderator is not None:
        stmt = stmt.where(ModerationDecision.moderator_id == select(User.id).where(User.username == moderator)
                          .scalar_subquery())
    if action is not None:
        stmt = stmt.where(ModerationDecision.action == action)
    if comment_id is not None:
        stmt = stmt.where(ModerationDecision.comment_id == comment_id)
    keys = [Key(ModerationDecision.created_at, True, "created_at"), Key(ModerationDecision.id, True, "id")]
    return paginate(stmt, keys, cursor=cursor, limit=limit, session=db.session)


def sanctions_of(user: User) -> list:
    """Return the sanctions of ``user``, newest first."""
    return list(db.session.scalars(select(Sanction).where(Sanction.user_id == user.id)
                                   .order_by(Sanction.created_at.desc(), Sanction.id.desc())))


def queue_by_reason() -> dict[str, int]:
    """Return how many comments wait, per reason, as the queue's filters count them."""
    sizes = {reason: 0 for reason in QUEUE_REASONS}
    rows = db.session.execute(select(Comment.hold_reason, func.count())
                              .where(in_queue(), Comment.hold_reason.is_not(None)).group_by(Comment.hold_reason))
    sizes.update(rows.all())
    sizes[HoldReason.REPORTED] = db.session.scalar(
        select(func.count()).select_from(Comment).where(in_queue(), is_reported()))
    return sizes


def decisions_by_day(days: int = 14) -> list[dict]:
    """Return, for each of the last ``days`` days, the number of decisions per action."""
    start = (utcnow() - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = func.date(ModerationDecision.created_at)
    rows = db.session.execute(select(day, ModerationDecision.action, func.count())
                              .where(ModerationDecision.created_at >= start)
                              .group_by(day, ModerationDecision.action))
    series = {(start + timedelta(days=n)).date().isoformat(): dict.fromkeys(DecisionAction, 0)
              for n in range(days)}
    for when, action, count in rows:
        series.setdefault(str(when)[:10], {})[action] = count
    return [{"day": d, **counts} for d, counts in sorted(series.items())]


def median_minutes_to_decision(sample: int = 1000) -> float | None:
    """Return the median wait, in minutes, from posting to the decision over the latest decisions."""
    rows = db.session.execute(
        select(ModerationDecision.comment_created_at, ModerationDecision.created_at)
        .where(ModerationDecision.comment_created_at.is_not(None), ModerationDecision.action.in_(FINAL_ACTIONS))
        .order_by(ModerationDecision.id.desc()).limit(sample))
    waits = [(decided - posted).total_seconds() / 60.0 for posted, decided in rows]
    return round(median(waits), 1) if waits else None


def classifier_agreement() -> dict:
    """Return, per reason the model holds for, how often moderators rejected what it held (precision)."""
    rows = db.session.execute(
        select(ModerationDecision.hold_reason, ModerationDecision.action, func.count())
        .where(ModerationDecision.hold_reason.in_(HELD_BY_MODEL),
               ModerationDecision.action.in_(FINAL_ACTIONS))
        .group_by(ModerationDecision.hold_reason, ModerationDecision.action))
    tally = {reason: dict.fromkeys(FINAL_ACTIONS, 0) for reason in HELD_BY_MODEL}
    for reason, action, count in rows:
        tally[reason][action] = count
    result = {}
    for reason, counts in tally.items():
        decided, rejected = sum(counts.values()), counts[DecisionAction.REJECT]
        result[reason] = {"decided": decided, "rejected": rejected,
                          "precision": round(rejected / decided, 3) if decided else None}
    return result


def decisions_by_action() -> dict[str, int]:
    """Return how many decisions there are of each action, ever."""
    rows = db.session.execute(select(ModerationDecision.action, func.count()).group_by(ModerationDecision.action))
    return {**dict.fromkeys(DecisionAction, 0), **dict(rows.all())}


def stats() -> dict:
    """Return the desk's statistics, as the stats page and the API show them."""
    return {
        "queue_size": queue_size(),
        "queue_by_reason": queue_by_reason(),
        "decisions_by_action": decisions_by_action(),
        "decisions_by_day": decisions_by_day(),
        "median_minutes_to_decision": median_minutes_to_decision(),
        "classifier_precision": classifier_agreement(),
    }
