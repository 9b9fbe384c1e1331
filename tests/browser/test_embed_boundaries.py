"""The embed's boundaries in a real browser: a foreign origin gets nothing, the newsroom's page never
sees the reader's Parley token, a phone has room, and a keyboard is enough.
"""
from tests.browser.embed_sites import host, sign_in, thread
from tests.browser.helpers import OUTPUT
from tests.factories import PASSWORD


def test_a_page_of_a_foreign_origin_gets_no_thread(sites, parley, chromium):
    parley.article("foreign-story", url="https://news.example.org/foreign")
    parley.comment(parley.reader("local"), "Only for the newsroom's pages.", article_id="foreign-story")
    page = chromium.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
    counts = []
    page.on("requestfinished", lambda r: counts.append(r) if "/api/v1/counts" in r.url else None)
    page.on("requestfailed", lambda r: counts.append(r) if "/api/v1/counts" in r.url else None)
    page.goto(host(sites, "/foreign", "foreign-story", origin="foreign", counts=("foreign-story",)))
    page.locator("#thread iframe").wait_for(state="attached")
    page.wait_for_timeout(500)
    assert counts and page.locator(".count").text_content() == "…"  # asked, and refused by CORS
    frame = page.frames[1]
    assert frame.url.startswith("chrome-error://") or frame.locator("#parley").count() == 0
    assert refused, "chromium did not report the frame-ancestors refusal"


def test_phone_width_has_no_horizontal_overflow(sites, parley, page):
    parley.article("phone-story", url="https://news.example.org/phone")
    writer = parley.reader("phone")
    top = parley.comment(writer, "A comment with a very long word: " + "x" * 120, article_id="phone-story")
    parent = top
    for n in range(6):
        parent = parley.comment(writer, f"Deeper reply {n} in a long conversation.", article_id="phone-story",
                             parent_id=parent["id"])
    parley.reader("phonereader")
    OUTPUT.mkdir(exist_ok=True)
    for width, name in ((390, "embed-phone.png"), (1100, "embed-desktop.png")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(host(sites, "/phone", "phone-story"))
        frame = thread(page)
        frame.get_by_text("Deeper reply 2").wait_for()
        sign_in(frame, "phonereader")
        frame.locator(".comment-actions").first.get_by_role("button", name="Reply", exact=True).click()
        page.wait_for_timeout(300)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert frame.locator("html").evaluate("e => e.scrollWidth <= e.clientWidth")
        page.screenshot(path=str(OUTPUT / name), full_page=True)


def test_the_newsroom_page_never_sees_the_parley_token(sites, parley, page):
    parley.article("token-story", url="https://news.example.org/token")
    parley.reader("tokenreader")
    tokens = []
    page.on("response", lambda r: tokens.append(r.json()["token"]) if r.url.endswith("/api/v1/auth/token")
            and r.request.method == "POST" and r.ok else None)
    page.goto(host(sites, "/token", "token-story"))
    frame = thread(page)
    sign_in(frame, "tokenreader")
    frame.get_by_label("Your comment").fill("Checking what the page can see.")
    frame.get_by_role("button", name="Post comment").click()
    frame.get_by_text("Your comment is published.").wait_for()
    [token] = tokens
    seen = page.evaluate("""() => ({
        messages: window.hostMessages, cookies: document.cookie, html: document.documentElement.outerHTML,
        storage: JSON.stringify(Object.assign({}, localStorage, sessionStorage)),
        // window[0] is the frame itself; hostGlobalsBefore is the page's own.
        globals: Object.keys(window).filter(k => !window.hostGlobalsBefore.includes(k) && isNaN(k)
                                                 && k !== "hostGlobalsBefore"),
        frameDocument: (() => { try { return Boolean(document.querySelector("#thread iframe").contentDocument); }
                                catch (e) { return false; } })(),
    })""")
    assert token not in repr(seen)
    assert seen["globals"] == [] and seen["frameDocument"] is False
    assert {m.split('"type":"')[1].split('"')[0] for m in seen["messages"]} == {"parley:ready", "parley:height"}


def test_the_embed_works_from_the_keyboard(sites, parley, page):
    parley.article("keys-story", url="https://news.example.org/keys")
    parley.comment(parley.reader("keywriter"), "Something to like.", article_id="keys-story")
    parley.reader("keys")
    page.goto(host(sites, "/keys", "keys-story"))
    frame = thread(page)
    frame.get_by_text("Something to like.").wait_for()
    frame.get_by_role("button", name="Sign in").focus()
    page.keyboard.press("Enter")
    page.keyboard.type("keys")  # the form opens with the focus in its first field
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    frame.get_by_text("Signed in as").wait_for()
    frame.get_by_label("Your comment").focus()
    page.keyboard.type("Typed, tabbed and sent.")
    page.keyboard.press("Tab")
    focused = frame.locator(":focus")
    assert focused.text_content() == "Post comment"
    assert focused.evaluate("e => getComputedStyle(e).outlineStyle") != "none"  # the focus is visible
    page.keyboard.press("Enter")
    frame.get_by_text("Your comment is published.").wait_for()
    theirs = frame.locator(".comment", has_text="Something to like.")
    theirs.get_by_role("button", name="Like this comment (0 likes)").focus()
    page.keyboard.press("Space")
    theirs.get_by_role("button", name="Take back your like (1 like)").wait_for()
    assert frame.locator(":focus").get_attribute("aria-pressed") == "true"  # the focus stays on the button
