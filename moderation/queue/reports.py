"""Readers report a comment from the thread page (a plain form, no JavaScript needed)."""
from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, login_required

from forum.errors import ApiError
from forum.extensions import db, limiter
from forum.ratelimits import limit
from forum.threads.service import get_comment
from forum.validation import parse_form
from moderation.queue import service
from moderation.queue.schemas import ReportBody

bp = Blueprint("reports", __name__)


@bp.post("/comments/<int:comment_id>/report")
@login_required
@limiter.limit(limit("RATELIMIT_REPORT"))
def report(comment_id):
    """Record the reader's report from the thread page and go back to the comment."""
    comment = get_comment(comment_id, current_user)
    try:
        fields = parse_form(ReportBody)
        service.report(comment, current_user, fields.reason.value, fields.note)
    except ApiError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Thank you: a moderator will look at this comment.", "success")
    return redirect(url_for("threads.show", comment_id=comment.id, _anchor=f"comment-{comment.id}"))
