"""Reading a thread: keyset pages of comments, each with the first few of its replies, level by level.

Nothing here recurses. A tree is loaded one level per query (at most ``THREAD_REPLIES_SHOWN``
replies per comment, ``THREAD_DISPLAY_DEPTH`` levels) and flattened in a loop, so neither the
depth nor the width of a thread bounds the stack or the size of a page: the rest is reached by
cursor, from "more replies" links and ``/api/v1/comments/{id}/replies``.
"""
from dataclasses import dataclass, field
from functools import cache

from flask import current_app
from sqlalchemy import and_, bindparam, exists, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload

from forum.errors import Invalid
from forum.extensions import db
from forum.following.queries import muted_ids
from forum.models import Article, Comment, CommentStatus, User
from forum.pagination import Key, Page, cursor_after, in_key_order, ordered_rows, page_of
from forum.reactions.service import liked_ids
from forum.security import can_moderate
from forum.sql import among_parameter, dialect_name

SORTS = {
    "newest": [Key(Comment.created_at, True, "created_at"), Key(Comment.id, True, "id")],
    "oldest": [Key(Comment.created_at, False, "created_at"), Key(Comment.id, False, "id")],
    "top": [Key(Comment.reaction_count, True, "reaction_count"), Key(Comment.id, True, "id")],
}
#: Replies read as a conversation: oldest first.
REPLY_ORDER = SORTS["oldest"]
#: How many of the comments a reply answers its page shows above it.
CONTEXT_SIZE = 3


@dataclass
class Node:
    """A comment in a thread with the replies shown under it, as the viewer sees it."""

    comment: Comment
    replies: list["Node"] = field(default_factory=list)
    #: The viewer mutes the author: the page collapses the comment.
    muted: bool = False
    #: The viewer likes the comment.
    liked: bool = False
    #: The viewer may not see the comment (held or rejected): it stands only as a placeholder.
    hidden: bool = False
    #: How many direct replies the viewer can see, placeholders included.
    reply_count: int = 0
    #: The cursor after the last reply shown, where "more replies" continue (None: from the first).
    replies_cursor: str | None = None

    @property
    def more_replies(self) -> bool:
        return self.reply_count > len(self.replies)


@dataclass
class ThreadPage:
    nodes: list[Node]
    next_cursor: str | None


@dataclass
class Row:
    """One comment of a flattened tree, for a template that renders it in a single loop."""

    node: Node
    #: The comments whose list of replies ends after this row, innermost first.
    closing: list[Node]


@dataclass
class Conversation:
    """A comment on its own page: a few comments it answers, then a page of its replies."""

    ancestors: list[Node]
    focus: Node
    replies: ThreadPage
    #: The comment before the first ancestor shown, when the conversation goes further up.
    earlier_id: int | None


def sees_every_status(viewer: User | None) -> bool:
    """Return whether ``viewer`` sees every comment in its place, held and rejected ones too: the desk's staff."""
    return viewer is not None and viewer.is_authenticated and can_moderate(viewer)


@dataclass(frozen=True)
class _Audience:
    """Whom a statement shows a thread to: staff, a signed-in reader or anyone, and the reader's id.

    The id is the statement's ``viewer_id`` parameter, so that a statement made once for a kind of
    audience serves every reader of that kind, its id given when it runs (``_statement``).
    """

    kind: str
    viewer_id: int | None = None


STAFF, READER, ANYONE = "staff", "reader", "anyone"


def _audience(viewer: User | None) -> _Audience:
    if sees_every_status(viewer):
        return _Audience(STAFF)
    if viewer is not None and viewer.is_authenticated:
        return _Audience(READER, viewer.id)
    return _Audience(ANYONE)


def _visible(audience: _Audience, c=Comment):
    """Published comments, and the viewer's own that are not deleted; for staff, every one not deleted."""
    if audience.kind == STAFF:
        return c.status != CommentStatus.DELETED
    if audience.kind == READER:
        return or_(c.status == CommentStatus.PUBLISHED,
                   and_(c.author_id == bindparam("viewer_id", audience.viewer_id), c.status != CommentStatus.DELETED))
    return c.status == CommentStatus.PUBLISHED


def is_visible(comment: Comment, viewer: User | None) -> bool:
    """Return whether the thread shows ``comment`` itself to ``viewer`` (the rule of ``_visible``)."""
    if comment.status == CommentStatus.PUBLISHED:
        return True
    if comment.status == CommentStatus.DELETED:
        return False
    return sees_every_status(viewer) or (viewer is not None and viewer.is_authenticated
                                         and comment.author_id == viewer.id)


@cache
def _alias(name: str):
    # Made once: building an alias costs milliseconds, and a named one keeps SQL compilation cached.
    return aliased(Comment, name=name)


def _holds_up(audience: _Audience, c=Comment, prefix: str = ""):
    """``c`` has a reply the viewer's thread shows: one visible, or one with replies of its own.

    A deleted, held or rejected comment keeps its place while a reply to it is visible or is
    itself a placeholder, so that published replies stay reachable and nothing else shows.
    ``prefix`` names the aliases apart when ``c`` is itself an alias.
    """
    child, grandchild = _alias(f"{prefix}reply"), _alias(f"{prefix}reply_of_reply")
    return exists().where(child.parent_id == c.id,
                          or_(_visible(audience, child), exists().where(grandchild.parent_id == child.id)))


def _shown(audience: _Audience, c=Comment, prefix: str = ""):
    """``c`` appears in the viewer's thread: as itself, or as a placeholder for replies under it."""
    return or_(_visible(audience, c), _holds_up(audience, c, prefix))


def _reply_count(audience: _Audience):
    """The number of direct replies of each selected comment that the viewer's thread shows."""
    child = _alias("counted")
    return (select(func.count()).select_from(child)
            .where(child.parent_id == Comment.id, _shown(audience, child, "counted_"))
            .correlate(Comment).scalar_subquery())


def _listed(stmt, audience: _Audience):
    """Add what a node needs to ``stmt``, which selects comments: author, article and reply count."""
    return (stmt.add_columns(_reply_count(audience).label("reply_count"))
            .options(joinedload(Comment.author), joinedload(Comment.article)))


def _node(row, viewer: User | None) -> Node:
    comment = row[0]
    return Node(comment, reply_count=row.reply_count,
                hidden=comment.status != CommentStatus.DELETED and not is_visible(comment, viewer))


def sort_keys(sort: str | None) -> list[Key]:
    if sort in (None, ""):
        sort = "newest"
    if sort not in SORTS:
        raise Invalid("sort must be newest, oldest or top.", code="invalid_sort")
    return SORTS[sort]


def _walk(where: list, keys: list[Key], viewer: User | None, *, cursor, limit) -> Page:
    """Return a page of the comments ``where`` selects that the viewer's thread shows, in the order
    of ``keys``, as rows of the keys (the last key is the id).

    Two index walks that stop after a page: the comments the viewer sees, then the placeholders
    (``_holds_up``) before the last of them. Apart, so that no EXISTS stands in an OR over the
    thread: PostgreSQL evaluates such an OR with a hashed subplan built from every comment in the
    table, then sorts the whole thread; each walk here reads a page of an index.
    """
    columns = select(*(k.column.label(k.attribute) for k in keys)).where(*where)
    count = limit + 1
    audience = _audience(viewer)
    visible = ordered_rows(columns.where(_visible(audience)), keys, cursor=cursor, count=count, session=db.session)
    held = ordered_rows(columns.where(~_visible(audience), _holds_up(audience)), keys, cursor=cursor, count=count,
                        before=visible[-1] if len(visible) == count else None, session=db.session)
    return page_of(in_key_order(visible + held, keys), keys, limit)


# A thread read runs these statements each time, their shape set by the audience's kind and the
# database alone: made anew for each read, building them and computing their cache keys (which a
# statement keeps once computed) cost a tenth of a 400-comment read's CPU (bench/README.md). Their
# values are parameters, given when they run (``_run``): ``viewer_id``, ``ids`` and ``shown``.

@cache
def _nodes_statement(kind: str, dialect: str):
    """The comments ``ids``, as nodes are listed."""
    return _listed(select(Comment), _Audience(kind)).where(among_parameter(Comment.id, "ids", dialect))


@cache
def _first_replies_statement(kind: str, dialect: str):
    """The first ``shown`` replies, shown to the audience, of each of the comments ``ids``."""
    audience = _Audience(kind)
    rank = func.row_number().over(partition_by=Comment.parent_id, order_by=(Comment.created_at, Comment.id))
    ranked = (select(Comment.id, rank.label("rank"))
              .where(among_parameter(Comment.parent_id, "ids", dialect), _shown(audience)).subquery())
    return (_listed(select(Comment), audience)
            .join(ranked, ranked.c.id == Comment.id)
            .where(ranked.c.rank <= bindparam("shown"))
            .order_by(Comment.created_at, Comment.id))


def _run(statement, viewer: User | None, **values):
    """Run ``statement`` (one of the two above) for ``viewer`` with ``values``; return its unique rows."""
    audience = _audience(viewer)
    return db.session.execute(statement(audience.kind, dialect_name()),
                              {"viewer_id": audience.viewer_id, **values}).unique()


def _load_nodes(ids: list[int], viewer: User | None) -> list[Node]:
    """Load the comments ``ids`` as nodes, in that order."""
    if not ids:
        return []
    rows = {row[0].id: row for row in _run(_nodes_statement, viewer, ids=ids)}
    return [_node(rows[i], viewer) for i in ids]


def _page_of_nodes(where: list, keys: list[Key], viewer: User | None, *, cursor, limit) -> ThreadPage:
    """Walk a page of the comments ``where`` selects, load them and grow each one's first replies."""
    page = _walk(where, keys, viewer, cursor=cursor, limit=limit)
    nodes = _load_nodes([row.id for row in page.items], viewer)
    _grow(nodes, viewer, current_app.config["THREAD_DISPLAY_DEPTH"] - 1)
    return ThreadPage(nodes, page.next_cursor)


def thread_page(article: Article, viewer: User | None, *, sort=None, cursor=None, limit=20) -> ThreadPage:
    """Return a page of top-level comments of ``article``, each with the first few replies of each level."""
    return _page_of_nodes([Comment.article_id == article.id, Comment.depth == 0], sort_keys(sort), viewer,
                          cursor=cursor, limit=limit)


def replies_page(parent: Comment, viewer: User | None, *, cursor=None, limit=20) -> ThreadPage:
    """Return a page of the direct replies to ``parent``, oldest first, each with its first few replies."""
    return _page_of_nodes([Comment.parent_id == parent.id], REPLY_ORDER, viewer, cursor=cursor, limit=limit)


def _grow(nodes: list[Node], viewer: User | None, levels: int) -> None:
    """Attach the first replies of ``nodes``, then theirs, ``levels`` levels down: one query a level."""
    everyone, frontier = list(nodes), nodes
    for _ in range(levels):
        frontier = _attach_first_replies(frontier, viewer)
        if not frontier:
            break
        everyone += frontier
    _mark_for_viewer(everyone, viewer)


def _attach_first_replies(parents: list[Node], viewer: User | None) -> list[Node]:
    """Attach to each parent its first ``THREAD_REPLIES_SHOWN`` replies; return the new nodes."""
    by_id = {n.comment.id: n for n in parents if n.reply_count}
    if not by_id:
        return []
    children = [_node(row, viewer) for row in _run(_first_replies_statement, viewer, ids=list(by_id),
                                                    shown=current_app.config["THREAD_REPLIES_SHOWN"])]
    for child in children:
        by_id[child.comment.parent_id].replies.append(child)
    for parent in by_id.values():
        if parent.replies and parent.more_replies:
            parent.replies_cursor = cursor_after(parent.replies[-1].comment, REPLY_ORDER)
    return children


def _mark_for_viewer(nodes: list[Node], viewer: User | None) -> None:
    """Flag the nodes whose author the viewer mutes, and those the viewer likes (two queries)."""
    muted = muted_ids([n.comment.author_id for n in nodes], viewer)
    liked = liked_ids([n.comment.id for n in nodes], viewer)
    for node in nodes:
        node.muted = node.comment.author_id in muted
        node.liked = node.comment.id in liked


def flatten(nodes: list[Node]) -> list[Row]:
    """Return the trees under ``nodes`` in reading order, each row saying which reply lists it ends."""
    rows: list[Row] = []
    pending = [(node, ()) for node in reversed(nodes)]
    while pending:
        node, closes = pending.pop()
        if not node.replies:
            rows.append(Row(node, list(closes)))
            continue
        rows.append(Row(node, []))
        # The last reply ends this comment's list, and whatever this comment itself ended.
        children = [(child, ()) for child in node.replies]
        children[-1] = (node.replies[-1], (node, *closes))
        pending += reversed(children)
    return rows


def reply_count(comment: Comment, viewer: User | None) -> int:
    """Return how many direct replies to ``comment`` the viewer's thread shows."""
    child = _alias("counted")
    return db.session.scalar(select(func.count()).select_from(child)
                             .where(child.parent_id == comment.id, _shown(_audience(viewer), child, "counted_")))


def holds_up_replies(comment: Comment, viewer: User | None) -> bool:
    """Return whether ``comment`` appears in the viewer's thread (as itself or as a placeholder)."""
    return db.session.scalar(select(exists().where(Comment.id == comment.id, _shown(_audience(viewer)))))


def ancestors(comment: Comment, levels: int) -> list[Comment]:
    """Return up to ``levels`` comments that ``comment`` answers, nearest first, in one query."""
    if comment.parent_id is None or levels < 1:
        return []
    up = _alias("up")
    chain = select(Comment.id, Comment.parent_id, literal(1).label("steps")).where(
        Comment.id == comment.parent_id).cte("chain", recursive=True)
    chain = chain.union_all(select(up.id, up.parent_id, chain.c.steps + 1)
                            .where(up.id == chain.c.parent_id, chain.c.steps < levels))
    return list(db.session.scalars(
        select(Comment).join(chain, chain.c.id == Comment.id)
        .options(joinedload(Comment.author), joinedload(Comment.article))
        .order_by(Comment.depth.desc())))


def conversation(comment: Comment, viewer: User | None, *, hidden=False, cursor=None, limit=20) -> Conversation:
    """Return ``comment``'s page: the few comments it answers, itself, and a page of its replies.

    ``hidden``: the viewer may not see ``comment`` itself, only the replies it holds up.
    """
    above = ancestors(comment, CONTEXT_SIZE)
    context = [Node(c, hidden=c.status != CommentStatus.DELETED and not is_visible(c, viewer))
               for c in reversed(above)]
    focus = Node(comment, hidden=hidden, reply_count=reply_count(comment, viewer))
    _mark_for_viewer([*context, focus], viewer)
    earlier = above[-1].parent_id if above else None
    return Conversation(context, focus, replies_page(comment, viewer, cursor=cursor, limit=limit), earlier)
