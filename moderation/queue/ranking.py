"""The queue's order: expected harm first, then what the model is least sure of, reports and waiting time.

Each queued comment gets points (higher is more urgent), the number a moderator reads on the item::

    points = 100 × harm × reach  +  60 × doubt  +  20 × reports (at most 5)  +  2 × hours waiting

- **harm** is the probability that the comment does harm: that it is abusive, or off-topic (which
  counts as half a harm): ``1 − (1 − abuse) × (1 − off_topic / 2)``.
- **reach** is how many readers it reaches. There is no page-view counter, so it is read from what
  the database has: ``audience = 2 × replies (published or waiting) + likes + the story's
  published comments of the last day / 20``, and ``reach = 1 + 2 × audience / (audience + 20)``,
  from 1 (nobody) to 3. It saturates so that a popular comment cannot bury the rest of the queue:
  ten replies double the harm, a hundred nearly triple it. The story's day is the 24 hours before
  the current hour began, so the order holds still between a moderator's pages within the hour
  (at the turn of the hour a story's count moves, as it does with a new reply or like).
- **doubt** is how unsure the model is: ``4 × p × (1 − p)`` of the less certain of its two
  scores, 1 at 0.5 and 0 at 0 or 1. A moderator's judgement changes most where the model cannot
  tell, and those decisions teach the learning loop the most.
- **rule-held** comments (banned or suspect word, spam, link, new reader, a reader on
  pre-moderation) were held for something the model does not judge, and a comment the model could
  not score (``model_unavailable``, no scores) has no probability at all: both count as the model's
  point of most doubt, abuse 0.5 and off-topic 0 (harm 0.5, doubt 1), so they sit among the
  model's most uncertain items with their reach, reports and wait. A story's pre-moderation is no
  judgement either, but it holds every comment of the story and the model's scores are what tell
  them apart, so they keep their scores (as do reported and escalated comments).
- **reports** and **waiting time** are added, not multiplied, so a reported comment and an old one
  rise whatever the model says: a day of waiting is worth 48 points.

Examples with off-topic 0, no reports and no wait. At reach 1 (no replies, likes or story
traffic), a 0.5 comes before a 0.99 (110 points against 101), which comes before a 0.02 (7), and
0.7 is the top of the model's range (120). A 0.55 with ten replies (reach 2, 169 points) comes
before a 0.98 with none (103).

In SQL the waiting time enters as ``-2 × hours since a fixed epoch`` of ``created_at``: the same
order as ``+2 × hours waiting`` at any moment, but independent of the clock, so a keyset cursor
stays valid between pages. The two forms differ by the same number for every item of a page.
"""
from datetime import datetime, timedelta

from sqlalchemy import Float, Select, and_, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from forum.models import Comment, CommentStatus, HoldReason
from forum.pagination import Key

WEIGHTS = {"harm": 100.0, "doubt": 60.0, "report": 20.0, "report_cap": 5, "hour": 2.0}
#: The audience: what a reply, a like and one of the story's comments of the day count for.
AUDIENCE = {"reply": 2.0, "like": 1.0, "story_comment": 0.05}
#: Reach is 1 + REACH_GAIN × audience / (audience + REACH_HALF): half its gain at REACH_HALF.
REACH_GAIN, REACH_HALF = 2.0, 20.0
#: How much of a harm an off-topic comment is.
OFF_TOPIC_HARM = 0.5
#: The probability given to a comment held by a rule, or one the model could not score.
UNJUDGED = 0.5
#: Holds by the desk's rules, where the model's score says nothing about why the comment waits.
RULE_HOLDS = (HoldReason.BANNED_WORD, HoldReason.SUSPECT_WORD, HoldReason.SPAM, HoldReason.LINK,
              HoldReason.NEW_USER)
STORY_DAY = timedelta(days=1)
#: Replies that reach nobody: the rest (published, or waiting to be) count in the audience.
UNSEEN_REPLIES = (CommentStatus.REJECTED, CommentStatus.DELETED)
#: Hours are counted from here so that the numbers stay small.
EPOCH = datetime(2020, 1, 1)


class hours_since_epoch(FunctionElement):
    """``created_at`` as hours since ``EPOCH``, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True


@compiles(hours_since_epoch, "sqlite")
def _hours_sqlite(element, compiler, **kw):
    return f"((julianday({compiler.process(element.clauses, **kw)}) - {_julian(EPOCH)}) * 24.0)"


@compiles(hours_since_epoch, "postgresql")
def _hours_postgresql(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return f"(CAST(EXTRACT(EPOCH FROM {column}) AS DOUBLE PRECISION) / 3600.0 - {EPOCH.timestamp() / 3600.0!r})"


def _julian(moment: datetime) -> float:
    return moment.timestamp() / 86400.0 + 2440587.5


class greatest(FunctionElement):
    """The larger of two numbers: ``max(a, b)`` on SQLite, ``GREATEST(a, b)`` on PostgreSQL."""

    type = Float()
    inherit_cache = True


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "postgresql")
def _greatest_postgresql(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


def story_day_start(now: datetime) -> datetime:
    """Return where the story's day of comments starts: 24 hours before the current hour began."""
    return now.replace(minute=0, second=0, microsecond=0) - STORY_DAY


def ranked(condition, now: datetime) -> tuple[Select, list[Key]]:
    """Return the select of the comments that meet ``condition``, with the columns ``comment_id``,
    ``priority`` and ``audience``, and the keys that order and page it, most urgent first.

    What the priority reads is worked out once per comment in a materialized CTE: the replies are
    counted and the rule holds told apart once, not at each place the priority appears (the
    select, the order and a cursor's condition).
    """
    story = (select(Comment.article_id, func.count().label("comment_count"))
             .where(Comment.status == CommentStatus.PUBLISHED, Comment.created_at >= story_day_start(now))
             .group_by(Comment.article_id).subquery("story_day"))
    reply = aliased(Comment)
    # "Not rejected or deleted" rather than "published or pending": no index serves that, so every
    # planner counts by parent_id (SQLite, without statistics, would read every published comment).
    replies = (select(func.count()).select_from(reply)
               .where(reply.parent_id == Comment.id, reply.status.not_in(UNSEEN_REPLIES))
               .correlate(Comment).scalar_subquery())
    rule_held = or_(Comment.abuse_score.is_(None), Comment.hold_reason.in_(RULE_HOLDS),
                    and_(Comment.hold_reason == HoldReason.PREMODERATION, Comment.hold_rule.is_not(None)))
    inputs = (select(
        Comment.id.label("comment_id"),
        case((rule_held, literal(UNJUDGED)), else_=Comment.abuse_score).label("abuse"),
        case((rule_held, literal(0.0)), else_=func.coalesce(Comment.off_topic_score, 0.0)).label("off_topic"),
        (AUDIENCE["reply"] * replies + AUDIENCE["like"] * Comment.reaction_count
         + AUDIENCE["story_comment"] * func.coalesce(story.c.comment_count, 0)).label("audience"),
        case((Comment.report_count > WEIGHTS["report_cap"], literal(WEIGHTS["report_cap"])),
             else_=Comment.report_count).label("reports"),
        hours_since_epoch(Comment.created_at).label("hours"))
        .outerjoin(story, story.c.article_id == Comment.article_id)
        .where(condition)
        .cte("queue_inputs").prefix_with("MATERIALIZED"))
    priority = priority_expression(inputs.c)
    stmt = select(inputs.c.comment_id, priority.label("priority"), inputs.c.audience)
    return stmt, [Key(priority, True, "priority"), Key(inputs.c.comment_id, True, "comment_id")]


def priority_expression(row) -> ColumnElement:
    """Return the SQL expression of a queued comment's priority (see the module docstring) from
    ``row``'s ``abuse`` and ``off_topic`` as the ranking reads them, ``audience``, capped
    ``reports`` and ``hours`` since the epoch."""
    harm = 1.0 - (1.0 - row.abuse) * (1.0 - OFF_TOPIC_HARM * row.off_topic)
    doubt = greatest(4.0 * row.abuse * (1.0 - row.abuse), 4.0 * row.off_topic * (1.0 - row.off_topic))
    reach = 1.0 + REACH_GAIN * row.audience / (row.audience + REACH_HALF)
    return (WEIGHTS["harm"] * harm * reach + WEIGHTS["doubt"] * doubt + WEIGHTS["report"] * row.reports
            - WEIGHTS["hour"] * row.hours)


def is_rule_held(comment: Comment) -> bool:
    """Return whether the model's scores say nothing about why ``comment`` waits (see the module docstring)."""
    return (comment.abuse_score is None or comment.hold_reason in RULE_HOLDS
            or (comment.hold_reason == HoldReason.PREMODERATION and comment.hold_rule is not None))


def reach(audience: float) -> float:
    """Return how far a comment with ``audience`` reaches, from 1 (nobody) to 3."""
    return 1.0 + REACH_GAIN * audience / (audience + REACH_HALF)


def _doubt(p: float) -> float:
    return 4.0 * p * (1.0 - p)


def points(comment: Comment, audience: float, now: datetime) -> float:
    """Return the priority of ``comment`` at ``now``, as points a moderator can read."""
    if is_rule_held(comment):
        abuse, off_topic = UNJUDGED, 0.0
    else:
        abuse, off_topic = comment.abuse_score, comment.off_topic_score or 0.0
    harm = 1.0 - (1.0 - abuse) * (1.0 - OFF_TOPIC_HARM * off_topic)
    waiting = (now - comment.created_at).total_seconds() / 3600.0
    return (WEIGHTS["harm"] * harm * reach(audience) + WEIGHTS["doubt"] * max(_doubt(abuse), _doubt(off_topic))
            + WEIGHTS["report"] * min(comment.report_count, WEIGHTS["report_cap"]) + WEIGHTS["hour"] * waiting)
