"""/settings/data in a real browser: the download is a file of the reader's data, and the delete
form signs the reader out for good; at phone width nothing overflows."""
import json

from tests.browser.helpers import OUTPUT, log_in, post_comment
from tests.factories import PASSWORD


def test_download_then_delete_from_the_page(server, browser):
    page = browser.new_page()
    log_in(page, server, "rosa")
    post_comment(page, server, "The new bus routes are a good start.")
    page.goto(f"{server}/settings/data")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    assert download.value.suggested_filename == "parley-export-rosa.json"
    document = json.loads(download.value.path().read_text())
    assert [c["body"] for c in document["comments"]] == ["The new bus routes are a good start."]
    page.fill("#delete-password", "not-the-password")
    page.get_by_role("button", name="Delete my account").click()
    assert page.get_by_role("alert").inner_text() == "That is not your password; your account is unchanged."
    page.fill("#delete-password", PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("Your account is deleted.").wait_for()
    page.goto(f"{server}/settings/data")
    assert "/login" in page.url
    page.fill("input[name=username]", "rosa")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    assert page.get_by_text("Wrong username or password.").is_visible()


def test_the_page_fits_a_phone(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 900})
    log_in(page, server, "rosa")
    page.goto(f"{server}/settings/data")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "settings-data-phone.png"), full_page=True)
