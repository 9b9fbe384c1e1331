"""Read queries about readers for the desk: the decisions moderators took on their comments."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Comment, User
from moderation.models import ModerationDecision

#: How many decisions on a reader's comments their history page shows.
DECISIONS_SHOWN = 20


def decisions_on(author: User, limit: int = DECISIONS_SHOWN) -> list[ModerationDecision]:
    """Return the latest decisions on ``author``'s comments, newest first, with the comment's article."""
    return list(db.session.scalars(
        select(ModerationDecision)
        .options(joinedload(ModerationDecision.moderator),
                 joinedload(ModerationDecision.comment).joinedload(Comment.article))
        .join(Comment, Comment.id == ModerationDecision.comment_id)
        .where(Comment.author_id == author.id)
        .order_by(ModerationDecision.created_at.desc(), ModerationDecision.id.desc())
        .limit(limit)))
