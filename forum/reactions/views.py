"""The like button: a form that toggles my like, usable without JavaScript."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

from forum.extensions import db
from forum.reactions import service
from forum.threads.service import get_comment
from forum.views import next_url

bp = Blueprint("reactions", __name__)


@bp.post("/comments/<int:comment_id>/like")
@login_required
def toggle(comment_id):
    """Like the comment, or take the like back, and return to where the button was."""
    comment = get_comment(comment_id, current_user)
    service.toggle(comment, current_user)
    db.session.commit()
    back = next_url(url_for("threads.show", comment_id=comment.id), source="form")
    return redirect(f"{back}#comment-{comment.id}")
