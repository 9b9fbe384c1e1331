"""Moderators' business rules: reports, decisions, sanctions and roles.

Services add and flush; the caller commits once. A decision is a conditional UPDATE on the comment
("only if it is still as I saw it"), so of two moderators deciding at once exactly one wins and the
other gets a 409 saying who was first.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import exc, func, select, update

from forum.accounts.service import ensure_can_participate
from forum.errors import Conflict, Forbidden, Invalid
from forum.extensions import db
from forum.models import Comment, CommentStatus, Report, Role, User, utcnow
from forum.notifications.service import notify_decision
from forum.signals import comment_published
from forum.validation import clean_text
from moderation.models import ModerationDecision, Sanction

REPORT_REASONS = {"abusive": "Abusive", "off_topic": "Off-topic", "spam": "Spam", "other": "Other"}
ACTIONS = ("approve", "reject", "escalate")
#: Why a moderator rejects; a free note may follow after ": ". The learning loop reads the prefix.
REJECT_REASONS = {"abuse": "Abusive or insulting", "off_topic": "Off-topic", "spam": "Spam or advertising",
                  "other": "Breaks the guidelines"}
MAX_SUSPENSION_DAYS = 3650
NOTE_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 500


def report(comment: Comment, reporter: User, reason, note=None) -> Report:
    """Record ``reporter``'s report; hide the comment once enough distinct readers reported it.

    Only reports made since the last moderator decision count toward hiding, so an approved comment
    is not hidden again by the reports a moderator has already weighed.
    """
    ensure_can_participate(reporter)
    if comment.author_id == reporter.id:
        raise Forbidden("You cannot report your own comment; delete or edit it instead.", code="own_comment")
    if comment.status == CommentStatus.DELETED:
        raise Conflict("That comment was deleted.", code="comment_deleted")
    if reason not in REPORT_REASONS:
        raise Invalid("'reason' must be one of " + ", ".join(REPORT_REASONS) + ".", code="invalid_reason",
                      payload={"field": "reason"})
    note = clean_text(note, "note", max_length=NOTE_MAX_LENGTH, required=False)
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
    db.session.refresh(comment, ["report_count", "status", "hold_reason"])
    _hide_if_reported_enough(comment)
    return row


def _hide_if_reported_enough(comment: Comment) -> None:
    recent = select(func.count()).select_from(Report).where(Report.comment_id == comment.id)
    if comment.decided_at is not None:
        recent = recent.where(Report.created_at > comment.decided_at)
    if comment.is_published and db.session.scalar(recent) >= current_app.config["REPORT_HIDE_THRESHOLD"]:
        comment.status, comment.hold_reason = CommentStatus.PENDING, "reported"
        db.session.flush()


def _reject_reason(comment: Comment, reason: str | None) -> str:
    """Return the stored reason of a rejection: a known reason, optionally ``": "`` and a note."""
    if reason is None:
        return comment.hold_reason if comment.hold_reason in REJECT_REASONS else "other"
    head, _, note = reason.partition(":")
    if head.strip() in REJECT_REASONS:
        return f"{head.strip()}: {note.strip()}" if note.strip() else head.strip()
    return f"other: {reason}"


def _check_decision(comment: Comment, moderator: User, action) -> None:
    if action not in ACTIONS:
        raise Invalid("'action' must be approve, reject or escalate.", code="invalid_action",
                      payload={"field": "action"})
    if not comment.is_awaiting_review:
        raise _already_decided(comment)
    if comment.hold_reason == "escalated" and not moderator.is_admin:
        raise Forbidden("This comment was escalated: an admin decides it.", code="escalated")
    if action == "escalate" and comment.hold_reason == "escalated":
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


def _claim(comment: Comment, action: str, now) -> bool:
    """Apply ``action`` only if the comment is still as the moderator saw it; return whether it was."""
    values = {"decided_at": now}
    if action == "approve":
        values.update(status=CommentStatus.PUBLISHED, hold_reason=None)
    elif action == "reject":
        values.update(status=CommentStatus.REJECTED)
    else:
        values.update(hold_reason="escalated")
    try:
        result = db.session.execute(
            update(Comment)
            .where(Comment.id == comment.id, Comment.is_awaiting_review, Comment.status == comment.status,
                   Comment.hold_reason == comment.hold_reason,
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


def decide(comment: Comment, moderator: User, action, reason=None) -> ModerationDecision:
    """Approve, reject or escalate a queued comment, log it, and tell the author.

    :raise Conflict: the comment left the queue (another moderator was first).
    """
    _check_decision(comment, moderator, action)
    reason = clean_text(reason, "reason", max_length=REASON_MAX_LENGTH, required=False)
    if action == "reject":
        reason = _reject_reason(comment, reason)
    now = utcnow()
    held_for = comment.hold_reason
    if not _claim(comment, action, now):
        db.session.expire(comment)
        raise _already_decided(db.session.get(Comment, comment.id))
    decision = ModerationDecision(
        comment_id=comment.id, moderator_id=moderator.id, action=action, reason=reason, hold_reason=held_for,
        abuse_score=comment.abuse_score, off_topic_score=comment.off_topic_score,
        model_version=comment.model_version, comment_created_at=comment.created_at, created_at=now,
    )
    db.session.add(decision)
    db.session.flush()
    db.session.refresh(comment, ["status", "hold_reason", "decided_at"])
    if action == "approve":
        comment_published.send(comment)
    notify_decision(comment, moderator, action)
    return decision




def days_field(value) -> int | None:
    """Return a suspension length in days, None for a ban, or raise ``Invalid``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SUSPENSION_DAYS:
        raise Invalid(f"'days' must be a whole number from 1 to {MAX_SUSPENSION_DAYS} (omit it for a ban).",
                      code="invalid_days", payload={"field": "days"})
    return value


def _check_sanctionable(user: User, moderator: User) -> None:
    if user.id == moderator.id:
        raise Forbidden("You cannot sanction yourself.", code="self_sanction")
    if user.is_moderator:
        raise Forbidden(f"{user.username} is a {user.role.value}: an admin must change their role first.",
                        code="staff_sanction")


def sanction(user: User, moderator: User, days, reason) -> Sanction:
    """Suspend ``user`` for ``days`` days, or ban them when ``days`` is None; a new sanction replaces the old."""
    days = days_field(days)
    reason = clean_text(reason, "reason", max_length=REASON_MAX_LENGTH, required=True)
    _check_sanctionable(user, moderator)
    now = utcnow().replace(microsecond=0)
    _close_sanctions(user, now)
    until = now + timedelta(days=days) if days is not None else None
    user.banned_at = None if days is not None else now
    user.suspended_until = until
    user.sanction_reason = reason
    row = Sanction(user_id=user.id, moderator_id=moderator.id, kind="suspend" if days else "ban",
                   reason=reason, until=until, created_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def lift(user: User, moderator: User) -> None:
    """Lift ``user``'s suspension or ban (nothing happens if there is none)."""
    _check_sanctionable(user, moderator)
    _close_sanctions(user, utcnow())
    user.banned_at = user.suspended_until = user.sanction_reason = None
    db.session.flush()


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
