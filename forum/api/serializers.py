"""Models to JSON-able dicts, kept off the models. Times are ISO 8601 UTC."""
from datetime import datetime

from forum.models import Article, Comment, CommentStatus, User, UserStatus
from forum.settings.email_change import pending_email


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def author_dict(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name}


def user_dict(user: User, *, private: bool = False) -> dict:
    """A reader as others see them; ``private`` adds what only they and the API's /me see."""
    data = {**author_dict(user), "created_at": iso(user.created_at)}
    if private:
        data.update(email=user.email, pending_email=pending_email(user),
                    email_notifications=user.mail_preferences,
                    role=user.role.value, status=user.status,
                    suspended_until=iso(user.suspended_until) if user.status == UserStatus.SUSPENDED else None,
                    email_verified=user.email_verified_at is not None, two_factor=user.two_factor_enabled)
    return data


def article_dict(article: Article, *, comment_count: int | None = None) -> dict:
    data = {
        "id": article.external_id,
        "url": article.url,
        "title": article.title,
        "moderation_mode": article.moderation_mode.value,
    }
    if comment_count is not None:
        data["comment_count"] = comment_count
    return data


def comment_dict(comment: Comment, *, viewer: User | None = None, reply_count: int = 0,
                 replies: list | None = None, hidden: bool = False) -> dict:
    """A comment as ``viewer`` may see it: a deleted one keeps its place but not its words.

    ``hidden``: a held or rejected comment the viewer may not see, standing in a thread only for
    its replies: status ``hidden``, and nothing of what it says or who wrote it.
    """
    if hidden:
        return {"id": comment.id, "article_id": comment.article.external_id, "parent_id": comment.parent_id,
                "author": None, "body": "", "status": "hidden", "created_at": iso(comment.created_at),
                "edited_at": None, "reaction_count": 0, "reply_count": reply_count,
                **({"replies": replies} if replies is not None else {})}
    deleted = comment.status == CommentStatus.DELETED
    data = {
        "id": comment.id,
        "article_id": comment.article.external_id,
        "parent_id": comment.parent_id,
        "author": None if deleted else author_dict(comment.author),
        "body": "" if deleted else comment.body,
        "status": comment.status.value,
        "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at),
        "reaction_count": comment.reaction_count,
        "reply_count": reply_count,
    }
    if comment.status == CommentStatus.PENDING:
        data["hold_reason"] = comment.hold_reason
        data["hold_rule"] = comment.hold_rule
    if viewer is not None and viewer.is_authenticated and viewer.is_moderator:
        data["scores"] = {"abuse": comment.abuse_score, "off_topic": comment.off_topic_score}
        data["model_version"] = comment.model_version
        if comment.hold_rule is not None:
            # Whatever the status: the rule that rejected it, or the auto-approval that published it.
            data["hold_rule"] = comment.hold_rule
        data["posted_after_nudge"] = comment.posted_after_nudge
    if replies is not None:
        data["replies"] = replies
    return data
