"""Deleting an account: at once and in one transaction, everything of the reader goes but an emptied row.

The row stays (``users.deleted_at``) because the placeholders of the reader's comments and the
moderators' decision log point at it; it keeps no name, address or way to sign in. Services add
and flush; the caller commits once.
"""
from typing import Literal

from sqlalchemy import delete, or_, select, update

from forum.accounts import retired
from forum.errors import Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.mail.service import withdraw_mail_to
from forum.models import (
    NO_PASSWORD,
    AccountToken,
    Comment,
    CommentStatus,
    Follow,
    Mute,
    Notification,
    Reaction,
    RecoveryCode,
    Role,
    User,
    utcnow,
)
from forum.notifications.service import DECISION
from forum.privacy.holders import holders
from forum.security import check_password, sign_out_everywhere
from forum.threads.service import erase_comments

#: What an account without a password (SSO) sends instead of one, to say it means it.
CONFIRMATION = "DELETE"
DELETED_DISPLAY_NAME = "[deleted]"


def tombstone_name(user: User) -> str:
    """Return the deleted account's username: unique, and never one a reader can register (``-``)."""
    return f"deleted-{user.id}"


def confirm_identity(user: User, password: str | None, confirm: Literal["DELETE"] | None, *,
                     typed_confirmation: bool = True) -> None:
    """Check that the reader deleting ``user`` is its owner: the password, or for SSO the confirmation.

    :param typed_confirmation: an SSO account must send ``confirm`` (the page's typed "DELETE");
        the API takes an SSO account's request without it, as API.md says (no password, nothing else).
    :raise Invalid: the password (or, for an SSO account, the confirmation) is missing, or an SSO
        account sent a password.
    :raise Forbidden: the password is wrong (``wrong_password``).
    """
    if not user.has_password:
        if confirm == CONFIRMATION or (not typed_confirmation and password is None):
            return
        asked = (f'type {CONFIRMATION} to confirm' if typed_confirmation
                 else f'send no password (or {{"confirm": "{CONFIRMATION}"}})')
        raise Invalid(f"Your account signs in through the newsroom and has no password: {asked} to delete it.",
                      code="confirmation_required", payload={"field": "confirm"})
    if password is None:
        raise Invalid("Send your password to delete your account.", code="password_required",
                      payload={"field": "password"})
    if not check_password(user, password):
        raise Forbidden("That is not your password; your account is unchanged.", code="wrong_password")


def delete_account(user: User) -> str:
    """Delete ``user``'s account (see the module docstring and README); return its former username.

    :raise NotFound: the account is already deleted (a second request that lost the race).
    """
    _lock(user)
    former = user.username
    for holder in holders():
        holder.erase(user)
    erase_comments(list(db.session.scalars(select(Comment).where(
        Comment.author_id == user.id, Comment.status != CommentStatus.DELETED).order_by(Comment.id))))
    _take_back_reactions(user)
    db.session.execute(delete(Follow).where(or_(Follow.follower_id == user.id, Follow.followed_id == user.id)))
    db.session.execute(delete(Mute).where(or_(Mute.muter_id == user.id, Mute.muted_id == user.id)))
    # Received, and caused (replies and comments announced to followers); a decision the reader made
    # as a moderator stays with the reader it told.
    db.session.execute(delete(Notification).where(or_(
        Notification.recipient_id == user.id,
        (Notification.actor_id == user.id) & (Notification.kind != DECISION))))
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    sign_out_everywhere(user)
    if user.email:
        withdraw_mail_to(user.email)
    retired.retire(former)
    _empty(user)
    db.session.flush()
    return former


def _lock(user: User) -> None:
    """Hold the account's row until commit, so two deletions of one account run one after the other."""
    still_there = db.session.scalar(select(User.id).where(User.id == user.id, User.deleted_at.is_(None))
                                    .with_for_update())
    if still_there is None:
        raise NotFound("That account is already deleted.", code="user_not_found")


def _take_back_reactions(user: User) -> None:
    """Remove the reader's likes, each comment's count going down by one, in two statements."""
    liked = select(Reaction.comment_id).where(Reaction.user_id == user.id)
    db.session.execute(update(Comment).where(Comment.id.in_(liked))
                       .values(reaction_count=Comment.reaction_count - 1)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Reaction).where(Reaction.user_id == user.id))


def _empty(user: User) -> None:
    user.username = tombstone_name(user)
    user.email = None
    user.sso_id = None
    user.display_name = DELETED_DISPLAY_NAME
    user.password_hash = NO_PASSWORD
    user.role = Role.READER
    user.banned_at = user.suspended_until = user.sanction_reason = None
    user.email_verified_at = None
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    user.mail_reply = user.mail_decision = user.mail_followed = False
    user.digest_through = None
    user.deleted_at = utcnow()

