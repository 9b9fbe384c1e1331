"""A real browser: a reader's abusive comment waits for review, a moderator rejects it, the reader is told.

A server runs in a thread on a free loopback port with a fresh SQLite database; Debian's chromium
is driven by Playwright. Screenshots of the queue go to test-output/.
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
from tests.factories import ARTICLE, PASSWORD, PUBLISHER_KEY

CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
ABUSIVE = "You are a pathetic idiot and everybody here knows it."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                       reason="Debian's chromium is not installed (CI installs it)"),
]


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
        "MODERATION_MODEL_PATH": str(base_model_path), "RATELIMIT_ENABLED": False,
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
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def log_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_load_state()


def test_reader_posts_abuse_moderator_rejects_reader_is_told(server, browser):
    OUTPUT.mkdir(exist_ok=True)
    reader = browser.new_page(viewport={"width": 1200, "height": 900})
    log_in(reader, server, "rosa")
    reader.goto(f"{server}/articles/council-budget")
    reader.fill("#body-new", ABUSIVE)
    reader.click("form.compose button[type=submit]")
    reader.wait_for_load_state()
    assert "awaiting review" in reader.text_content(".flash")
    assert reader.locator(".comment .pill-pending").first.text_content() == "Awaiting review"

    moderator = browser.new_page(viewport={"width": 1280, "height": 1000})
    log_in(moderator, server, "mod")
    moderator.goto(f"{server}/moderation")
    first = moderator.locator(".q-item").first
    assert first.locator(".q-body").text_content() == ABUSIVE
    marked = [m.lower() for m in first.locator(".q-body mark").all_text_contents()]
    assert any("idiot" in m for m in marked), marked
    assert first.locator(".reason-abuse").count() == 1
    moderator.screenshot(path=str(OUTPUT / "moderation-queue.png"), full_page=True)

    # The keyboard: the first item has focus; "r" rejects it with the preselected reason.
    with moderator.expect_navigation():
        moderator.keyboard.press("r")
    assert "Rejected comment" in moderator.text_content(".flash")
    assert moderator.locator(".empty-queue").count() == 1
    moderator.screenshot(path=str(OUTPUT / "moderation-queue-after.png"), full_page=True)
    moderator.goto(f"{server}/moderation/log")
    assert "abuse" in moderator.locator(".desk-table tbody tr").first.text_content()

    reader.goto(f"{server}/notifications")
    assert "rejected your comment" in reader.text_content("main")
