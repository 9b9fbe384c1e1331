"""The moderation desk and reader reports over JSON (API.md, Moderation and Comments)."""
from flask import request
from flask_login import current_user

from forum.accounts.service import get_user
from forum.api.base import api_blueprint
from forum.api.serializers import comment_dict
from forum.errors import ApiError, Invalid
from forum.extensions import db, limiter
from forum.models import Article, Comment
from forum.pagination import page_args
from forum.ratelimits import limit
from forum.security import admin_required, authenticated_user, moderator_required
from forum.threads.service import get_article, get_comment, thread_context
from forum.validation import int_field, json_body
from moderation import scoring
from moderation.queue import queries, service
from moderation.queue.serializers import (
    author_status_dict,
    decision_dict,
    highlight_dict,
    queue_item_dict,
)

bp = api_blueprint("moderation_api", __name__)


@bp.post("/comments/<int:comment_id>/reports")
@limiter.limit(limit("RATELIMIT_REPORT"))
def create_report(comment_id):
    """Report a comment for a reason, with an optional note (201; 409 twice; 403 your own)."""
    reporter = authenticated_user()
    comment = get_comment(comment_id, reporter)
    data = json_body()
    row = service.report(comment, reporter, data.get("reason"), data.get("note"))
    db.session.commit()
    return {"report": {"id": row.id, "comment_id": comment.id, "reason": row.reason, "note": row.note}}, 201


@bp.get("/moderation/queue")
@moderator_required
def queue():
    """List the queue, most urgent first, filtered by reason and article."""
    page = queries.queue_page(reason=request.args.get("reason"),
                              article_id=request.args.get("article_id"), **page_args())
    return {"items": [queue_item_dict(item, current_user) for item in page.items], "next_cursor": page.next_cursor}


@bp.post("/moderation/comments/<int:comment_id>/decision")
@moderator_required
def decide(comment_id):
    """Approve, reject or escalate a queued comment (409 when someone else was first)."""
    comment = get_comment(comment_id, current_user)
    data = json_body()
    decision = service.decide(comment, current_user, data.get("action"), data.get("reason"), data.get("note"))
    db.session.commit()
    return {"comment": comment_dict(comment, viewer=current_user),
            "decision": {"action": decision.action, "reason": decision.reason, "note": decision.note}}


@bp.post("/moderation/users/<username>/suspension")
@moderator_required
def suspend(username):
    """Suspend a reader for ``days`` days, or ban them when ``days`` is omitted."""
    user = get_user(username)
    data = json_body()
    service.sanction(user, current_user, data.get("days"), data.get("reason"))
    db.session.commit()
    return {"user": author_status_dict(user)}


@bp.delete("/moderation/users/<username>/suspension")
@moderator_required
def lift(username):
    """Lift a reader's suspension or ban."""
    user = get_user(username)
    service.lift(user, current_user)
    db.session.commit()
    return {"user": author_status_dict(user)}


@bp.put("/moderation/users/<username>/role")
@admin_required
def set_role(username):
    """Give a user the role reader, moderator or admin (admins only)."""
    user = get_user(username)
    service.change_role(user, current_user, json_body().get("role"))
    db.session.commit()
    return {"user": {**author_status_dict(user), "role": user.role.value}}


@bp.post("/moderation/score")
@moderator_required
def score():
    """Score a text as a new comment would be scored (with the thread as context), with its highlights."""
    data = json_body()
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Invalid("'text' must be a non-empty string.", code="invalid_text", payload={"field": "text"})
    article, parent = _score_context(data)
    scores, version = scoring.score_text(
        text,
        article=article.text if article is not None else "",
        parent=parent.body if parent is not None else "",
        context=thread_context(article, parent) if article is not None else (),
    )
    if scores is None:
        raise ApiError("The classifier is not available; see /healthz.", code="model_unavailable", status=503)
    return {"abuse": scores.abuse, "off_topic": scores.off_topic,
            "highlights": [highlight_dict(h) for h in scores.highlights], "model_version": version}


def _score_context(data: dict) -> tuple[Article | None, Comment | None]:
    """Return the article and the parent comment that ``article_id`` and ``parent_id`` name."""
    article_id = data.get("article_id")
    if article_id is not None and not isinstance(article_id, str):
        raise Invalid("'article_id' must be a string.", code="wrong_type", payload={"field": "article_id"})
    parent_id = int_field(data, "parent_id")
    parent: Comment | None = get_comment(parent_id, current_user) if parent_id is not None else None
    if article_id is not None:
        return get_article(article_id), parent
    return (parent.article if parent is not None else None), parent


@bp.get("/moderation/log")
@moderator_required
def log():
    """List the decisions, newest first, of one moderator, action or comment if asked."""
    page = queries.decision_log(**service.log_filters(request.args.get("moderator"), request.args.get("action"),
                                                         request.args.get("comment_id")), **page_args())
    return {"decisions": [decision_dict(d) for d in page.items], "next_cursor": page.next_cursor}


@bp.get("/moderation/stats")
@moderator_required
def stats():
    """Return the desk's statistics."""
    return queries.stats()
