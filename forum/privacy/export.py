"""The export: everything Parley holds about one reader, as one JSON document.

It is built in memory and sent whole: a reader's comments, likes and notifications are thousands
of rows at most, well within one response. The scores the classifier gave each comment are part
of it: they are data about the reader's writing that moderators act on.
"""
import json
from typing import Any

from flask import Response
from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from forum.api.serializers import iso
from forum.extensions import db
from forum.models import Comment, Follow, Mute, Notification, Reaction, User, utcnow
from forum.privacy.holders import holders

#: Bumped when a section changes shape, so that a reader's tools can tell exports apart.
FORMAT = "parley-export/1"
ABOUT = ("Everything Parley holds about your account: your details, your comments in every status (with "
         "the scores our classifier gave them and why a comment was held), your likes, the readers you "
         "follow and who follow you, the readers you mute, your notifications, the reports you filed, "
         "the sanctions moderators put on you, and their decisions on your comments.")


def export_account(user: User) -> dict[str, Any]:
    """Return ``user``'s export: the forum's sections, then each holder's (moderation's)."""
    document = {
        "format": FORMAT,
        "exported_at": iso(utcnow()),
        "about": ABOUT,
        "account": _account(user),
        "comments": _comments(user),
        "reactions": _reactions(user),
        "follows": {"following": _follows(user, Follow.follower_id, Follow.followed_id),
                    "followers": _follows(user, Follow.followed_id, Follow.follower_id)},
        "mutes": _mutes(user),
        "notifications": _notifications(user),
    }
    for holder in holders():
        document.update(holder.export(user))
    return document


def as_download(user: User, document: dict[str, Any]) -> Response:
    """Return ``document`` as a JSON file download named after ``user``."""
    return Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="parley-export-{user.username}.json"',
        # Personal data: kept by no shared cache, nor by the browser's.
        "Cache-Control": "no-store",
    })


def _account(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role.value,
        "status": user.status.value,
        "created_at": iso(user.created_at),
        "email_verified_at": iso(user.email_verified_at),
        "email_notifications": user.mail_preferences,
        "signs_in_with_newsroom": user.sso_id is not None,
        "has_password": user.has_password,
        # Whether it is on, never the secret or the recovery codes: they are sign-in credentials.
        "two_factor": user.two_factor_enabled,
    }


def _comments(user: User) -> list[dict]:
    comments = db.session.scalars(select(Comment).options(joinedload(Comment.article))
                                  .where(Comment.author_id == user.id).order_by(Comment.id))
    return [{
        "id": c.id,
        "article": {"id": c.article.external_id, "title": c.article.title, "url": c.article.url},
        "parent_id": c.parent_id,
        "body": c.body,
        "status": c.status.value,
        "hold_reason": c.hold_reason.value if c.hold_reason is not None else None,
        "hold_rule": c.hold_rule,
        "scores": {"abuse": c.abuse_score, "off_topic": c.off_topic_score},
        "model_version": c.model_version,
        "reaction_count": c.reaction_count,
        "created_at": iso(c.created_at),
        "edited_at": iso(c.edited_at),
    } for c in comments]


def _reactions(user: User) -> list[dict]:
    rows = db.session.execute(select(Reaction.comment_id, Reaction.created_at)
                              .where(Reaction.user_id == user.id).order_by(Reaction.created_at, Reaction.comment_id))
    return [{"comment_id": comment_id, "created_at": iso(created_at)} for comment_id, created_at in rows]


def _follows(user: User, own_side, other_side) -> list[dict]:
    """Return the readers on ``other_side`` of the follows where ``user`` is on ``own_side``."""
    rows = db.session.execute(select(User.username, Follow.created_at).join(User, User.id == other_side)
                              .where(own_side == user.id).order_by(Follow.created_at, User.username))
    return [{"username": username, "since": iso(since)} for username, since in rows]


def _mutes(user: User) -> list[dict]:
    # Only the readers this reader mutes: who mutes them is the other readers' secret.
    rows = db.session.execute(select(User.username, Mute.created_at).join(User, User.id == Mute.muted_id)
                              .where(Mute.muter_id == user.id).order_by(Mute.created_at, User.username))
    return [{"username": username, "since": iso(since)} for username, since in rows]


def _notifications(user: User) -> list[dict]:
    actor = aliased(User)
    rows = db.session.execute(select(Notification, actor.username).outerjoin(actor, actor.id == Notification.actor_id)
                              .where(Notification.recipient_id == user.id).order_by(Notification.id))
    return [{"id": n.id, "kind": n.kind, "comment_id": n.comment_id, "actor": username, "reason": n.reason,
             "created_at": iso(n.created_at), "read_at": iso(n.read_at)} for n, username in rows]
