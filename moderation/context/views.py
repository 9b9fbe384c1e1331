"""Moderation in context: the thread page's forms to decide a comment in place, or all of a reader's on the story.

Each form comes back to the page it was sent from (its ``next``), at the comment, with a flash:
a decision someone else took first is said there, as the queue says it.
"""
from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from forum.accounts.service import get_user
from forum.errors import ApiError
from forum.extensions import db
from forum.headers import never_framed
from forum.models import Article, User
from forum.security import moderator_required
from forum.threads.service import get_article, get_comment
from forum.validation import parse_form
from forum.views import next_url
from moderation.context import service
from moderation.context.schemas import InPlaceDecisionFields, RejectAllFields
from moderation.vocabulary import REJECTION_LABELS, DecisionAction

bp = never_framed(Blueprint("in_context", __name__, url_prefix="/moderation/thread"))


def _back_to(article: Article, comment_id: int | None) -> str:
    """Return the page the form was on (the article's thread by default), at ``comment_id``'s anchor."""
    page = next_url(url_for("articles.show", article_id=article.external_id), source="form").partition("#")[0]
    return f"{page}#comment-{comment_id}" if comment_id is not None else f"{page}#comments"


def _decided_words(comment_id: int, action: DecisionAction, reason) -> str:
    if action == DecisionAction.APPROVE:
        return f"Approved comment {comment_id}: it is published."
    if action == DecisionAction.ESCALATE:
        return f"Escalated comment {comment_id}: an admin decides it."
    return f"Rejected comment {comment_id}: {REJECTION_LABELS[reason]}."


def _rejected_words(author: User, rejection: service.Rejection) -> str:
    if not rejection.rejected and not rejection.left_for_admins:
        return f"{author.username} has no comment on this story left to reject."
    noun = "comment" if rejection.rejected == 1 else "comments"
    words = f"Rejected {rejection.rejected} {noun} of {author.username} on this story."
    if rejection.left_for_admins:
        words += f" {rejection.left_for_admins} escalated, left for an admin."
    return words


@bp.post("/comments/<int:comment_id>/decision")
@moderator_required
def decide(comment_id):
    """Approve, reject or escalate a comment where it stands in its thread (a published one too)."""
    fields = parse_form(InPlaceDecisionFields)
    comment = get_comment(comment_id, current_user)
    back = _back_to(comment.article, comment_id)
    try:
        decision = service.decide_in_place(comment, current_user, fields.seen_decision, **fields.decision())
    except ApiError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_decided_words(comment_id, decision.action, decision.reason), "success")
    return redirect(back)


@bp.post("/articles/<article_id:article_id>/users/<username:username>/rejection")
@moderator_required
def reject_all(article_id, username):
    """Reject every comment of the reader on the story that no moderator has rejected yet."""
    fields = parse_form(RejectAllFields)
    article, author = get_article(article_id), get_user(username)
    back = _back_to(article, fields.comment_id)
    try:
        rejection = service.reject_all(article, author, current_user, fields.reason, fields.note)
    except ApiError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_rejected_words(author, rejection), "success")
    return redirect(back)
