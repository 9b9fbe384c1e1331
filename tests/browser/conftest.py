"""A real site in a thread and Debian's chromium driven by Playwright, for the browser tests.

Every test here is marked ``browser``; without /usr/bin/chromium they are skipped, except in CI
(which installs it), where a missing browser must fail the run.
"""
import os
import socket
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from forum import create_app
from forum.extensions import db
from tests.browser.embed_sites import SSO_SECRET, CookieProbe, NewsroomPages, launch, serving
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS
from tests.factories import ARTICLE, PASSWORD, PUBLISHER_KEY, ApiActions
from tests.screens import WordScreen


def pytest_collection_modifyitems(items):
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (CI installs it)")
    for item in items:
        if Path(__file__).parent in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
                item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, base_model_path):
    """Serve a fresh site with a reader, a moderator and an article; yield its base URL."""
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "SECRET_KEY": "browser-test", "PUBLISHER_API_KEY": PUBLISHER_KEY,
        "MODERATION_MODEL_PATH": str(base_model_path), "RATELIMIT_ENABLED": False, "SCREEN": WordScreen(),
        # Above any probability: nothing is rejected outright, so the moderator gets to reject it.
        "MODERATION_ABUSE_REJECT_THRESHOLD": 1.01,
    })
    with app.app_context():
        upgrade()
    runner = app.test_cli_runner()
    for username, role in (("rosa", "reader"), ("mod", "moderator")):
        result = runner.invoke(args=["users", "create", username, "--email", f"{username}@example.org",
                                     "--password", PASSWORD, "--role", role])
        assert result.exit_code == 0, result.output
    assert app.test_client().put("/api/v1/articles/council-budget", json=ARTICLE,
                                 headers={"X-API-Key": PUBLISHER_KEY}).status_code == 201
    port = free_port()
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# The embed's tests: Parley on 127.0.0.1 with EMBED_ORIGINS naming a newsroom on 127.0.0.2 (one on
# 127.0.0.3 is not allowed) and SSO_SECRET set; chromium with third-party cookies blocked. One site
# and one browser per test module; each test uses its own article and readers.


@pytest.fixture(scope="module")
def sites(tmp_path_factory, base_model_path):
    """Yield the newsroom's pages and the URLs of Parley, the allowed newsroom and a foreign one."""
    pages = NewsroomPages()
    with serving(pages, "127.0.0.2") as newsroom, serving(pages, "127.0.0.3") as foreign:
        allowed = f"http://127.0.0.2:{newsroom.server_port}"
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('embed') / 'site.sqlite3'}",
            "SECRET_KEY": "embed-test", "PUBLISHER_API_KEY": PUBLISHER_KEY, "EMBED_ORIGINS": allowed,
            "SSO_SECRET": SSO_SECRET,
            "MODERATION_MODEL_PATH": str(base_model_path), "RATELIMIT_ENABLED": False, "SCREEN": WordScreen(),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            # The threads are seeded fast from a few readers: the spam rules would hold them.
            "MODERATION_REPEAT_POST_HOLD": False, "MODERATION_BURST_LIMIT": 0,
        })
        with app.app_context():
            upgrade()
        with serving(CookieProbe(app), "127.0.0.1") as parley_server:
            yield {"app": app, "pages": pages.pages, "parley": f"http://127.0.0.1:{parley_server.server_port}",
                   "allowed": allowed, "foreign": f"http://127.0.0.3:{foreign.server_port}"}
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def parley(sites):
    """API actions on the embed's Parley site: articles, readers, comments."""
    return ApiActions(sites["app"])


@pytest.fixture(scope="module")
def playwright():
    """Playwright for a module's embed tests, which launch chromium with one profile or another."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="module")
def chromium(playwright):
    """Chromium with third-party cookies blocked (a persistent context: the setting is the profile's)."""
    context = launch(playwright)
    yield context
    context.close()


@pytest.fixture
def page(chromium):
    """A fresh tab that fails the test on any Content-Security-Policy violation in the frame."""
    tab = chromium.new_page()
    violations = []
    tab.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    yield tab
    tab.close()
    assert violations == []
