"""Articles as the publisher's CMS registers them."""
import hmac

from flask import current_app
from sqlalchemy import select

from forum.errors import Invalid, Unauthorized
from forum.extensions import db
from forum.models import Article, ModerationMode
from forum.validation import ARTICLE_ID_RE
from forum.webhooks.events import record_article_created


def check_publisher_key(sent: str | None) -> None:
    """Raise 401 unless ``sent`` is the configured publisher key (compared in constant time)."""
    expected = current_app.config["PUBLISHER_API_KEY"]
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Unauthorized("Send the publisher key in the X-API-Key header.", code="invalid_api_key")


def parse_mode(value) -> ModerationMode:
    try:
        return ModerationMode(value)
    except ValueError:
        raise Invalid("moderation_mode must be post, pre or closed.", code="invalid_moderation_mode",
                      payload={"field": "moderation_mode"}) from None


def upsert_article(external_id: str, fields) -> tuple[Article, bool]:
    """Create or update the article ``external_id`` from the CMS's validated fields (``url``, ``title``,
    ``body``, ``moderation_mode``); return it and whether it is new."""
    if not ARTICLE_ID_RE.match(external_id):
        raise Invalid("Article ids are 1 to 100 letters, digits, '-' or '_'.", code="invalid_article_id")
    url, title, body, mode = fields.url, fields.title, fields.body or "", fields.moderation_mode
    article = db.session.scalar(select(Article).where(Article.external_id == external_id))
    created = article is None
    if created:
        article = Article(external_id=external_id, moderation_mode=ModerationMode.POST)
        db.session.add(article)
    article.url, article.title, article.body = url, title, body
    if mode is not None:
        article.moderation_mode = parse_mode(mode)
    db.session.flush()
    if created:
        record_article_created(article)
    return article, created
