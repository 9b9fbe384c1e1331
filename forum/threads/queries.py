"""Reading a thread: a keyset page of top-level comments and all their replies in two queries."""
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from forum.errors import Invalid
from forum.extensions import db
from forum.following.queries import muted_ids
from forum.models import Article, Comment, CommentStatus, User
from forum.pagination import Key, paginate
from forum.reactions.service import liked_ids
from forum.threads.counts import published_counts_by

SORTS = {
    "newest": [Key(Comment.created_at, True, "created_at"), Key(Comment.id, True, "id")],
    "oldest": [Key(Comment.created_at, False, "created_at"), Key(Comment.id, False, "id")],
    "top": [Key(Comment.reaction_count, True, "reaction_count"), Key(Comment.id, True, "id")],
}


@dataclass
class Node:
    """A comment in a thread with its visible replies, as the viewer sees it."""

    comment: Comment
    replies: list["Node"] = field(default_factory=list)
    #: The viewer mutes the author: the page collapses the comment.
    muted: bool = False
    #: The viewer likes the comment.
    liked: bool = False


@dataclass
class ThreadPage:
    nodes: list[Node]
    next_cursor: str | None


def _visible(viewer: User | None):
    """Published comments, and the viewer's own that are not deleted."""
    if viewer is not None and viewer.is_authenticated:
        return or_(Comment.status == CommentStatus.PUBLISHED,
                   and_(Comment.author_id == viewer.id, Comment.status != CommentStatus.DELETED))
    return Comment.status == CommentStatus.PUBLISHED


def sort_keys(sort: str | None) -> list[Key]:
    if sort in (None, ""):
        sort = "newest"
    if sort not in SORTS:
        raise Invalid("sort must be newest, oldest or top.", code="invalid_sort")
    return SORTS[sort]


def thread_page(article: Article, viewer: User | None, *, sort=None, cursor=None, limit=20) -> ThreadPage:
    """Return a page of top-level comments of ``article`` with their reply trees.

    A deleted comment keeps its place (as a placeholder) only while it has visible replies.
    """
    keys = sort_keys(sort)
    reply = aliased(Comment)
    has_replies = exists().where(reply.root_id == Comment.id, reply.status == CommentStatus.PUBLISHED)
    roots_stmt = (
        select(Comment)
        .options(joinedload(Comment.author), joinedload(Comment.article))
        .where(Comment.article_id == article.id, Comment.root_id.is_(None),
               or_(_visible(viewer), and_(Comment.status == CommentStatus.DELETED, has_replies)))
    )
    page = paginate(roots_stmt, keys, cursor=cursor, limit=limit, session=db.session)
    return ThreadPage(_attach_replies(page.items, viewer), page.next_cursor)


def _attach_replies(roots: list[Comment], viewer: User | None) -> list[Node]:
    if not roots:
        return []
    replies = db.session.scalars(
        select(Comment)
        .options(joinedload(Comment.author), joinedload(Comment.article))
        .where(Comment.root_id.in_([c.id for c in roots]),
               or_(_visible(viewer), Comment.status == CommentStatus.DELETED))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    nodes = {c.id: Node(c) for c in [*roots, *replies]}
    _mark_for_viewer(list(nodes.values()), viewer)
    for comment in replies:
        parent = nodes.get(comment.parent_id)
        if parent is not None:
            parent.replies.append(nodes[comment.id])
    return [node for node in (_prune(nodes[c.id]) for c in roots) if node is not None]


def _mark_for_viewer(nodes: list[Node], viewer: User | None) -> None:
    """Flag the nodes whose author the viewer mutes, and those the viewer likes (two queries)."""
    muted = muted_ids([n.comment.author_id for n in nodes], viewer)
    liked = liked_ids([n.comment.id for n in nodes], viewer)
    for node in nodes:
        node.muted = node.comment.author_id in muted
        node.liked = node.comment.id in liked


def _prune(node: Node) -> Node | None:
    """Drop deleted comments that have no visible reply left under them."""
    node.replies = [child for child in (_prune(r) for r in node.replies) if child is not None]
    if node.comment.status == CommentStatus.DELETED and not node.replies:
        return None
    return node


def published_count(article_ids: list[int]) -> dict[int, int]:
    """Return the number of published comments per article, in one query."""
    return published_counts_by(Comment.article_id, article_ids)


def reply_count(comment: Comment, viewer: User | None) -> int:
    """Return how many direct replies to ``comment`` the viewer can see."""
    return db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.parent_id == comment.id, _visible(viewer))
    )


def conversation(comment: Comment, viewer: User | None) -> list[Node]:
    """Return the tree of the top-level comment that ``comment`` belongs to, every reply included."""
    root = comment
    if comment.root_id is not None:
        root = db.session.scalar(
            select(Comment).options(joinedload(Comment.author), joinedload(Comment.article))
            .where(Comment.id == comment.root_id)
        )
    nodes = _attach_replies([root], viewer)
    return nodes or [Node(comment)]
