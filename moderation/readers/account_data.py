"""What the desk keeps about a reader, for their export and for the deletion of their account.

Registered with the forum at start-up (``forum.privacy.holders``), which calls it without knowing
the desk's tables.
"""
from typing import Any

from sqlalchemy import delete, select, update

from forum.api.serializers import iso
from forum.extensions import db
from forum.models import Comment, User
from moderation.models import ModerationDecision, Report, Sanction
from moderation.readers.models import ReaderFlag, ReaderNote
from moderation.rules.signatures import TextBand, TextSignature


class DeskData:
    """The reports a reader filed, the sanctions on them, the decisions on their comments; and their
    notes, pre-moderation and text signatures, which deletion removes too."""

    def export(self, user: User) -> dict[str, Any]:
        """Return the reader's reports, sanctions and the decisions on their comments (action and
        reason code; who decided and their notes stay with the desk)."""
        reports = db.session.scalars(select(Report).where(Report.reporter_id == user.id).order_by(Report.id))
        sanctions = db.session.scalars(select(Sanction).where(Sanction.user_id == user.id).order_by(Sanction.id))
        decisions = db.session.scalars(
            select(ModerationDecision).join(Comment, Comment.id == ModerationDecision.comment_id)
            .where(Comment.author_id == user.id).order_by(ModerationDecision.id))
        return {
            "reports": [{"comment_id": r.comment_id, "reason": r.reason.value, "note": r.note,
                         "created_at": iso(r.created_at)} for r in reports],
            "sanctions": [{"kind": s.kind.value, "reason": s.reason, "until": iso(s.until),
                           "created_at": iso(s.created_at), "lifted_at": iso(s.lifted_at)} for s in sanctions],
            "decisions": [{"comment_id": d.comment_id, "action": d.action.value,
                           "reason": d.reason.value if d.reason is not None else None,
                           "created_at": iso(d.created_at)} for d in decisions],
        }

    def erase(self, user: User) -> None:
        """Remove the reader's reports (each comment's count going down), sanctions, the notes on
        them, their pre-moderation and their comments' text signatures; empty the notes of the
        decisions on their comments. The decisions and the desk's audit trail stay.

        A comment hidden by reports stays hidden when one of them goes: a moderator decides it.
        """
        reported = select(Report.comment_id).where(Report.reporter_id == user.id)
        db.session.execute(update(Comment).where(Comment.id.in_(reported))
                           .values(report_count=Comment.report_count - 1)
                           .execution_options(synchronize_session=False))
        db.session.execute(delete(Report).where(Report.reporter_id == user.id))
        for model in (Sanction, ReaderNote, ReaderFlag):
            db.session.execute(delete(model).where(model.user_id == user.id))
        theirs = select(Comment.id).where(Comment.author_id == user.id)
        # A moderator's note may quote the comment or name its author; the action and reason code stay.
        db.session.execute(update(ModerationDecision).where(ModerationDecision.comment_id.in_(theirs))
                           .values(note=None).execution_options(synchronize_session=False))
        for model in (TextBand, TextSignature):
            db.session.execute(delete(model).where(model.comment_id.in_(theirs)))
