"""The Content-Security-Policy blocks nothing Parley itself serves: no page reports a violation."""
from tests.browser.helpers import log_in, post_comment

PAGES = ("/", "/articles/council-budget", "/moderation", "/moderation/log", "/moderation/stats", "/notifications")


def test_no_page_violates_the_content_security_policy(server, browser):
    page = browser.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    log_in(page, server, "rosa")
    post_comment(page, server, "You are a pathetic idiot and everybody here knows it.")
    log_in(page, server, "mod")
    for path in PAGES:
        page.goto(f"{server}{path}")
        page.wait_for_load_state("load")
    page.goto(f"{server}/moderation")
    assert page.locator("meter.score-meter").count() >= 1
    page.keyboard.press("j")  # moderation.js runs: its keyboard shortcuts move the focus
    assert violations == []
