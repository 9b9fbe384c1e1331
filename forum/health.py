"""``GET /healthz``: is the database reachable and the model loaded."""
from flask import Blueprint
from sqlalchemy import text

from forum.extensions import db
from moderation import scoring

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    body = {"status": "ok", "database": "ok", "model_version": None}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the same thing to a load balancer
        db.session.rollback()
        body.update(status="error", database=f"error: {type(exc).__name__}")
    model = scoring.active_model()
    if model is None:
        body.update(status="error", model=f"error: {scoring.model_error()}")
    else:
        body.update(model="ok", model_version=model.version)
    return body, 200 if body["status"] == "ok" else 503
