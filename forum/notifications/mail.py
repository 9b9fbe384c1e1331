"""Notification mail: a reply to my comment and a moderator's decision on it, each also mailed to
the reader when they have an address, want that kind of mail, and still have an account; and the
daily digest of the readers they follow (chosen and scheduled by ``forum.notifications.digest``).

Reply and decision mail is queued where the notification is written, so a mail goes out exactly
when a notification does: only for published replies, in the same transaction.
"""
from flask import url_for

from forum.extensions import db
from forum.mail.service import links, queue_mail
from forum.models import Article, Comment, User

#: How much of a reply the mail quotes, and of each comment the digest lists; the link leads to the rest.
QUOTE_MAX_LENGTH = 600
EXCERPT_MAX_LENGTH = 240


def _recipient(user_id: int, preference: str) -> User | None:
    user = db.session.get(User, user_id)
    if user is None or not user.email or user.deleted_at is not None or not getattr(user, preference):
        return None
    return user


def _quote(text: str, limit: int = QUOTE_MAX_LENGTH) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


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


def _by_author(rows) -> list[dict]:
    """Group the digest's (comment, published_at) rows by author, in the order the rows come."""
    groups: dict[int, dict] = {}
    for comment, published_at in rows:
        group = groups.setdefault(comment.author_id, {
            "name": comment.author.display_name,
            "profile_url": url_for("following.profile", username=comment.author.username, _external=True),
            "comments": []})
        group["comments"].append({"article": comment.article.title, "url": _comment_url(comment),
                                  "excerpt": _quote(comment.body, EXCERPT_MAX_LENGTH),
                                  "time": f"{published_at:%d %b, %H:%M} UTC"})
    return list(groups.values())


def mail_digest(reader: User, rows: list, total: int) -> None:
    """Mail ``reader`` the digest of ``rows`` (newest first, as ``queries.followed_comments`` gives
    them), grouped by author; ``total`` beyond them is counted, with a link to the feed."""
    with links():
        queue_mail(reader.email, f"{total} new comment{'s' if total != 1 else ''} by readers you follow", "digest", {
            "name": reader.display_name, "groups": _by_author(rows), "more": total - len(rows),
            "feed_url": url_for("following.feed", _external=True),
        }, unsubscribe="followed", user=reader)
