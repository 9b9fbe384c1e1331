"""``GET /healthz``: can this worker serve: the database, comment screening, the rate-limit storage.

503 when the database or screening fails (a worker that cannot read threads, or that holds every
new comment, needs an operator). A rate-limit storage that cannot be reached only degrades: the
limits are then kept in this worker's memory, so the answer stays 200 with ``rate_limits`` saying
so; a 503 there would let a Redis outage take every worker out of the load balancer. A screen
that works with less (a health part of its says ``degraded: ...``) still screens every comment:
200 with ``"status": "degraded"``, for the same reason.
"""
from flask import Blueprint, current_app
from sqlalchemy import text

from forum import screening
from forum.extensions import db, limiter

bp = Blueprint("health", __name__)


def _database() -> str:
    """Return ``ok`` or the error of a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the same thing to a load balancer
        db.session.rollback()
        return f"error: {type(exc).__name__}"
    return "ok"


def _rate_limits() -> str:
    """Return ``ok``, ``off``, or how the limits degraded when their storage cannot be reached."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return "off"
    if limiter.storage.check():
        return "ok"
    return "degraded: the rate-limit storage is unreachable, limits are kept in each worker's memory"


@bp.get("/healthz")
def healthz():
    """Report each part; 503 when the database or screening fails."""
    database = _database()
    screened, screen_parts = screening.health()
    body = {"status": "ok", "database": database, **screen_parts, "rate_limits": _rate_limits()}
    if database != "ok" or not screened:
        body["status"] = "error"
    elif screening.is_degraded(screen_parts):
        body["status"] = "degraded"
    return body, 503 if body["status"] == "error" else 200
