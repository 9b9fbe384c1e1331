"""Pages and forms: post, reply, edit, delete, and a comment in its thread."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.articles.views import render_article
from forum.errors import ApiError
from forum.extensions import db, limiter
from forum.models import CommentStatus
from forum.pagination import page_args
from forum.ratelimits import limit
from forum.schemas import CommentFields, EditFields
from forum.threads import queries, service
from forum.threads.forms import ActionForm, CommentForm, EditForm
from forum.threads.staff_view import staff_view
from forum.validation import parse_form

bp = Blueprint("threads", __name__)

HELD_MESSAGES = {
    CommentStatus.PENDING: "Thanks: your comment is awaiting review by a moderator before others can see it.",
    CommentStatus.REJECTED: "Your comment was not published: it breaks the community guidelines. "
                            "A moderator can still review it.",
}

#: Why a reply cannot attach to its parent: the reader needs telling, though the body is fine.
PARENT_ERRORS = {"comment_not_found", "parent_deleted", "parent_not_published", "parent_on_other_article"}


def comment_url(comment) -> str:
    return url_for("threads.show", comment_id=comment.id, _anchor=f"comment-{comment.id}")


def _announce(comment) -> None:
    if comment.status in HELD_MESSAGES:
        flash(HELD_MESSAGES[comment.status], "warning")
    else:
        flash("Your comment is published.", "success")


@bp.post("/articles/<article_id:article_id>/comments")
@login_required
@limiter.limit(limit("RATELIMIT_POST"))
def post(article_id):
    article = service.get_article(article_id)
    form = CommentForm()
    try:
        fields = parse_form(CommentFields)
        comment = service.post_comment(article, current_user, fields.body, parent_id=fields.parent_id,
                                       submission_key=fields.submission_key, nudge=fields.nudge)
    except ApiError as error:
        db.session.rollback()
        # Warned once, the reader may send the same text again as it is: the form then posts it anyway.
        form.nudged = isinstance(error, service.MayBreakGuidelines)
        if error.code in PARENT_ERRORS:
            # The page shows no reply box under such a parent, so the message goes on top.
            flash(error.message, "error")
        else:
            form.body.errors = [error.message]
        return render_article(article, form, status=error.status)
    db.session.commit()
    _announce(comment)
    return redirect(comment_url(comment))


@bp.get("/comments/<int:comment_id>")
def show(comment_id):
    """A comment in its conversation: what it answers, then a page of its replies (``?cursor=``)."""
    comment, hidden = service.get_thread_comment(comment_id, current_user)
    conversation = queries.conversation(comment, current_user, hidden=hidden, **page_args())
    rows = queries.flatten(conversation.replies.nodes)
    shown = [node.comment for node in (*conversation.ancestors, conversation.focus)]
    return render_template("threads/show.html", comment=comment, article=comment.article,
                           conversation=conversation, rows=rows, form=CommentForm(formdata=None),
                           staff_view=staff_view(shown + [row.node.comment for row in rows], current_user))


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id):
    comment = service.get_comment(comment_id, current_user)
    if comment.author_id != current_user.id:
        abort(403)
    form = EditForm(body=comment.body)
    status = 200
    if request.method == "POST":
        try:
            service.edit_comment(comment, current_user, parse_form(EditFields).body)
        except ApiError as error:
            db.session.rollback()
            form.body.errors = [error.message]
            status = error.status
        else:
            db.session.commit()
            _announce(comment)
            return redirect(comment_url(comment))
    return render_template("threads/edit.html", comment=comment, form=form,
                           editable=service.is_editable(comment)), status


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id):
    ActionForm().validate()
    comment = service.get_comment(comment_id, current_user)
    service.delete_comment(comment, current_user)
    db.session.commit()
    flash("Your comment is deleted.", "info")
    return redirect(url_for("articles.show", article_id=comment.article.external_id))
