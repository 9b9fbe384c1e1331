"""The moderation desk and reader reports over JSON (API.md, Moderation and Comments)."""
from flask_login import current_user

from forum.accounts.service import get_user
from forum.api.base import api_blueprint
from forum.api.serializers import comment_dict
from forum.errors import ApiError
from forum.extensions import db, limiter
from forum.models import Article, Comment
from forum.openapi import operation
from forum.ratelimits import limit
from forum.security import admin_required, authenticated_user, moderator_required
from forum.threads.service import get_article, get_comment, submission
from moderation import scoring
from moderation.queue import queries, scopes, service
from moderation.queue.schemas import (
    AuthorStatusEnvelope,
    DecisionBody,
    DecisionLog,
    DecisionResult,
    LogQuery,
    QueuePage,
    QueueQuery,
    ReportBody,
    ReportCreated,
    RoleBody,
    ScoreBody,
    ScoreOut,
    StaffStatusEnvelope,
    StatsOut,
    SuspensionBody,
    WordlistBody,
    WordlistOut,
)
from moderation.queue.serializers import (
    author_status_dict,
    decision_dict,
    highlight_dict,
    queue_item_dict,
)
from moderation.rules import wordlists

bp = api_blueprint("moderation_api", __name__)


@bp.post("/comments/<int:comment_id>/reports")
@limiter.limit(limit("RATELIMIT_REPORT"))
@operation(auth="user", body=ReportBody, responses={201: ReportCreated}, errors=(409, 429))
def create_report(comment_id, body: ReportBody):
    """Report a comment for a reason, with an optional note (201; 409 twice; 403 your own)."""
    reporter = authenticated_user()
    comment = get_comment(comment_id, reporter)
    row = service.report(comment, reporter, body.reason.value, body.note)
    db.session.commit()
    return {"report": {"id": row.id, "comment_id": comment.id, "reason": row.reason, "note": row.note}}, 201


@bp.get("/moderation/queue")
@moderator_required
@operation(auth="moderator", query=QueueQuery, responses={200: QueuePage})
def queue(query: QueueQuery):
    """List a view of the queue (pending, escalated, reported; most urgent first) or the decided history.

    Each view narrows by hold reason, by article (``article_id``, or ``article``: a part of its title,
    in any letter case) and by reader (``author``; an unknown name lists nothing).
    """
    page = scopes.queue_page(query.filters(), **query.page())
    return {"items": [queue_item_dict(item, current_user) for item in page.items], "next_cursor": page.next_cursor}


@bp.post("/moderation/comments/<int:comment_id>/decision")
@moderator_required
@operation(auth="moderator", body=DecisionBody, responses={200: DecisionResult}, errors=(409,))
def decide(comment_id, body: DecisionBody):
    """Approve, reject or escalate a queued comment, or take down a published one nobody decided yet
    (409 when someone else was first)."""
    comment = get_comment(comment_id, current_user)
    # A published comment no moderator has decided is still theirs to reject or escalate (as in the
    # thread's moderation view); one a moderator approved is decided: a later reject is too late (409).
    decision = service.decide(comment, current_user, body.action, body.reason, body.note,
                              published_too=comment.decided_at is None)
    db.session.commit()
    return {"comment": comment_dict(comment, viewer=current_user),
            "decision": {"action": decision.action, "reason": decision.reason, "note": decision.note}}


@bp.post("/moderation/users/<username:username>/suspension")
@moderator_required
@operation(auth="moderator", body=SuspensionBody, responses={200: AuthorStatusEnvelope})
def suspend(username, body: SuspensionBody):
    """Suspend a reader for ``days`` days, or ban them when ``days`` is omitted."""
    user = get_user(username)
    service.sanction(user, current_user, body.days, body.reason)
    db.session.commit()
    return {"user": author_status_dict(user)}


@bp.delete("/moderation/users/<username:username>/suspension")
@moderator_required
@operation(auth="moderator", responses={200: AuthorStatusEnvelope})
def lift(username):
    """Lift a reader's suspension or ban."""
    user = get_user(username)
    service.lift(user, current_user)
    db.session.commit()
    return {"user": author_status_dict(user)}


@bp.put("/moderation/users/<username:username>/role")
@admin_required
@operation(auth="admin", body=RoleBody, responses={200: StaffStatusEnvelope})
def set_role(username, body: RoleBody):
    """Give a user the role reader, moderator or admin (admins only)."""
    user = get_user(username)
    service.change_role(user, current_user, body.role.value)
    db.session.commit()
    return {"user": {**author_status_dict(user), "role": user.role.value}}


@bp.post("/moderation/score")
@moderator_required
@operation(auth="moderator", body=ScoreBody, responses={200: ScoreOut}, errors=(404, 503))
def score(body: ScoreBody):
    """Score a text as a new comment would be scored (with the thread as context), with its highlights."""
    scores, version = scoring.score_text(submission(body.text, *_score_context(body)))
    if scores is None:
        raise ApiError("The classifier is not available; see /healthz.", code="model_unavailable", status=503)
    return {"abuse": scores.abuse, "off_topic": scores.off_topic,
            "highlights": [highlight_dict(h) for h in scores.highlights], "categories": scores.categories,
            "model_version": version}


def _score_context(body: ScoreBody) -> tuple[Article | None, Comment | None]:
    """Return the article and the parent comment that ``article_id`` and ``parent_id`` name."""
    parent: Comment | None = get_comment(body.parent_id, current_user) if body.parent_id is not None else None
    if body.article_id is not None:
        return get_article(body.article_id), parent
    return (parent.article if parent is not None else None), parent


@bp.get("/moderation/log")
@moderator_required
@operation(auth="moderator", query=LogQuery, responses={200: DecisionLog})
def log(query: LogQuery):
    """List the decisions, newest first, of one moderator, action or comment if asked."""
    page = queries.decision_log(**query.filters(), **query.page())
    return {"decisions": [decision_dict(d) for d in page.items], "next_cursor": page.next_cursor}


@bp.get("/moderation/stats")
@moderator_required
@operation(auth="moderator", responses={200: StatsOut})
def stats():
    """Return the desk's statistics."""
    return queries.stats()


@bp.get("/moderation/wordlists/<any(banned, suspect):name>")
@moderator_required
@operation(auth="moderator", responses={200: WordlistOut})
def wordlist(name):
    """Return the banned or the suspect word list."""
    return {"terms": wordlists.terms(name)}


@bp.put("/moderation/wordlists/<any(banned, suspect):name>")
@moderator_required
@operation(auth="moderator", body=WordlistBody, responses={200: WordlistOut},
           body_characters=wordlists.MAX_TERMS * wordlists.MAX_TERM_LENGTH)
def replace_wordlist(name, body: WordlistBody):
    """Replace the banned or the suspect word list; every worker applies it from its next comment."""
    terms = wordlists.replace(name, body.terms)
    db.session.commit()
    return {"terms": terms}
