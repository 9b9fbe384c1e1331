"""Security headers on every response, and cookies that are ``Secure`` whenever the request was.

The Content-Security-Policy allows scripts and styles from Parley's own origin only (no inline
script or style: templates use classes and elements such as ``<meter>``), and lets only Parley
itself and the ``EMBED_ORIGINS`` frame its pages. Behind ``FLASK_PROXY_COUNT`` proxies the scheme
comes from ``X-Forwarded-Proto`` (ProxyFix), so a request the proxy received over HTTPS gets
Strict-Transport-Security and ``Secure`` cookies; one over plain HTTP gets neither.
"""
from flask import Flask, Response, current_app, has_request_context, request

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


class SecureCookieResponse(Response):
    """A response whose cookies (session, remember me, any other) are ``Secure`` over HTTPS."""

    def set_cookie(self, key, *args, secure: bool = False, **kwargs) -> None:
        """Set a cookie as asked, and ``Secure`` too when the request came over HTTPS."""
        super().set_cookie(key, *args, secure=secure or (has_request_context() and request.is_secure), **kwargs)


def _add_headers(response: Response) -> Response:
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
