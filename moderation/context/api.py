"""Moderation in context over JSON: a reader's comments on a story rejected at once (API.md, Moderation)."""
from dataclasses import asdict

from flask_login import current_user

from forum.accounts.service import get_user
from forum.api.base import api_blueprint
from forum.extensions import db
from forum.openapi import operation
from forum.security import moderator_required
from forum.threads.service import get_article
from moderation.context import service
from moderation.context.schemas import RejectAllBody, RejectAllOut

bp = api_blueprint("in_context_api", __name__)


@bp.post("/moderation/articles/<article_id:article_id>/users/<username:username>/rejection")
@moderator_required
@operation(auth="moderator", body=RejectAllBody, responses={200: RejectAllOut}, errors=(404, 409))
def reject_all(article_id, username, body: RejectAllBody):
    """Reject every comment of a reader on a story not yet rejected by a moderator, in one transaction."""
    rejection = service.reject_all(get_article(article_id), get_user(username), current_user, body.reason, body.note)
    db.session.commit()
    return asdict(rejection)
