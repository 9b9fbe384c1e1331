"""Pages: the articles index, an article with its thread, and a moderator's switch of its mode."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from forum.articles.service import set_moderation_mode
from forum.errors import ApiError
from forum.extensions import db
from forum.models import Article, ModerationMode
from forum.schemas import ModerationModeBody, ThreadQuery
from forum.security import can_moderate, moderator_required
from forum.threads import queries
from forum.threads.counts import published_count, published_counts
from forum.threads.forms import CommentForm
from forum.threads.service import get_article
from forum.threads.staff_view import staff_view
from forum.validation import parse_form, parse_query

bp = Blueprint("articles", __name__)

#: What the thread page's moderator control says after each switch.
MODE_SWITCHED = {
    ModerationMode.POST: "Comments on this story are open again: they appear at once, screened as usual.",
    ModerationMode.PRE: "Every new comment on this story now waits for a moderator.",
    ModerationMode.CLOSED: "This story is closed: nobody can comment until it is reopened.",
}

#: How the control describes each mode, and what its buttons to switch to the others say.
MODE_DESCRIPTION = {
    ModerationMode.POST: "comments appear at once",
    ModerationMode.PRE: "every comment waits for a moderator",
    ModerationMode.CLOSED: "closed",
}
SWITCH_LABELS = ((ModerationMode.PRE, "Pre-moderate"), (ModerationMode.CLOSED, "Close"),
                 (ModerationMode.POST, "Post-moderate"))


def mode_switches(current: ModerationMode) -> list[tuple[str, str]]:
    """Return the (mode, button label) pairs a moderator may switch ``current`` to."""
    return [(mode.value, "Reopen" if mode == ModerationMode.POST and current == ModerationMode.CLOSED else label)
            for mode, label in SWITCH_LABELS if mode != current]


@bp.get("/")
def index():
    articles = db.session.scalars(select(Article).order_by(Article.created_at.desc(), Article.id.desc())
                                  .limit(100)).all()
    counts = published_counts([a.id for a in articles])
    return render_template("articles/index.html", articles=articles, counts=counts)


@bp.get("/articles/<article_id:article_id>")
def show(article_id):
    return render_article(get_article(article_id))


def render_article(article: Article, form: CommentForm | None = None, status: int = 200):
    """Render the article and a page of its thread; ``form`` carries a failed post back to the reader."""
    query = parse_query(ThreadQuery)
    sort = query.sort or "newest"
    page = queries.thread_page(article, current_user, sort=sort, **query.page())
    rows = queries.flatten(page.nodes)
    return render_template(
        "articles/show.html",
        article=article,
        page=page,
        sort=sort,
        comment_count=published_count(article.id),
        rows=rows,
        staff_view=staff_view([row.node.comment for row in rows], current_user),
        form=form or CommentForm(formdata=None),
        mode_switches=mode_switches(article.moderation_mode)
        if current_user.is_authenticated and can_moderate(current_user) else None,
        mode_description=MODE_DESCRIPTION[article.moderation_mode],
    ), status


@bp.post("/articles/<article_id:article_id>/moderation-mode")
@login_required
@moderator_required
def set_mode(article_id):
    """Switch the story to post-moderation, pre-moderation or closed from its thread page."""
    article = get_article(article_id)
    try:
        fields = parse_form(ModerationModeBody)
        set_moderation_mode(article, fields.moderation_mode, current_user)
    except ApiError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(MODE_SWITCHED[article.moderation_mode], "success")
    return redirect(url_for("articles.show", article_id=article.external_id, _anchor="comments"))
