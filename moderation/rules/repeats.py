"""Spam rules: the same or nearly the same text posted again within a day, and bursts from one account.

Both hold the comment as ``spam`` for a moderator. A repeat is any recent comment, by anyone on
any article, the author's own included (spammers repost), but never the comment being edited.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus, HoldReason, utcnow
from forum.screening import Submission
from moderation import settings
from moderation.rules import minhash
from moderation.rules.hit import RuleHit
from moderation.rules.signatures import WINDOW, most_similar

#: The estimated Jaccard similarity of the shingles from which two texts count as the same.
SIMILAR = 0.7


def repeated_text(submission: Submission) -> RuleHit | None:
    """Hold a text like one posted in the last day (when the ``repeat_post_hold`` setting is on)."""
    sig = minhash.signature(submission.text)
    if sig is None or not settings.get("repeat_post_hold"):
        return None
    match = most_similar(sig, utcnow() - WINDOW, exclude=submission.comment_id)
    if match is None or match[1] < SIMILAR:
        return None
    return RuleHit(CommentStatus.PENDING, HoldReason.SPAM, f"repeated text: like comment #{match[0]}")


def burst(submission: Submission) -> RuleHit | None:
    """Hold a new comment from an account that posted MODERATION_BURST_LIMIT others in the window.

    A rate limit on publishing: off, like the others, where the operator turns rate limits off
    (RATELIMIT_ENABLED=false: load tests, benchmarks, acceptance runs).
    """
    limit = current_app.config["MODERATION_BURST_LIMIT"] if current_app.config["RATELIMIT_ENABLED"] else 0
    if not limit or submission.author_id is None or submission.comment_id is not None:
        return None
    seconds = current_app.config["MODERATION_BURST_WINDOW_SECONDS"]
    since = utcnow() - timedelta(seconds=seconds)
    earlier = db.session.scalar(select(func.count()).select_from(Comment)
                                .where(Comment.author_id == submission.author_id, Comment.created_at >= since))
    if earlier < limit:
        return None
    span = "a minute" if seconds == 60 else f"{seconds} seconds"
    return RuleHit(CommentStatus.PENDING, HoldReason.SPAM, f"burst: {earlier + 1} comments in {span}")
