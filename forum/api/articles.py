"""The publisher's endpoints: register and update articles, read one back."""
from flask import request

from forum.api.base import bp
from forum.api.serializers import article_dict
from forum.articles.service import check_publisher_key, upsert_article
from forum.extensions import db
from forum.threads.queries import published_count
from forum.threads.service import get_article
from forum.validation import json_body


@bp.put("/articles/<article_id>")
def put_article(article_id):
    check_publisher_key(request.headers.get("X-API-Key"))
    article, created = upsert_article(article_id, json_body())
    db.session.commit()
    body = article_dict(article, comment_count=published_count([article.id]).get(article.id, 0))
    return body, 201 if created else 200


@bp.get("/articles/<article_id>")
def show_article(article_id):
    article = get_article(article_id)
    return article_dict(article, comment_count=published_count([article.id]).get(article.id, 0))
