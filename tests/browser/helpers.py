"""What the browser tests share besides fixtures: where chromium is, where screenshots go, logging in,
posting."""
from pathlib import Path

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


def log_in(page, base, username):
    """Log ``username`` in through the login form."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_load_state()


def post_comment(page, base, body, article_id="council-budget"):
    """Post ``body`` through the article page's compose form, anyway if the page warns about the guidelines."""
    page.goto(f"{base}/articles/{article_id}")
    page.fill("#body-new", body)
    page.click("form.compose button[type=submit]")
    page.wait_for_load_state()
    anyway = page.get_by_role("button", name="Post anyway")
    if anyway.count():
        anyway.click()
        page.wait_for_load_state()
