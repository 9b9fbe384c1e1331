"""Helpers for the moderation tests: a pre-moderated article, queue calls, and data set directly."""
from sqlalchemy import update

from forum.extensions import db
from forum.models import Comment

PREMOD = "premod-story"
CIVIL = "The bus money is welcome, but I would like to know how the parking fees were set."


def premod_article(api, article_id=PREMOD):
    """Register an article whose every comment waits for a moderator."""
    return api.article(article_id, moderation_mode="pre")


def held(api, headers, body=CIVIL, **kwargs) -> dict:
    """Post a comment that lands in the queue (on the pre-moderated article)."""
    comment = api.comment(headers, body, article_id=kwargs.pop("article_id", PREMOD), **kwargs)
    assert comment["status"] == "pending", comment
    return comment


def set_comment(app, comment_id, **values) -> None:
    """Change a comment's columns directly: scores, report counts, or time moved through the data."""
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == comment_id).values(**values))
        db.session.commit()


def queue(api, headers, **params) -> dict:
    response = api.client.get("/api/v1/moderation/queue", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def decide(api, headers, comment_id, action, reason=None, *, note=None):
    body = {"action": action, "reason": reason, "note": note}
    body = {key: value for key, value in body.items() if value is not None}
    return api.client.post(f"/api/v1/moderation/comments/{comment_id}/decision", json=body, headers=headers)


def report(api, headers, comment_id, reason="abusive", note=None):
    body = {"reason": reason} if note is None else {"reason": reason, "note": note}
    return api.client.post(f"/api/v1/comments/{comment_id}/reports", json=body, headers=headers)
