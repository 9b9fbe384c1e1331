"""Likes over JSON: POST adds mine (idempotent), DELETE takes it back; both answer the count."""
from forum.api.base import bp
from forum.extensions import db
from forum.openapi import operation
from forum.reactions import service
from forum.schemas import ReactionCount
from forum.security import authenticated_user
from forum.threads.service import get_comment


@bp.post("/comments/<int:comment_id>/reactions")
@operation(auth="user", responses={200: ReactionCount}, errors=(409,))
def like(comment_id):
    """Add the caller's like (idempotent); answer the count."""
    user = authenticated_user()
    count = service.like(get_comment(comment_id, user), user)
    db.session.commit()
    return {"reaction_count": count}


@bp.delete("/comments/<int:comment_id>/reactions")
@operation(auth="user", responses={200: ReactionCount})
def unlike(comment_id):
    """Take back the caller's like, if any; answer the count."""
    user = authenticated_user()
    count = service.unlike(get_comment(comment_id, user), user)
    db.session.commit()
    return {"reaction_count": count}
