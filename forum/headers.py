"""Security headers on every response, and cookies that are ``Secure`` whenever the request was.

The Content-Security-Policy allows scripts and styles from Parley's own origin only (no inline
script or style: templates use classes and elements such as ``<meter>``), and lets only Parley
itself and the ``EMBED_ORIGINS`` frame its pages, except those of blueprints declared
``never_framed`` (the moderation desk): nobody frames those. Behind ``FLASK_PROXY_COUNT`` proxies the scheme
comes from ``X-Forwarded-Proto`` (ProxyFix), so a request the proxy received over HTTPS gets
Strict-Transport-Security and ``Secure`` cookies; one over plain HTTP gets neither.
"""
from flask import Blueprint, Flask, Response, current_app, has_request_context, request

#: Every directive but ``frame-ancestors``, which depends on the configured embed origins.
_CSP = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def content_security_policy(embed_origins=()) -> str:
    """Return the policy, with ``frame-ancestors`` allowing Parley and ``embed_origins``."""
    return "; ".join((*_CSP, " ".join(("frame-ancestors 'self'", *embed_origins))))


#: The policy of pages no one may frame, not even Parley itself.
UNFRAMABLE_CSP = "; ".join((*_CSP, "frame-ancestors 'none'"))


def never_framed(blueprint: Blueprint) -> Blueprint:
    """Declare that no page of ``blueprint`` may be framed by anyone (``frame-ancestors 'none'``).

    Every answer under its URL prefix counts, its error pages and redirects included, so that a
    page of the desk can never be overlaid on another site (clickjacking a moderator).
    """
    def record(state) -> None:
        unframable = state.app.extensions.setdefault("parley_unframable", {"blueprints": set(), "prefixes": set()})
        unframable["blueprints"].add(state.name)
        if state.url_prefix:
            unframable["prefixes"].add(state.url_prefix.rstrip("/"))

    blueprint.record_once(record)
    return blueprint


def _is_unframable() -> bool:
    unframable = current_app.extensions.get("parley_unframable")
    if not unframable:
        return False
    if request.blueprint in unframable["blueprints"]:
        return True
    return any(request.path == prefix or request.path.startswith(prefix + "/") for prefix in unframable["prefixes"])


class SecureCookieResponse(Response):
    """A response whose cookies (session, remember me, any other) are ``Secure`` over HTTPS."""

    def set_cookie(self, key, *args, secure: bool = False, **kwargs) -> None:
        """Set a cookie as asked, and ``Secure`` too when the request came over HTTPS."""
        super().set_cookie(key, *args, secure=secure or (has_request_context() and request.is_secure), **kwargs)


def _add_headers(response: Response) -> Response:
    if _is_unframable():
        response.headers["Content-Security-Policy"] = UNFRAMABLE_CSP
        response.headers["X-Frame-Options"] = "DENY"  # for browsers that predate frame-ancestors
    response.headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={current_app.config['HSTS_MAX_AGE']}")
    return response


def init_app(app: Flask) -> None:
    """Send the headers on every response and mark cookies ``Secure`` on HTTPS requests."""
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(app.config["EMBED_ORIGINS"])
    app.response_class = SecureCookieResponse
    app.after_request(_add_headers)
