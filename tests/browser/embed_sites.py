"""Sites for the embed's browser tests: Parley on 127.0.0.1 and newsroom pages on other origins.

127.0.0.1, 127.0.0.2 and 127.0.0.3 are three sites to the browser (an IP address is its own
site; ports are not), so a Parley frame on a 127.0.0.2 page is a third-party frame.
"""
import html
import json
import os
import tempfile
import threading
import time
from contextlib import contextmanager

import jwt
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS
from tests.factories import PASSWORD

#: Chromium's "Block third-party cookies" setting (Preferences ``profile.cookie_controls_mode``).
BLOCK_THIRD_PARTY_COOKIES, ALLOW_THIRD_PARTY_COOKIES = 1, 0


@contextmanager
def serving(wsgi_app, host: str):
    """Serve ``wsgi_app`` on ``host`` and a free port in a thread; yield the server (``server_port``)."""
    httpd = make_server(host, 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        thread.join()


class NewsroomPages:
    """A newsroom's site: it serves the HTML registered under a path, nothing else."""

    def __init__(self):
        self.pages: dict[str, str] = {}

    def __call__(self, environ, start_response):
        body = self.pages.get(Request(environ).path)
        response = Response(body or "not found", status=200 if body else 404, content_type="text/html")
        return response(environ, start_response)


def article_page(parley: str, article_id: str, *, sso: str | None = None, counts=()) -> str:
    """Return a news article page that embeds ``article_id``'s thread, with the recommended fallback link.

    The page records every message it receives and the globals it starts with, so a test can ask
    what the page's own scripts could see. Its styles are deliberately loud: none may reach the thread.
    """
    sso_attribute = f' data-parley-sso="{html.escape(sso)}"' if sso else ""
    spans = "".join(f'<p>Comments on {c}: <span class="count" data-parley-count="{c}">…</span></p>' for c in counts)
    return f"""<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>The Daily Example</title>
<style>body {{ font: 20px/1.4 serif; margin: 0 auto; max-width: 900px; padding: 0 12px; }}
p, button, textarea {{ color: magenta !important; font-family: fantasy !important; }}</style>
<script>window.hostMessages = []; window.hostGlobalsBefore = Object.keys(window);
window.addEventListener("message", function (e) {{ window.hostMessages.push(JSON.stringify(e.data)); }});</script>
</head><body><h1>Council approves the budget</h1><p>The story…</p>{spans}
<div id="thread" data-parley-article="{article_id}"{sso_attribute}>
<a href="{parley}/articles/{article_id}">Comments</a></div>
<script src="{parley}/embed.js" async></script></body></html>"""


class CookieProbe:
    """Wrap Parley with ``/__probe/set`` (sets a third-party-capable cookie) and ``/__probe/get``."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        request = Request(environ)
        if not request.path.startswith("/__probe/"):
            return self.app(environ, start_response)
        response = Response(f"<p id=cookie>{html.escape(request.headers.get('Cookie', 'none'))}</p>",
                            content_type="text/html")
        if request.path == "/__probe/set":
            response.headers["Set-Cookie"] = "probe=1; Path=/; SameSite=None; Secure"
        return response(environ, start_response)


def launch(playwright, cookie_mode: int = BLOCK_THIRD_PARTY_COOKIES):
    """Launch chromium with a fresh profile whose third-party cookie setting is ``cookie_mode``."""
    profile = tempfile.mkdtemp(prefix="parley-chromium-")
    os.makedirs(os.path.join(profile, "Default"))
    with open(os.path.join(profile, "Default", "Preferences"), "w") as f:
        json.dump({"profile": {"cookie_controls_mode": cookie_mode}}, f)
    return playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


SSO_SECRET = "the-daily-example-sso-secret-32-bytes-long"


def mint(user: dict, secret: str = SSO_SECRET) -> str:
    """Mint the newsroom's sign-in token for ``user``, as its own site would."""
    now = int(time.time())
    return jwt.encode({"iat": now, "exp": now + 600, "user": user}, secret, algorithm="HS256")


def host(sites, path, article_id, *, origin="allowed", **options) -> str:
    """Publish a newsroom page embedding ``article_id`` and return its URL."""
    sites["pages"][path] = article_page(sites["parley"], article_id, **options)
    return f"{sites[origin]}{path}"


def thread(page):
    return page.frame_locator("#thread iframe")


def sign_in(frame, username):
    """Sign in inside the embed, with the keyboard after the first click."""
    frame.get_by_role("button", name="Sign in").click()
    frame.get_by_label("Username").fill(username)
    frame.get_by_label("Password").fill(PASSWORD)
    frame.get_by_label("Password").press("Enter")
    frame.get_by_text("Signed in as").wait_for()
