"""Notification mail: a reply to my comment and a moderator's decision on it, each also mailed to
the reader when they have an address, want that kind of mail, and still have an account.

Called where the notification is written, so a mail goes out exactly when a notification does:
only for published replies, in the same transaction.
"""
from flask import url_for

from forum.extensions import db
from forum.mail.service import links, queue_mail
from forum.models import Article, Comment, User

#: How much of a reply the mail quotes; the link leads to the rest.
QUOTE_MAX_LENGTH = 600


def _recipient(user_id: int, preference: str) -> User | None:
    user = db.session.get(User, user_id)
    if user is None or not user.email or user.deleted_at is not None or not getattr(user, preference):
        return None
    return user


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_MAX_LENGTH else text[:QUOTE_MAX_LENGTH].rstrip() + "…"


def _comment_url(comment: Comment) -> str:
    return url_for("threads.show", comment_id=comment.id, _anchor=f"comment-{comment.id}", _external=True)


def mail_reply(reply: Comment, recipient_id: int) -> None:
    """Mail the author of the parent comment that ``reply`` answers it (if they want such mail)."""
    recipient = _recipient(recipient_id, "mail_reply")
    if recipient is None:
        return
    author = db.session.get(User, reply.author_id)
    article = db.session.get(Article, reply.article_id)
    with links():
        queue_mail(recipient.email, f"{author.display_name} replied to your comment", "reply", {
            "name": recipient.display_name, "author": author.display_name, "article": article.title,
            "quote": _quote(reply.body), "comment_url": _comment_url(reply),
        }, unsubscribe="reply", user=recipient)


def mail_decision(comment: Comment, action: str, reason: str | None) -> None:
    """Mail the author of ``comment`` that a moderator approved or rejected it, why, and the guidelines."""
    recipient = _recipient(comment.author_id, "mail_decision")
    if recipient is None:
        return
    article = db.session.get(Article, comment.article_id)
    verb = "approved" if action == "approve" else "rejected"
    with links():
        queue_mail(recipient.email, f"Your comment was {verb}", "decision", {
            "name": recipient.display_name, "verb": verb, "reason": reason, "article": article.title,
            "quote": _quote(comment.body), "comment_url": _comment_url(comment),
            "guidelines_url": url_for("guidelines.show", _external=True),
        }, unsubscribe="decision", user=recipient)
