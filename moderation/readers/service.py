"""Pre-moderation of readers (by a moderator or by the rejections rule), notes on readers, and the audit trail.

Services add and flush; the caller commits once.
"""
from datetime import datetime, timedelta

from sqlalchemy import delete, distinct, func, select
from sqlalchemy.orm import joinedload

from forum.errors import Forbidden
from forum.extensions import db
from forum.models import Comment, User, utcnow
from forum.pagination import Key, paginate
from forum.privacy import deletion
from forum.sql import insert_if_absent
from moderation import settings
from moderation.models import ModerationDecision
from moderation.readers.models import ReaderAudit, ReaderFlag, ReaderNote
from moderation.vocabulary import DecisionAction

PREMODERATION_ON, PREMODERATION_OFF = "premoderation_on", "premoderation_off"
#: A moderator deleted the reader's account; the entry's ``detail`` is the account's former username.
ACCOUNT_DELETED = "account_deleted"
#: The notes shown beside each queue item (the history page shows them all).
NOTES_BESIDE_ITEMS = 3


def is_premoderated(user_id: int) -> bool:
    """Return whether every new comment of the reader waits for a moderator."""
    return db.session.get(ReaderFlag, user_id) is not None


def premoderate(user: User, moderator: User | None, *, detail: str | None = None) -> bool:
    """Put ``user`` on pre-moderation (``moderator`` None: the desk's rule did); return whether it is new."""
    if moderator is not None:
        _check_target(user, moderator)
    now = utcnow()
    # Of two moderators putting the reader on it at once, one writes the flag (and the audit row);
    # the other's INSERT had failed on the primary key.
    if not insert_if_absent(ReaderFlag, user_id=user.id, set_by_id=moderator.id if moderator else None,
                            automatic=moderator is None, created_at=now):
        return False
    _audit(user, moderator, PREMODERATION_ON, detail, now)
    return True


def release(user: User, moderator: User) -> bool:
    """Take ``user`` off pre-moderation; return whether they were on it."""
    _check_target(user, moderator)
    # A bulk DELETE: of two releases at once, the second deletes nothing and says so (an ORM delete
    # of the row already gone fails the flush).
    if not db.session.execute(delete(ReaderFlag).where(ReaderFlag.user_id == user.id)).rowcount:
        return False
    _audit(user, moderator, PREMODERATION_OFF, None, utcnow())
    return True


def _check_target(user: User, moderator: User) -> None:
    if user.is_moderator:
        raise Forbidden(f"{user.username} is a {user.role.value}: staff comments are not pre-moderated.",
                        code="staff_premoderation")


def _audit(user: User, moderator: User | None, action: str, detail: str | None, now: datetime) -> None:
    db.session.add(ReaderAudit(user_id=user.id, moderator_id=moderator.id if moderator else None, action=action,
                               automatic=moderator is None, detail=detail, created_at=now))
    db.session.flush()


def premoderate_if_rejected_often(author: User, now: datetime) -> bool:
    """Put ``author`` on pre-moderation when their rejections reach the settings' K within D days.

    Rejections from before a moderator last took the reader off pre-moderation do not count again:
    the moderator weighed them.
    """
    needed, days = settings.get("auto_premoderation_rejections"), settings.get("auto_premoderation_days")
    if needed <= 0 or author.is_moderator or is_premoderated(author.id):
        return False
    since = max(now - timedelta(days=days), _last_release(author) or datetime.min)
    rejected = db.session.scalar(
        select(func.count(distinct(ModerationDecision.comment_id)))
        .join(Comment, Comment.id == ModerationDecision.comment_id)
        .where(Comment.author_id == author.id, ModerationDecision.action == DecisionAction.REJECT,
               ModerationDecision.created_at >= since))
    if rejected < needed:
        return False
    return premoderate(author, None, detail=f"automatic: {rejected} rejections in {days} days")


def _last_release(author: User) -> datetime | None:
    return db.session.scalar(select(func.max(ReaderAudit.created_at))
                             .where(ReaderAudit.user_id == author.id, ReaderAudit.action == PREMODERATION_OFF))


def standing(user: User) -> dict:
    """Return the reader's pre-moderation and its audit trail, newest first."""
    flag = db.session.get(ReaderFlag, user.id)
    audit = db.session.scalars(select(ReaderAudit).options(joinedload(ReaderAudit.moderator))
                               .where(ReaderAudit.user_id == user.id)
                               .order_by(ReaderAudit.id.desc()))
    return {"premoderated": flag is not None, "automatic": bool(flag and flag.automatic),
            "since": flag.created_at if flag else None, "audit": list(audit)}


def add_note(user: User, author: User, text: str) -> ReaderNote:
    """Write ``author``'s note on ``user``."""
    note = ReaderNote(user_id=user.id, author_id=author.id, text=text, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    return note


def notes_of(user: User) -> list[ReaderNote]:
    """Return every note on ``user``, newest first."""
    return list(db.session.scalars(_notes().where(ReaderNote.user_id == user.id)))


def latest_notes(user_ids) -> dict[int, tuple[int, list[ReaderNote]]]:
    """Return {reader id: (note count, their latest notes)} for the readers of a queue page, in two queries."""
    if not user_ids:
        return {}
    counts = dict(db.session.execute(select(ReaderNote.user_id, func.count()).where(
        ReaderNote.user_id.in_(user_ids)).group_by(ReaderNote.user_id)).tuples().all())
    latest: dict[int, list[ReaderNote]] = {}
    ranked = func.row_number().over(partition_by=ReaderNote.user_id,
                                    order_by=(ReaderNote.created_at.desc(), ReaderNote.id.desc())).label("rank")
    inner = select(ReaderNote.id, ranked).where(ReaderNote.user_id.in_(counts)).subquery()
    for note in db.session.scalars(_notes().join(inner, inner.c.id == ReaderNote.id)
                                   .where(inner.c.rank <= NOTES_BESIDE_ITEMS)):
        latest.setdefault(note.user_id, []).append(note)
    return {user_id: (count, latest.get(user_id, [])) for user_id, count in counts.items()}


def _notes():
    return (select(ReaderNote).options(joinedload(ReaderNote.author))
            .order_by(ReaderNote.created_at.desc(), ReaderNote.id.desc()))


def delete_account(user: User, moderator: User) -> None:
    """Delete ``user``'s account as its reader's own deletion does, and record who did it in the audit trail.

    Moderators delete readers' accounts; only admins delete staff's; nobody deletes their own here.

    :raise Forbidden: ``self_deletion`` or ``staff_deletion``.
    """
    if user.id == moderator.id:
        raise Forbidden("You cannot delete your own account from the desk; use DELETE /api/v1/me.",
                        code="self_deletion")
    if user.is_moderator and not moderator.is_admin:
        raise Forbidden(f"{user.username} is a {user.role.value}: only an admin can delete their account.",
                        code="staff_deletion")
    former = deletion.delete_account(user)
    _audit(user, moderator, ACCOUNT_DELETED, former, utcnow())


def deletions(*, cursor=None, limit=20):
    """Return a page of the accounts moderators deleted, newest first, with who deleted each."""
    stmt = (select(ReaderAudit).options(joinedload(ReaderAudit.moderator), joinedload(ReaderAudit.user))
            .where(ReaderAudit.action == ACCOUNT_DELETED))
    keys = [Key(ReaderAudit.created_at, True, "created_at"), Key(ReaderAudit.id, True, "id")]
    return paginate(stmt, keys, cursor=cursor, limit=limit, session=db.session)
