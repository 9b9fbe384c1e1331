"""The rules on readers' histories: pre-moderation, a new reader's first comments, and links from newcomers.

Each reads the author's record through ``submission.author_id``; a bare text (no author) and staff
pass. "Approved" is a published comment: one the model let through or a moderator approved.
"""
import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus, HoldReason, User
from forum.screening import Submission
from moderation import settings
from moderation.classifier import Highlight
from moderation.readers.service import is_premoderated
from moderation.rules.hit import RuleHit

PREMODERATION_RULE = "reader on pre-moderation"
LINK_RULE = "link from a reader with no approved comment"

#: Top-level domains a bare domain ("example.com") must end in to count as a link, so that "e.g.",
#: "i.e.", "3.5" or "Node.js" never do.
_TLDS = ("com", "net", "org", "info", "biz", "io", "co", "uk", "de", "fr", "ru", "cn", "xyz", "top", "online",
         "site", "shop", "app", "dev", "me", "tv", "ly", "eu", "us", "ca", "au", "nl", "es", "it", "pl", "br",
         "jp", "ch", "se", "link", "club", "live", "store", "tech", "news", "blog", "click", "win", "vip")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
LINK = re.compile(
    r"\bhttps?://[^\s<>\"']+"
    r"|\bwww\.[^\s<>\"']+"
    rf"|(?<![\w@.-]){_LABEL}(?:\.{_LABEL})*\.(?:{'|'.join(_TLDS)})(?![\w-])(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
LINK_WEIGHT = 1.0


def _reader(submission: Submission) -> User | None:
    """Return the submission's author when rules on readers apply to them (not to staff)."""
    if submission.author_id is None:
        return None
    user = db.session.get(User, submission.author_id)
    return None if user is None or user.is_moderator else user


def _comments(author_id: int, *statuses: CommentStatus, leave_out: int | None = None) -> int:
    stmt = select(func.count()).select_from(Comment).where(Comment.author_id == author_id)
    if statuses:
        stmt = stmt.where(Comment.status.in_(statuses))
    if leave_out is not None:
        stmt = stmt.where(Comment.id != leave_out)
    return db.session.scalar(stmt)


def reader_on_premoderation(submission: Submission) -> RuleHit | None:
    """Hold every comment of a reader a moderator (or the rejections rule) put on pre-moderation."""
    reader = _reader(submission)
    if reader is None or not is_premoderated(reader.id):
        return None
    return RuleHit(CommentStatus.PENDING, HoldReason.PREMODERATION, PREMODERATION_RULE)


def new_reader(submission: Submission) -> RuleHit | None:
    """Hold a reader's first N new comments, N being the setting ``new_user_premoderation_count``."""
    first = settings.get("new_user_premoderation_count")
    if first <= 0 or submission.comment_id is not None:
        return None
    reader = _reader(submission)
    if reader is None:
        return None
    earlier = _comments(reader.id)
    if earlier >= first:
        return None
    return RuleHit(CommentStatus.PENDING, HoldReason.NEW_USER,
                   f"new reader: comment {earlier + 1} of the first {first} is reviewed")


def link_from_new_reader(submission: Submission) -> RuleHit | None:
    """Hold a comment with a link from a reader with no approved comment (setting ``new_user_link_hold``)."""
    links = find_links(submission.text)
    if not links or not settings.get("new_user_link_hold"):
        return None
    reader = _reader(submission)
    if reader is None or _comments(reader.id, CommentStatus.PUBLISHED, leave_out=submission.comment_id):
        return None
    return RuleHit(CommentStatus.PENDING, HoldReason.LINK, LINK_RULE, highlights=links)


def find_links(text: str) -> tuple[Highlight, ...]:
    """Return the links in ``text`` (URLs, ``www.`` addresses and bare domains) as highlighted spans."""
    return tuple(Highlight(m.start(), m.end(), m.group(), LINK_WEIGHT) for m in LINK.finditer(text))
