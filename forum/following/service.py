"""Following and muting readers: no self-follow, idempotent both ways."""
from sqlalchemy import delete

from forum.accounts.service import ensure_can_participate
from forum.errors import Invalid
from forum.extensions import db
from forum.models import Follow, Mute, User, utcnow
from forum.sql import insert_if_absent


def _ensure_other(user: User, other: User, action: str) -> None:
    if user.id == other.id:
        raise Invalid(f"You cannot {action} yourself.", code=f"cannot_{action}_yourself")


def follow(follower: User, followed: User) -> None:
    """Make ``follower`` follow ``followed``; following twice changes nothing."""
    _ensure_other(follower, followed, "follow")
    ensure_can_participate(follower)
    insert_if_absent(Follow, follower_id=follower.id, followed_id=followed.id, created_at=utcnow())


def unfollow(follower: User, followed: User) -> None:
    """Stop ``follower`` following ``followed``, if they did."""
    _ensure_other(follower, followed, "follow")
    db.session.execute(delete(Follow).where(Follow.follower_id == follower.id, Follow.followed_id == followed.id))


def mute(muter: User, muted: User) -> None:
    """Hide ``muted`` from ``muter``'s threads, feed and notifications; ``muted`` is not told."""
    _ensure_other(muter, muted, "mute")
    insert_if_absent(Mute, muter_id=muter.id, muted_id=muted.id, created_at=utcnow())


def unmute(muter: User, muted: User) -> None:
    """Show ``muted`` to ``muter`` again."""
    _ensure_other(muter, muted, "mute")
    db.session.execute(delete(Mute).where(Mute.muter_id == muter.id, Mute.muted_id == muted.id))
