"""Articles as the publisher's CMS registers them."""
import hmac
import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.errors import Conflict, Invalid, Unauthorized
from forum.extensions import db
from forum.models import Article, ModerationMode, User, url_digest
from forum.sql import insert_if_absent
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
    ``body``, ``moderation_mode``); return it and whether it is new.

    A CMS may send the same PUT twice at once (a retry, two publishing hooks): the row is created
    with ``INSERT ... ON CONFLICT DO NOTHING``, so exactly one request creates it and the others
    find it made and update it, rather than one being told that its own article has the URL.
    """
    if not ARTICLE_ID_RE.match(external_id):
        raise Invalid("Article ids are 1 to 100 letters, digits, '-' or '_'.", code="invalid_article_id")
    url, title, body = fields.url, fields.title, fields.body or ""
    mode = None if fields.moderation_mode is None else parse_mode(fields.moderation_mode)
    article = _find(external_id)
    if article is None:
        # No check of the URL first: the article may be made with it at this moment.
        created = insert_if_absent(Article, external_id=external_id, url=url, url_hash=url_digest(url),
                                   title=title, body=body, moderation_mode=mode or ModerationMode.POST)
        article = _find(external_id)
        if article is None:
            # Not inserted, and no article has this id: another article has the URL.
            _check_url_free(url, None)
            raise _saved_meanwhile()
        if created:
            record_article_created(article)
            return article, True
    _check_url_free(url, article)
    article.url, article.title, article.body = url, title, body
    if mode is not None:
        article.moderation_mode = mode
    try:
        db.session.flush()
    except IntegrityError:
        # Another request took the URL between the check and the flush.
        raise _saved_meanwhile() from None
    return article, False


def _find(external_id: str) -> Article | None:
    return db.session.scalar(select(Article).where(Article.external_id == external_id))


def _saved_meanwhile() -> Conflict:
    return Conflict("Another article was saved at the same moment; send the request again.",
                    code="article_conflict")


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
