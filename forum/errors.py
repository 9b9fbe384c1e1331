"""One error shape: JSON for the API and JSON-preferring clients, a page otherwise.

Services raise ``ApiError`` subclasses; every handler rolls the session back first, so a failed
request writes nothing.
"""
import logging

from flask import current_app, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import BadHost, HTTPException, SecurityError

from forum.extensions import db

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error a client can act on: an HTTP status, a short code and a sentence."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, payload=None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.payload = payload or {}


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class Invalid(ApiError):
    """Well-formed input that breaks a rule; ``payload['fields']`` names the fields."""

    status, code = 422, "invalid"


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


def wants_json() -> bool:
    """Return whether this request should get a JSON error rather than a page."""
    if request.path.startswith("/api/") or request.path in ("/api", "/healthz"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message: str, payload=None):
    """Answer an error in the contract's shape, or as an HTML page."""
    if wants_json():
        return {"error": {"code": code, "message": message, **(payload or {})}}, status
    if request_ctx.url_adapter is None:
        # The URL map could not be bound to the request's host (not a host name, or not one of
        # TRUSTED_HOSTS), so no url_for works: the usual layout, which links the stylesheet and the
        # articles, cannot be drawn.
        return current_app.jinja_env.get_template("plain_error.html").render(status=status, message=message), status
    return render_template("error.html", status=status, message=message), status


#: What the driver or the pool raise when the database cannot be reached or does not answer in time.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                        sa_exc.DisconnectionError)


def _handle_database_unavailable(error: Exception):
    """Answer 503 ``database_unavailable``; the page is plain, since rendering the usual one reads the database."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone already: nothing to roll back
        log.debug("Rollback after a database failure failed too", exc_info=True)
    log.error("Database unavailable on %s %s: %s", request.method, request.path, error)
    message = "The database is not answering; try again in a moment."
    if wants_json():
        response = {"error": {"code": "database_unavailable", "message": message}}, 503
    else:
        response = current_app.jinja_env.get_template("unavailable.html").render(message=message), 503
    return (*response, {"Retry-After": "5"})


def _handle_api_error(error: ApiError):
    db.session.rollback()
    return error_response(error.status, error.code, error.message, error.payload)


def _handle_csrf_error(error: CSRFError):
    db.session.rollback()
    return error_response(400, "csrf_failed", "The form expired or was already used. Reload the page and try again.")


def _handle_http_error(error: HTTPException):
    db.session.rollback()
    status = error.code or 500
    messages = {
        404: "Nothing is here: check the address.",
        405: "This address does not accept that method.",
        413: "The request is too large.",
        429: f"Too many requests: slow down and try again later ({error.description}).",
    }
    if isinstance(error, BadHost | SecurityError):
        messages[400] = "The request's Host header is not a host name this site can answer for."
    return error_response(status, _HTTP_CODES.get(status, "error"), messages.get(status, error.description))


def _handle_unexpected(error: Exception):
    db.session.rollback()
    log.exception("Unhandled error on %s %s", request.method, request.path)
    if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
        raise error
    return error_response(500, "internal_error", "Something went wrong on our side; it has been logged.")


def init_app(app) -> None:
    """Register the handlers."""
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, _handle_database_unavailable)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(Exception, _handle_unexpected)
