"""Reading the social side: profiles, who follows whom, a reader's comments, and the feed."""
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, load_only

from forum.extensions import db
from forum.models import Comment, CommentStatus, Follow, Mute, User
from forum.pagination import Key, Page, paginate
from forum.sql import among
from forum.threads.counts import published_counts_by

NEWEST_FIRST = [Key(Comment.created_at, True, "created_at"), Key(Comment.id, True, "id")]


@dataclass
class Profile:
    user: User
    follower_count: int
    following_count: int
    is_following: bool
    is_muted: bool


def _count(*where) -> int:
    return db.session.scalar(select(func.count()).select_from(Follow).where(*where))


def _exists(*where) -> bool:
    return db.session.scalar(select(exists().where(*where)))


def profile(user: User, viewer: User | None) -> Profile:
    """Return ``user``'s counts, and whether ``viewer`` follows or mutes them."""
    signed_in = viewer is not None and viewer.is_authenticated and viewer.id != user.id
    return Profile(
        user=user,
        follower_count=_count(Follow.followed_id == user.id),
        following_count=_count(Follow.follower_id == user.id),
        is_following=signed_in and _exists(Follow.follower_id == viewer.id, Follow.followed_id == user.id),
        is_muted=signed_in and _exists(Mute.muter_id == viewer.id, Mute.muted_id == user.id),
    )


def _with_context(stmt):
    """Load what a listed comment shows: its author, its article, and what it replies to."""
    return stmt.options(joinedload(Comment.author), joinedload(Comment.article),
                        joinedload(Comment.parent).joinedload(Comment.author))


def user_comments(user: User, *, cursor=None, limit=20) -> Page:
    """Return a page of ``user``'s published comments and replies, newest first."""
    stmt = _with_context(select(Comment)).where(Comment.author_id == user.id,
                                                Comment.status == CommentStatus.PUBLISHED)
    return paginate(stmt, NEWEST_FIRST, cursor=cursor, limit=limit, session=db.session)


def feed(viewer: User, *, cursor=None, limit=20) -> Page:
    """Return a page of the newest published comments by readers ``viewer`` follows and does not mute.

    The page is chosen on (author_id, status, created_at, id) alone, which ix_comments_author covers,
    so the database sorts index entries rather than whole rows; then only that page is loaded.
    """
    followed = select(Follow.followed_id).where(Follow.follower_id == viewer.id)
    muted = select(Mute.muted_id).where(Mute.muter_id == viewer.id)
    keys = select(Comment).options(load_only(Comment.id, Comment.created_at, raiseload=True)).where(
        Comment.author_id.in_(followed), Comment.author_id.not_in(muted), Comment.status == CommentStatus.PUBLISHED)
    page = paginate(keys, NEWEST_FIRST, cursor=cursor, limit=limit, session=db.session)
    return Page(_load_listed([c.id for c in page.items]), page.next_cursor)


def _load_listed(ids: list[int]) -> list[Comment]:
    """Load the comments ``ids``, in that order, with what a listed comment shows."""
    if not ids:
        return []
    stmt = _with_context(select(Comment)).where(among(Comment.id, ids)).execution_options(populate_existing=True)
    loaded = {c.id: c for c in db.session.scalars(stmt).unique()}
    return [loaded[i] for i in ids]


def _follow_page(where, other, *, cursor, limit) -> Page:
    """Page through follows matching ``where``, most recent first, as the users on the ``other`` side."""
    keys = [Key(Follow.created_at, True, "created_at"), Key(getattr(Follow, other), True, other)]
    page = paginate(select(Follow).where(where), keys, cursor=cursor, limit=limit, session=db.session)
    ids = [getattr(f, other) for f in page.items]
    users = {u.id: u for u in db.session.scalars(select(User).where(among(User.id, ids)))} if ids else {}
    return Page([users[i] for i in ids], page.next_cursor)


def followers(user: User, *, cursor=None, limit=20) -> Page:
    """Return a page of the readers who follow ``user``, newest follow first."""
    return _follow_page(Follow.followed_id == user.id, "follower_id", cursor=cursor, limit=limit)


def following(user: User, *, cursor=None, limit=20) -> Page:
    """Return a page of the readers ``user`` follows, newest follow first."""
    return _follow_page(Follow.follower_id == user.id, "followed_id", cursor=cursor, limit=limit)


def muted_ids(author_ids, viewer: User | None) -> set[int]:
    """Return which of ``author_ids`` ``viewer`` mutes, in one query."""
    if not author_ids or viewer is None or not viewer.is_authenticated:
        return set()
    return set(db.session.scalars(select(Mute.muted_id).where(Mute.muter_id == viewer.id,
                                                              among(Mute.muted_id, set(author_ids)))))


def reply_counts(comment_ids: list[int]) -> dict[int, int]:
    """Return how many published replies each of ``comment_ids`` has, in one query."""
    return published_counts_by(Comment.parent_id, comment_ids)
