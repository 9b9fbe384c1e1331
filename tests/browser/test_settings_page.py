"""/settings in a real browser, at desktop and phone width: every input labelled, nothing wider than the screen.

Screenshots go to test-output/settings-{desktop,phone}.png.
"""
import pytest

from tests.browser.helpers import OUTPUT, log_in

UNLABELLED_INPUTS = """() => [...document.querySelectorAll('main input:not([type=hidden])')]
    .filter(input => input.labels.length === 0).map(input => input.name)"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("name, width", [("desktop", 1200), ("phone", 390)])
def test_the_settings_page_at_desktop_and_phone_width(server, browser, name, width):
    OUTPUT.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 900})
    log_in(page, server, "rosa")
    page.click("nav >> text=Settings")
    page.wait_for_load_state()
    assert page.url.endswith("/settings")

    page.fill("#email", "rosa.new.address.for.a.long.name@example.org")
    page.click("text=Save details")
    page.wait_for_load_state()
    assert "A confirmation link was sent to rosa.new.address.for.a.long.name@example.org" in page.text_content(".flash")

    page.fill("#current_password", "not-the-password")
    page.fill("#password", "a-brand-new-passphrase")
    page.fill("#confirm_password", "a-brand-new-passphrase")
    page.click("text=Change password")
    page.wait_for_load_state()
    assert "That is not your current password." in page.text_content(".has-error")

    page.uncheck("#mail-decision")
    page.check("#mail-followed")
    page.click("text=Save mail preferences")
    page.wait_for_load_state()
    assert "Your mail preferences are saved." in page.text_content(".flash")
    assert page.is_checked("#mail-followed") and not page.is_checked("#mail-decision")

    assert page.evaluate(UNLABELLED_INPUTS) == []
    assert page.evaluate(OVERFLOW) == 0
    assert page.get_attribute("text=Export or delete your data", "href") == "/settings/data"
    page.screenshot(path=str(OUTPUT / f"settings-{name}.png"), full_page=True)

    # The password is unchanged: the wrong current one changed nothing.
    page.click("nav >> text=Log out")
    page.wait_for_load_state()
    log_in(page, server, "rosa")
    assert "Log out" in page.text_content("nav")
