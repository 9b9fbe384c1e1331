"""Threads and comments over JSON; the same services as the pages."""
from flask import request
from flask_login import current_user

from forum.api.base import bp
from forum.api.serializers import comment_dict
from forum.extensions import db, limiter
from forum.pagination import page_args
from forum.ratelimits import limit
from forum.security import authenticated_user
from forum.threads import queries, service
from forum.validation import int_field, json_body


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


@bp.get("/articles/<article_id>/comments")
def list_comments(article_id):
    article = service.get_article(article_id)
    page = queries.thread_page(article, current_user, sort=request.args.get("sort"),
                               **page_args())
    return {"comments": tree_dicts(page.nodes, current_user), "next_cursor": page.next_cursor}


@bp.get("/comments/<int:comment_id>/replies")
def list_replies(comment_id):
    """Answer a page of the comment's direct replies, oldest first, each with its first few replies."""
    parent, _ = service.get_thread_comment(comment_id, current_user)
    page = queries.replies_page(parent, current_user, **page_args())
    return {"comments": tree_dicts(page.nodes, current_user), "next_cursor": page.next_cursor}


@bp.post("/articles/<article_id>/comments")
@limiter.limit(limit("RATELIMIT_POST"))
def create_comment(article_id):
    author = authenticated_user()
    article = service.get_article(article_id)
    data = json_body()
    comment = service.post_comment(article, author, data.get("body"), parent_id=int_field(data, "parent_id"))
    db.session.commit()
    return {"comment": comment_dict(comment, viewer=author)}, 201


@bp.get("/comments/<int:comment_id>")
def show_comment(comment_id):
    comment = service.get_comment(comment_id, current_user)
    return {"comment": comment_dict(comment, viewer=current_user,
                                    reply_count=queries.reply_count(comment, current_user))}


@bp.patch("/comments/<int:comment_id>")
def update_comment(comment_id):
    editor = authenticated_user()
    comment = service.get_comment(comment_id, editor)
    data = json_body()
    service.edit_comment(comment, editor, data.get("body"))
    db.session.commit()
    return {"comment": comment_dict(comment, viewer=editor, reply_count=queries.reply_count(comment, editor))}


@bp.delete("/comments/<int:comment_id>")
def remove_comment(comment_id):
    user = authenticated_user()
    service.delete_comment(service.get_comment(comment_id, user), user)
    db.session.commit()
    return "", 204
