"""A real browser on the reader's side: post, reply, like, edit and delete, with no JavaScript of ours.

Screenshots of the thread go to test-output/.
"""
from tests.browser.helpers import OUTPUT, log_in, post_comment

CIVIL = "More buses on route 31 would help; the morning ones are always full."


def test_reader_posts_replies_likes_edits_and_deletes(server, browser):
    OUTPUT.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    page.goto(f"{server}/articles/council-budget")
    assert "to join the discussion" in page.text_content("#comments")

    log_in(page, server, "rosa")
    post_comment(page, server, CIVIL)
    assert "Your comment is published." in page.text_content(".flash")
    comment = page.locator(".comment").first
    assert comment.locator(".comment-body").text_content().strip() == CIVIL

    comment.locator(".reply-box summary").click()
    comment.locator(".reply-box textarea").fill("And the evening ones, too.")
    comment.locator(".reply-box button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".replies .comment-body").first.text_content().strip() == "And the evening ones, too."

    page.goto(f"{server}/articles/council-budget")
    page.screenshot(path=str(OUTPUT / "thread.png"), full_page=True)

    page.locator(".comment").first.get_by_role("link", name="Edit").first.click()
    page.fill("textarea[name=body]", CIVIL + " (Edited: route 12 too.)")
    page.click("form.compose button[type=submit]")
    page.wait_for_load_state()
    assert "route 12 too" in page.text_content("main")
    assert page.locator(".comment .edited").count() >= 1

    page.goto(f"{server}/articles/council-budget")
    page.locator(".comment").first.locator("form[action$='/delete'] button").first.click()
    page.wait_for_load_state()
    assert "Your comment is deleted." in page.text_content(".flash")
    assert page.locator(".placeholder").first.text_content() == "This comment was deleted."
    assert "And the evening ones, too." in page.text_content("#comments")
