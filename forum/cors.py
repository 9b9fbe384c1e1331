"""CORS for the JSON API: pages of the ``EMBED_ORIGINS``, and no other origin, may call it from a browser.

An allowed origin is echoed in ``Access-Control-Allow-Origin`` (never ``*``, never with
credentials: the embed sends a bearer token, not cookies) and its preflights are answered with the
methods and headers the API takes. Any other origin gets no CORS header at all, so its browser
refuses to hand it the answer. Every API answer says ``Vary: Origin``, since it differs by origin
and some (``/api/v1/counts``) may be kept by shared caches.

A handler of our own rather than flask-cors, which sends no ``Vary: Origin`` to origins it does not
allow (nor with a single allowed origin), and answers a preflight for any method asked.
"""
from flask import Flask, Response, current_app, request

API_PREFIX = "/api/"
ALLOWED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ALLOWED_HEADERS = ("Authorization", "Content-Type")
#: What a script may read beyond the simple response headers: the waits a 429 or a 503 asks for.
EXPOSED_HEADERS = ("Retry-After",)
#: Seconds a browser may keep a preflight's answer.
PREFLIGHT_MAX_AGE = 600


def allowed_origin() -> str | None:
    """Return the request's ``Origin`` if it is one of the ``EMBED_ORIGINS``, else None."""
    origin = request.headers.get("Origin")
    return origin if origin and origin in current_app.config["EMBED_ORIGINS"] else None


def _is_preflight() -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def _answer_preflight() -> Response | None:
    """Answer an allowed origin's preflight for an existing API route before anything else runs."""
    if not (request.path.startswith(API_PREFIX) and _is_preflight()) or request.url_rule is None:
        return None
    origin = allowed_origin()
    if origin is None:
        return None  # Flask answers as to any OPTIONS request, and the CORS headers stay off
    # Every rule of this path (GET and POST of one URL are often two rules), as Flask's OPTIONS answer.
    methods = [m for m in ALLOWED_METHODS if m in current_app.create_url_adapter(request).allowed_methods()]
    if request.headers["Access-Control-Request-Method"].strip().upper() not in methods:
        return None
    response = current_app.response_class(status=204)
    response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
    response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_HEADERS)
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


def _add_cors_headers(response: Response) -> Response:
    if not request.path.startswith(API_PREFIX):
        return response
    response.vary.add("Origin")
    origin = allowed_origin()
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        if not _is_preflight():
            response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
    return response


def init_app(app: Flask) -> None:
    """Answer allowed preflights first, and add the CORS headers to every API answer."""
    # First of the app's before-request functions: a preflight needs no session, token or CSRF check.
    app.before_request_funcs.setdefault(None, []).insert(0, _answer_preflight)
    app.after_request(_add_cors_headers)
