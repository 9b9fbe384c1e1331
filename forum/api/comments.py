"""Threads and comments over JSON; the same services as the pages."""
from flask_login import current_user

from forum.api.base import bp
from forum.api.serializers import comment_dict
from forum.extensions import db, limiter
from forum.openapi import operation
from forum.pagination import PageQuery
from forum.ratelimits import limit
from forum.schemas import CommentEdit, CommentEnvelope, NewComment, ThreadPage, ThreadQuery
from forum.security import authenticated_user
from forum.threads import queries, service


def node_dict(node, viewer) -> dict:
    """A comment in a tree, with an empty ``replies`` list, whether the viewer likes it or mutes its
    author, and where its replies not shown here continue (``GET /comments/{id}/replies``)."""
    return {**comment_dict(node.comment, viewer=viewer, reply_count=node.reply_count, replies=[],
                           hidden=node.hidden),
            "liked": node.liked, "author_muted": node.muted,
            "more_replies": node.more_replies, "replies_cursor": node.replies_cursor}


def tree_dicts(nodes, viewer) -> list[dict]:
    """Return ``nodes`` with their replies nested, built in a loop (a deep thread needs no deep stack)."""
    top: list[dict] = []
    pending = [(node, top) for node in reversed(nodes)]
    while pending:
        node, siblings = pending.pop()
        data = node_dict(node, viewer)
        siblings.append(data)
        pending += [(child, data["replies"]) for child in reversed(node.replies)]
    return top


@bp.get("/articles/<article_id:article_id>/comments")
@operation(auth="optional", query=ThreadQuery, responses={200: ThreadPage})
def list_comments(article_id, query: ThreadQuery):
    """Answer a page of an article's top-level comments, each with its replies nested."""
    article = service.get_article(article_id)
    # The user itself, not the proxy: a page asks who the viewer is for each of its hundreds of comments.
    viewer = current_user._get_current_object()
    page = queries.thread_page(article, viewer, sort=query.sort, **query.page())
    return {"comments": tree_dicts(page.nodes, viewer), "next_cursor": page.next_cursor}


@bp.get("/comments/<int:comment_id>/replies")
@operation(auth="optional", query=PageQuery, responses={200: ThreadPage})
def list_replies(comment_id, query: PageQuery):
    """Answer a page of the comment's direct replies, oldest first, each with its first few replies."""
    viewer = current_user._get_current_object()
    parent, _ = service.get_thread_comment(comment_id, viewer)
    page = queries.replies_page(parent, viewer, **query.page())
    return {"comments": tree_dicts(page.nodes, viewer), "next_cursor": page.next_cursor}


@bp.post("/articles/<article_id:article_id>/comments")
@limiter.limit(limit("RATELIMIT_POST"))
@operation(auth="user", body=NewComment, responses={201: CommentEnvelope}, errors=(409, 429))
def create_comment(article_id, body: NewComment):
    """Post a comment, or a reply with ``parent_id``."""
    author = authenticated_user()
    article = service.get_article(article_id)
    comment = service.post_comment(article, author, body.body, parent_id=body.parent_id, nudge=body.nudge)
    db.session.commit()
    return {"comment": comment_dict(comment, viewer=author)}, 201


@bp.get("/comments/<int:comment_id>")
@operation(auth="optional", responses={200: CommentEnvelope})
def show_comment(comment_id):
    """Answer a comment (404 when the caller may not see it)."""
    comment = service.get_comment(comment_id, current_user)
    return {"comment": comment_dict(comment, viewer=current_user,
                                    reply_count=queries.reply_count(comment, current_user))}


@bp.patch("/comments/<int:comment_id>")
@operation(auth="user", body=CommentEdit, responses={200: CommentEnvelope}, errors=(409,))
def update_comment(comment_id, body: CommentEdit):
    """Edit my comment within the edit window; it is scored again."""
    editor = authenticated_user()
    comment = service.get_comment(comment_id, editor)
    service.edit_comment(comment, editor, body.body)
    db.session.commit()
    return {"comment": comment_dict(comment, viewer=editor, reply_count=queries.reply_count(comment, editor))}


@bp.delete("/comments/<int:comment_id>")
@operation(auth="user", responses={204: None})
def remove_comment(comment_id):
    """Delete my comment."""
    user = authenticated_user()
    service.delete_comment(service.get_comment(comment_id, user), user)
    db.session.commit()
    return "", 204
