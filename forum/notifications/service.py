"""Who hears about what: replies, comments by followed readers, and moderators' decisions.

Notifications are written when a comment becomes visible to everyone (the ``comment_published``
signal), so a held comment notifies nobody until a moderator approves it. A reader is never told
about their own actions, nor about readers they mute.
"""
from sqlalchemy import exists, insert, literal, select, update

from forum.errors import Invalid, NotFound
from forum.extensions import db
from forum.models import Comment, CommentStatus, Follow, Mute, Notification, User, utcnow
from forum.notifications.mail import mail_decision, mail_reply
from forum.signals import comment_published

REPLY = "reply"
FOLLOWED_COMMENT = "followed_comment"
DECISION = "decision"
#: Decisions the author hears about; an escalation is not a decision yet.
ANNOUNCED_ACTIONS = ("approve", "reject")
MAX_IDS = 100


def is_muted_by(muter_id, muted_id):
    """Return the SQL condition "``muter_id`` mutes ``muted_id``"."""
    return exists().where(Mute.muter_id == muter_id, Mute.muted_id == muted_id)


def _already_announced(comment: Comment) -> bool:
    # An edit can hold a published comment and publish it again: tell readers only the first time.
    announced = exists().where(Notification.comment_id == comment.id,
                               Notification.kind.in_((REPLY, FOLLOWED_COMMENT)))
    return db.session.scalar(select(announced))


def _parent_author_id(comment: Comment) -> int | None:
    """Return the author of the comment's parent while the parent is published (a new reply's
    parent is in the session already, checked as it was posted; an approved one's is read now)."""
    if comment.parent_id is None:
        return None
    parent = db.session.get(Comment, comment.parent_id)
    return parent.author_id if parent is not None and parent.status == CommentStatus.PUBLISHED else None


def _notify_reply(comment: Comment, recipient_id: int, now) -> None:
    """Notify the parent's author unless they mute the replier, in one INSERT ... SELECT; mail them if notified."""
    unmuted = select(literal(recipient_id), literal(REPLY), literal(comment.id), literal(comment.author_id),
                     literal(now)).where(~is_muted_by(recipient_id, comment.author_id))
    notified = db.session.execute(insert(Notification).from_select(
        ["recipient_id", "kind", "comment_id", "actor_id", "created_at"], unmuted).returning(Notification.id)).first()
    if notified is not None:
        mail_reply(comment, recipient_id)


def _notify_followers(comment: Comment, skip_id: int | None, now) -> None:
    """Fan out to every follower in one INSERT ... SELECT, however many followers there are."""
    followers = select(
        Follow.follower_id, literal(FOLLOWED_COMMENT), literal(comment.id), literal(comment.author_id), literal(now)
    ).where(Follow.followed_id == comment.author_id, ~is_muted_by(Follow.follower_id, comment.author_id))
    if skip_id is not None:
        followers = followers.where(Follow.follower_id != skip_id)
    db.session.execute(insert(Notification).from_select(
        ["recipient_id", "kind", "comment_id", "actor_id", "created_at"], followers))


def announce_comment(comment: Comment, *, is_new: bool = False) -> None:
    """Notify the author of the parent comment and the author's followers of a published comment.

    Whoever is told of the reply is not told again as a follower. ``is_new``: the comment was
    created in this transaction, so nothing announced it before.
    """
    if comment.status != CommentStatus.PUBLISHED or (not is_new and _already_announced(comment)):
        return
    now = utcnow()
    parent_author_id = _parent_author_id(comment)
    if parent_author_id == comment.author_id:
        parent_author_id = None
    if parent_author_id is not None:
        _notify_reply(comment, parent_author_id, now)
    _notify_followers(comment, parent_author_id, now)
    db.session.flush()


def _on_comment_published(comment: Comment, *, is_new: bool = False, **_) -> None:
    announce_comment(comment, is_new=is_new)


def connect_signals() -> None:
    """Listen for comments becoming visible (idempotent: blinker keeps one connection per receiver)."""
    comment_published.connect(_on_comment_published, weak=False)


def notify_decision(comment: Comment, moderator: User | None, action: str, reason: str | None = None) -> None:
    """Tell the author of ``comment`` that a moderator approved or rejected it, and ``reason`` (in words).

    Escalations and a moderator deciding on their own comment notify nobody.
    """
    moderator_id = moderator.id if moderator is not None else None
    if action not in ANNOUNCED_ACTIONS or comment.author_id == moderator_id:
        return
    db.session.add(Notification(recipient_id=comment.author_id, kind=DECISION, comment_id=comment.id,
                                actor_id=moderator_id, reason=reason, created_at=utcnow()))
    mail_decision(comment, action, reason)
    db.session.flush()


def _ids(raw) -> list[int]:
    if not isinstance(raw, list) or not raw:
        raise Invalid("'ids' must be a non-empty list of notification ids.", code="wrong_type",
                      payload={"field": "ids"})
    if len(raw) > MAX_IDS:
        raise Invalid(f"Mark at most {MAX_IDS} notifications at once, or send {{\"all\": true}}.",
                      code="too_many_ids", payload={"field": "ids"})
    if any(isinstance(i, bool) or not isinstance(i, int) for i in raw):
        raise Invalid("'ids' must contain whole numbers only.", code="wrong_type", payload={"field": "ids"})
    return sorted(set(raw))


def mark_read(recipient: User, *, ids=None, everything=None) -> None:
    """Mark the listed notifications of ``recipient``, or all of them, read.

    :raise Invalid: neither or both of ``ids`` and ``everything``, or the wrong types.
    :raise NotFound: an id that is not one of the recipient's notifications; nothing is marked.
    """
    if (ids is None) == (everything is None):
        raise Invalid("Send either {\"ids\": [...]} or {\"all\": true}.", code="missing_field")
    stmt = update(Notification).where(Notification.recipient_id == recipient.id, Notification.read_at.is_(None))
    if everything is not None:
        if everything is not True:
            raise Invalid("'all' must be true.", code="wrong_type", payload={"field": "all"})
        db.session.execute(stmt.values(read_at=utcnow()))
        return
    wanted = _ids(ids)
    mine = set(db.session.scalars(select(Notification.id).where(
        Notification.recipient_id == recipient.id, Notification.id.in_(wanted))))
    missing = [i for i in wanted if i not in mine]
    if missing:
        raise NotFound(f"You have no notification {missing[0]}; nothing was marked read.",
                       code="notification_not_found", payload={"ids": missing})
    db.session.execute(stmt.where(Notification.id.in_(wanted)).values(read_at=utcnow()))
