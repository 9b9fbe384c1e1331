"""A real browser: a reader's abusive comment waits for review, a moderator rejects it, the reader is told.

A server runs in a thread on a free loopback port with a fresh SQLite database; Debian's chromium
is driven by Playwright. Screenshots of the queue go to test-output/.
"""
from tests.browser.helpers import OUTPUT, log_in, post_comment

ABUSIVE = "You are a pathetic idiot and everybody here knows it."


def test_reader_posts_abuse_moderator_rejects_reader_is_told(server, browser):
    OUTPUT.mkdir(exist_ok=True)
    reader = browser.new_page(viewport={"width": 1200, "height": 900})
    log_in(reader, server, "rosa")
    post_comment(reader, server, ABUSIVE)
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

    # On a phone the item fits the screen, its Reject button included.
    moderator.set_viewport_size({"width": 390, "height": 900})
    assert moderator.evaluate("document.documentElement.scrollWidth") <= 390
    reject = first.get_by_role("button", name="Reject").bounding_box()
    assert reject["x"] >= 0 and reject["x"] + reject["width"] <= 390, reject
    moderator.screenshot(path=str(OUTPUT / "moderation-queue-phone.png"), full_page=True)
    moderator.set_viewport_size({"width": 1280, "height": 1000})

    # The keyboard: the first item has focus; "r" rejects it with the preselected reason.
    with moderator.expect_navigation():
        moderator.keyboard.press("r")
    assert "Rejected comment" in moderator.text_content(".flash")
    assert moderator.locator(".empty-queue").count() == 1
    moderator.screenshot(path=str(OUTPUT / "moderation-queue-after.png"), full_page=True)
    moderator.goto(f"{server}/moderation/log")
    assert "Abusive or insulting" in moderator.locator(".desk-table tbody tr").first.text_content()

    reader.goto(f"{server}/notifications")
    assert "rejected your comment" in reader.text_content("main")
