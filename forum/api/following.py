"""Readers over JSON: profiles, their comments, following, muting, and the feed."""
from flask_login import current_user

from forum.accounts.service import get_user
from forum.api.base import bp
from forum.api.serializers import author_dict, comment_dict, iso, user_dict
from forum.extensions import db
from forum.following import queries, service
from forum.models import Comment, CommentStatus
from forum.openapi import operation
from forum.pagination import PageQuery
from forum.schemas import ListedComments, ProfileOut, UserList
from forum.security import authenticated_user
from forum.threads.service import can_see

EXCERPT_LENGTH = 140


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """Return the start of ``text`` on one line, cut at a word with an ellipsis when longer than ``length``."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    return flat[:length].rsplit(" ", 1)[0] + "…"


def in_reply_to_dict(parent: Comment | None, viewer) -> dict | None:
    """Return what a reply answers; a parent the viewer may not see keeps only its id."""
    if parent is None:
        return None
    if parent.status == CommentStatus.DELETED or not can_see(parent, viewer):
        return {"id": parent.id, "author": None, "excerpt": None}
    return {"id": parent.id, "author": author_dict(parent.author), "excerpt": excerpt(parent.body)}


def listed_comments(comments: list[Comment], viewer) -> list[dict]:
    """Return comments out of their thread (a profile, the feed), each with its article and parent."""
    counts = queries.reply_counts([c.id for c in comments])
    return [{**comment_dict(c, viewer=viewer, reply_count=counts.get(c.id, 0)),
             "article": {"id": c.article.external_id, "title": c.article.title},
             "in_reply_to": in_reply_to_dict(c.parent, viewer)} for c in comments]


def profile_dict(profile: queries.Profile) -> dict:
    """Return a profile as the viewer sees it: counts, status, whether the viewer follows or mutes it."""
    user = profile.user
    return {**user_dict(user), "status": user.status, "follower_count": profile.follower_count,
            "following_count": profile.following_count, "is_following": profile.is_following,
            "is_muted": profile.is_muted, "banned_at": iso(user.banned_at)}


@bp.get("/users/<username:username>")
@operation(auth="optional", responses={200: ProfileOut})
def show_user(username):
    """Answer a reader's profile."""
    return profile_dict(queries.profile(get_user(username), current_user))


@bp.get("/users/<username:username>/comments")
@operation(auth="optional", query=PageQuery, responses={200: ListedComments})
def user_comments(username, query: PageQuery):
    """Answer a page of a reader's published comments, newest first."""
    page = queries.user_comments(get_user(username), **query.page())
    return {"comments": listed_comments(page.items, current_user), "next_cursor": page.next_cursor}


@bp.get("/users/<username:username>/followers")
@operation(auth="optional", query=PageQuery, responses={200: UserList})
def followers(username, query: PageQuery):
    """Answer a page of the readers who follow ``username``."""
    page = queries.followers(get_user(username), **query.page())
    return {"users": [user_dict(u) for u in page.items], "next_cursor": page.next_cursor}


@bp.get("/users/<username:username>/following")
@operation(auth="optional", query=PageQuery, responses={200: UserList})
def following(username, query: PageQuery):
    """Answer a page of the readers ``username`` follows."""
    page = queries.following(get_user(username), **query.page())
    return {"users": [user_dict(u) for u in page.items], "next_cursor": page.next_cursor}


def _change(action, username):
    """Apply ``action`` (follow, unfollow, mute, unmute) from the caller to ``username``; 204."""
    user = authenticated_user()
    action(user, get_user(username))
    db.session.commit()
    return "", 204


@bp.put("/users/<username:username>/follow")
@operation(auth="user", responses={204: None}, errors=(422,))
def follow(username):
    """Follow ``username`` (idempotent)."""
    return _change(service.follow, username)


@bp.delete("/users/<username:username>/follow")
@operation(auth="user", responses={204: None}, errors=(422,))
def unfollow(username):
    """Stop following ``username`` (idempotent)."""
    return _change(service.unfollow, username)


@bp.put("/users/<username:username>/mute")
@operation(auth="user", responses={204: None}, errors=(422,))
def mute(username):
    """Mute ``username`` (idempotent)."""
    return _change(service.mute, username)


@bp.delete("/users/<username:username>/mute")
@operation(auth="user", responses={204: None}, errors=(422,))
def unmute(username):
    """Unmute ``username`` (idempotent)."""
    return _change(service.unmute, username)


@bp.get("/feed")
@operation(auth="user", query=PageQuery, responses={200: ListedComments})
def feed(query: PageQuery):
    """Answer a page of the caller's feed."""
    viewer = authenticated_user()
    page = queries.feed(viewer, **query.page())
    return {"comments": listed_comments(page.items, viewer), "next_cursor": page.next_cursor}
