"""What every JSON API blueprint shares: bearer-token or session authentication, CSRF for sessions."""
from flask import Blueprint, g, request
from flask_login import current_user

from forum.errors import Unauthorized
from forum.extensions import csrf
from forum.security import bearer_token

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _authenticate_request():
    token = bearer_token()
    if token is not None:
        # Flask-Login's request loader reads the token; check it here so that a bad token is always
        # a 401, never a silent anonymous request.
        if not current_user.is_authenticated or getattr(g, "api_token", None) is None:
            raise Unauthorized("That token is not valid (expired, revoked or mistyped); get a new one.",
                               code="invalid_token")
    elif request.method in UNSAFE_METHODS and current_user.is_authenticated:
        # Signed in by the session cookie: a browser must prove that our page sent the request.
        csrf.protect()


def api_blueprint(name: str, import_name: str, url_prefix: str = "/api/v1") -> Blueprint:
    """Create a JSON API blueprint: exempt from form CSRF, authenticated per request."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix)
    csrf.exempt(bp)
    bp.before_request(_authenticate_request)
    return bp


bp = api_blueprint("api", __name__)
