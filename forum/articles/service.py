"""Articles as the publisher's CMS registers them."""
import hmac
import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.errors import Conflict, Invalid, Unauthorized
from forum.extensions import db
from forum.models import Article, ModerationMode, User, url_digest
from forum.validation import ARTICLE_ID_RE
from forum.webhooks.events import record_article_created

log = logging.getLogger(__name__)


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
    _check_url_free(url, article)
    created = article is None
    if created:
        article = Article(external_id=external_id, moderation_mode=ModerationMode.POST)
        db.session.add(article)
    article.url, article.title, article.body = url, title, body
    if mode is not None:
        article.moderation_mode = parse_mode(mode)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request took the URL (or created this id) between the check and the flush.
        raise Conflict("Another article was saved at the same moment; send the request again.",
                       code="article_conflict") from None
    if created:
        record_article_created(article)
    return article, created


def _check_url_free(url: str, article: Article | None) -> None:
    """Raise 409 ``url_taken`` if another article than ``article`` has ``url``."""
    owner = db.session.scalar(select(Article.external_id).where(
        Article.url_hash == url_digest(url), Article.id != (article.id if article else None)))
    if owner is None:
        return
    raise Conflict(f"Another article ('{owner}') has this URL: one URL belongs to one article. "
                   "Give this one its own URL, or update that article instead.",
                   code="url_taken", payload={"field": "url", "article_id": owner})


def set_moderation_mode(article: Article, mode, moderator: User) -> Article:
    """Switch ``article`` to post-moderation, pre-moderation or closed (``mode`` as sent), as ``moderator``."""
    previous, article.moderation_mode = article.moderation_mode, parse_mode(mode)
    db.session.flush()
    # No audit table records article settings yet: the log says who changed what.
    log.info("%s set article %s from %s to %s", moderator.username, article.external_id,
             previous.value, article.moderation_mode.value)
    return article
