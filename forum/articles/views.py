"""Pages: the articles index and an article with its thread."""
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from forum.extensions import db
from forum.models import Article
from forum.schemas import ThreadQuery
from forum.threads import queries
from forum.threads.forms import CommentForm
from forum.threads.service import get_article
from forum.validation import parse_query

bp = Blueprint("articles", __name__)


@bp.get("/")
def index():
    articles = db.session.scalars(select(Article).order_by(Article.created_at.desc(), Article.id.desc())
                                  .limit(100)).all()
    counts = queries.published_count([a.id for a in articles])
    return render_template("articles/index.html", articles=articles, counts=counts)


@bp.get("/articles/<article_id:article_id>")
def show(article_id):
    return render_article(get_article(article_id))


def render_article(article: Article, form: CommentForm | None = None, status: int = 200):
    """Render the article and a page of its thread; ``form`` carries a failed post back to the reader."""
    query = parse_query(ThreadQuery)
    sort = query.sort or "newest"
    page = queries.thread_page(article, current_user, sort=sort, **query.page())
    return render_template(
        "articles/show.html",
        article=article,
        page=page,
        sort=sort,
        comment_count=queries.published_count([article.id]).get(article.id, 0),
        rows=queries.flatten(page.nodes),
        form=form or CommentForm(formdata=None),
    ), status
