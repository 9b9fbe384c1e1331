"""The publisher's endpoints: register and update articles, read one back; comment counts for a page of them."""
from flask import jsonify

from forum.api.base import bp
from forum.api.serializers import article_dict
from forum.articles.service import set_moderation_mode, upsert_article
from forum.extensions import db
from forum.openapi import operation
from forum.schemas import (
    ARTICLE_BODY_MAX_LENGTH,
    ARTICLE_TITLE_MAX_LENGTH,
    ARTICLE_URL_MAX_LENGTH,
    ArticleBody,
    ArticleOut,
    CountsOut,
    CountsQuery,
    ModerationModeBody,
)
from forum.security import authenticated_user, moderator_required
from forum.threads.counts import published_count, published_counts_by_external_id
from forum.threads.service import get_article

#: A whole article, in any alphabet, fits in the body of its PUT.
ARTICLE_CHARACTERS = ARTICLE_URL_MAX_LENGTH + ARTICLE_TITLE_MAX_LENGTH + ARTICLE_BODY_MAX_LENGTH


@bp.put("/articles/<article_id:article_id>")
@operation(auth="publisher", body=ArticleBody, responses={200: ArticleOut, 201: ArticleOut}, errors=(409,),
           body_characters=ARTICLE_CHARACTERS)
def put_article(article_id, body: ArticleBody):
    """Register or update an article (the publisher's CMS)."""
    article, created = upsert_article(article_id, body)
    db.session.commit()
    answer = article_dict(article, comment_count=published_count(article.id))
    return answer, 201 if created else 200


@bp.get("/articles/<article_id:article_id>")
@operation(responses={200: ArticleOut})
def show_article(article_id):
    """Answer an article and its number of published comments."""
    article = get_article(article_id)
    return article_dict(article, comment_count=published_count(article.id))



@bp.patch("/moderation/articles/<article_id:article_id>")
@moderator_required
@operation(auth="moderator", body=ModerationModeBody, responses={200: ArticleOut})
def patch_article_mode(article_id, body: ModerationModeBody):
    """Switch a story to post-moderation, pre-moderation or closed (moderators and admins)."""
    article = set_moderation_mode(get_article(article_id), body.moderation_mode, authenticated_user())
    db.session.commit()
    return article_dict(article, comment_count=published_count(article.id))


#: Counts under a list of stories may be a minute old: shared caches then spare the database.
COUNTS_MAX_AGE = 60


@bp.get("/counts")
@operation(query=CountsQuery, responses={200: CountsOut})
def counts(query: CountsQuery):
    """Answer the number of published comments of each article named (up to 100; unknown ids 0)."""
    response = jsonify({"counts": published_counts_by_external_id(query.ids())})
    response.headers["Cache-Control"] = f"public, max-age={COUNTS_MAX_AGE}"
    return response
