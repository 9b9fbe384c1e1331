"""Moderators' business rules: reports, decisions, sanctions and roles.

Services add and flush; the caller commits once. A decision is a conditional UPDATE on the comment
("only if it is still as I saw it"), so of two moderators deciding at once exactly one wins and the
other gets a 409 saying who was first.
"""
from collections import Counter
from datetime import timedelta

from sqlalchemy import exc, func, or_, select, update

from forum.accounts.service import ensure_can_participate
from forum.errors import Conflict, Forbidden, Invalid
from forum.extensions import db
from forum.models import Comment, CommentStatus, HoldReason, Role, User, utcnow
from forum.notifications.service import notify_decision
from forum.signals import comment_published
from moderation import settings
from moderation.models import ModerationDecision, Report, Sanction
from moderation.queue import alerts, events
from moderation.queue.queries import in_queue, is_queued, queue_reason, reports_since_decision
from moderation.readers.service import premoderate_if_rejected_often
from moderation.vocabulary import REJECTION_LABELS, DecisionAction, RejectionReason, SanctionKind

MAX_SUSPENSION_DAYS = 3650
NOTE_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 500
#: The rejection a moderator most likely means when they give no reason, from why the comment waits.
DEFAULT_REJECTIONS = {HoldReason.ABUSE: RejectionReason.ABUSIVE, HoldReason.OFF_TOPIC: RejectionReason.OFF_TOPIC}


def report(comment: Comment, reporter: User, reason, note=None) -> Report:
    """Record ``reporter``'s report, which queues the comment; hide it once enough readers reported it.

    Only reports made since the last moderator decision count toward hiding, so an approved comment
    is not hidden again by the reports a moderator has already weighed.
    """
    ensure_can_participate(reporter)
    if comment.author_id == reporter.id:
        raise Forbidden("You cannot report your own comment; delete or edit it instead.", code="own_comment")
    if comment.status == CommentStatus.DELETED:
        raise Conflict("That comment was deleted.", code="comment_deleted")
    if db.session.scalar(select(Report.id).where(Report.comment_id == comment.id,
                                                 Report.reporter_id == reporter.id)) is not None:
        raise Conflict("You have already reported this comment.", code="already_reported")
    row = Report(comment_id=comment.id, reporter_id=reporter.id, reason=reason, note=note, created_at=utcnow())
    db.session.add(row)
    try:
        db.session.flush()
    except exc.IntegrityError:
        raise Conflict("You have already reported this comment.", code="already_reported") from None
    db.session.execute(update(Comment).where(Comment.id == comment.id)
                       .values(report_count=Comment.report_count + 1))
    db.session.refresh(comment, ["report_count", "status", "hold_reason", "decided_at"])
    _hide_if_reported_enough(comment)
    events.comment_reported(comment, row)
    alerts.check_queue_size()
    return row


def _hide_if_reported_enough(comment: Comment) -> None:
    recent = db.session.scalar(select(func.count()).select_from(reports_since_decision(comment).subquery()))
    if comment.is_published and recent >= settings.get("report_hide_threshold"):
        # An escalated comment stays escalated: hidden now, still the admins' to decide.
        comment.status = CommentStatus.PENDING
        comment.hold_reason = comment.hold_reason or HoldReason.REPORTED
        db.session.flush()


def default_rejection(comment: Comment, reports: list[Report] | None = None) -> RejectionReason:
    """Return the reason of a rejection given none: the readers' commonest report, or the hold's.

    ``reports`` are all the comment's reports where the caller has them loaded (the queue page's
    items have), which saves a query per item.
    """
    if queue_reason(comment) == HoldReason.REPORTED:
        commonest = _commonest_report(comment, reports)
        if commonest is not None:
            return RejectionReason(commonest)
    if comment.hold_reason in DEFAULT_REJECTIONS:
        return DEFAULT_REJECTIONS[comment.hold_reason]
    try:
        # A hold that is also a rejection code (spam, off_topic) names itself.
        return RejectionReason(comment.hold_reason)
    except ValueError:
        return RejectionReason.OTHER


def _commonest_report(comment: Comment, reports: list[Report] | None):
    """Return the commonest reason of the reports since the last decision (the earliest on a tie), or None."""
    if reports is None:
        recent = reports_since_decision(comment).subquery()
        return db.session.scalar(select(recent.c.reason).group_by(recent.c.reason)
                                 .order_by(func.count().desc(), func.min(recent.c.id)).limit(1))
    tally = Counter(r.reason for r in sorted(reports, key=lambda r: r.id)
                    if comment.decided_at is None or r.created_at > comment.decided_at)
    # max() keeps the first of equal counts, and the tally counts in the reports' order.
    return max(tally, key=tally.get) if tally else None


def _check_decision(comment: Comment, moderator: User, action: DecisionAction, *, queued: bool,
                    published_too: bool) -> None:
    # Out of the queue, only a published comment can still be taken down (or handed to the admins).
    if not queued and not (published_too and comment.is_published and action != DecisionAction.APPROVE):
        if comment.is_published and comment.decided_at is None:
            # A published comment nobody held or decided: there is nothing to approve.
            raise Conflict(f"Comment {comment.id} is published and not in the queue: there is nothing to "
                           f"approve.", code="already_decided")
        raise _already_decided(comment)
    if comment.hold_reason == HoldReason.ESCALATED and not moderator.is_admin:
        raise Forbidden("This comment was escalated: an admin decides it.", code=HoldReason.ESCALATED)
    if action == DecisionAction.ESCALATE and comment.hold_reason == HoldReason.ESCALATED:
        raise Conflict("This comment is already escalated to the admins.", code="already_escalated")


def _already_decided(comment: Comment) -> Conflict:
    last = db.session.execute(
        select(ModerationDecision.action, User.username)
        .outerjoin(User, User.id == ModerationDecision.moderator_id)
        .where(ModerationDecision.comment_id == comment.id)
        .order_by(ModerationDecision.id.desc()).limit(1)
    ).first()
    who = f" by {last.username} ({last.action})" if last is not None and last.username else ""
    return Conflict(f"Comment {comment.id} was already decided{who}; it is no longer in the queue.",
                    code="already_decided")


def _claim(comment: Comment, action: DecisionAction, now, *, published_too: bool = False) -> bool:
    """Apply ``action`` only if the comment is still as the moderator saw it; return whether it was.

    An escalation is not a decision: it sets no ``decided_at``, so the comment stays in the queue
    (whatever its status) until an admin approves or rejects it.
    """
    decidable = or_(in_queue(), Comment.status == CommentStatus.PUBLISHED) if published_too else in_queue()
    if action == DecisionAction.APPROVE:
        values = {"status": CommentStatus.PUBLISHED, "hold_reason": None, "decided_at": now}
    elif action == DecisionAction.REJECT:
        values = {"status": CommentStatus.REJECTED, "decided_at": now}
    else:
        values = {"hold_reason": HoldReason.ESCALATED}
    try:
        result = db.session.execute(
            update(Comment)
            .where(Comment.id == comment.id, decidable, Comment.status == comment.status,
                   Comment.hold_reason.is_not_distinct_from(comment.hold_reason),
                   Comment.decided_at.is_not_distinct_from(comment.decided_at),
                   # An edit since the moderator read the comment wins: they decide on the new text.
                   Comment.edited_at.is_not_distinct_from(comment.edited_at))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    except exc.OperationalError:
        # SQLite answers "database is locked" to the second of two simultaneous writers.
        db.session.rollback()
        return False
    return result.rowcount == 1


def decide(comment: Comment, moderator: User, action, reason=None, note=None, *,
           published_too: bool = False) -> ModerationDecision:
    """Approve, reject or escalate a queued comment, log it, and tell the author.

    Only a rejection has a ``reason`` (a ``RejectionReason`` code; by default the one the hold or
    the reports suggest); any action may carry a free-text ``note``, which is never a label.
    ``published_too``: a published comment out of the queue may be rejected or escalated as well,
    as a moderator reading the thread does.

    :raise Conflict: the comment left the queue (another moderator was first).
    """
    if reason is not None and action != DecisionAction.REJECT:
        raise Invalid("Only a rejection has a reason; write anything else in 'note'.", code="invalid_reason",
                      payload={"field": "reason"})
    queued = is_queued(comment)
    _check_decision(comment, moderator, action, queued=queued, published_too=published_too)
    if action == DecisionAction.REJECT and reason is None:
        reason = default_rejection(comment)
    now = utcnow()
    held_for, was_published = queue_reason(comment) if queued else None, comment.is_published
    if not _claim(comment, action, now, published_too=published_too):
        db.session.expire(comment)
        raise _already_decided(db.session.get(Comment, comment.id))
    decision = ModerationDecision(
        comment_id=comment.id, moderator_id=moderator.id, action=action, reason=reason, note=note,
        hold_reason=held_for, abuse_score=comment.abuse_score, off_topic_score=comment.off_topic_score,
        model_version=comment.model_version, comment_created_at=comment.created_at, created_at=now,
    )
    db.session.add(decision)
    db.session.flush()
    db.session.refresh(comment, ["status", "hold_reason", "decided_at"])
    events.comment_decided(comment, decision, moderator)
    alerts.check_queue_size()  # a decision may bring the queue back under the limit: the alert re-arms
    if action == DecisionAction.REJECT:
        premoderate_if_rejected_often(db.session.get(User, comment.author_id), now)
    if action == DecisionAction.APPROVE and was_published:
        # The readers' reports were weighed and the comment stays as it was: nothing to announce.
        return decision
    if action == DecisionAction.APPROVE:
        comment_published.send(comment)
    notify_decision(comment, moderator, action, REJECTION_LABELS.get(reason) if reason is not None else None)
    return decision


def _check_sanctionable(user: User, moderator: User) -> None:
    if user.id == moderator.id:
        raise Forbidden("You cannot sanction yourself.", code="self_sanction")
    if user.is_moderator:
        raise Forbidden(f"{user.username} is a {user.role.value}: an admin must change their role first.",
                        code="staff_sanction")


def sanction(user: User, moderator: User, days, reason) -> Sanction:
    """Suspend ``user`` for ``days`` days, or ban them when ``days`` is None; a new sanction replaces the old."""
    _check_sanctionable(user, moderator)
    now = utcnow().replace(microsecond=0)
    _close_sanctions(user, now)
    until = now + timedelta(days=days) if days is not None else None
    user.banned_at = None if days is not None else now
    user.suspended_until = until
    user.sanction_reason = reason
    kind = SanctionKind.SUSPEND if days is not None else SanctionKind.BAN
    row = Sanction(user_id=user.id, moderator_id=moderator.id, kind=kind, reason=reason, until=until, created_at=now)
    db.session.add(row)
    db.session.flush()
    events.user_sanctioned(user, moderator, row)
    return row


def lift(user: User, moderator: User) -> None:
    """Lift ``user``'s suspension or ban (nothing happens if there is none)."""
    _check_sanctionable(user, moderator)
    was_sanctioned = user.banned_at is not None or user.suspended_until is not None
    _close_sanctions(user, utcnow())
    user.banned_at = user.suspended_until = user.sanction_reason = None
    db.session.flush()
    if was_sanctioned:
        events.user_sanctioned(user, moderator, None)


def _close_sanctions(user: User, now) -> None:
    db.session.execute(update(Sanction).where(Sanction.user_id == user.id, Sanction.lifted_at.is_(None))
                       .values(lifted_at=now))


def change_role(user: User, admin: User, role) -> None:
    """Give ``user`` the role ``role``; an admin cannot demote themselves (someone must stay admin)."""
    try:
        role = Role(role)
    except ValueError:
        raise Invalid("'role' must be reader, moderator or admin.", code="invalid_role",
                      payload={"field": "role"}) from None
    if user.id == admin.id and role != Role.ADMIN:
        raise Forbidden("You cannot take away your own admin role; ask another admin.", code="self_demotion")
    user.role = role
    db.session.flush()
