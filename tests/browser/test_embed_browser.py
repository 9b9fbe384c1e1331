"""The embed in a real browser: Parley's thread on a newsroom's page of another site.

Parley runs on 127.0.0.1 with ``EMBED_ORIGINS`` naming a newsroom on 127.0.0.2; a newsroom on
127.0.0.3 is not allowed. Chromium runs with third-party cookies blocked (its "Block third-party
cookies" setting, proven by the first test), so everything the embed does works without them.
"""
import time

import jwt
import pytest
from flask_migrate import upgrade

from forum import create_app
from forum.extensions import db
from tests.browser.embed_sites import (
    ALLOW_THIRD_PARTY_COOKIES,
    CookieProbe,
    NewsroomPages,
    article_page,
    launch,
    serving,
)
from tests.browser.helpers import OUTPUT
from tests.factories import PASSWORD, PUBLISHER_KEY, ApiActions
from tests.screens import WordScreen

SSO_SECRET = "the-daily-example-sso-secret-32-bytes-long"


def mint(user: dict, secret: str = SSO_SECRET) -> str:
    """Mint the newsroom's sign-in token for ``user``, as its own site would."""
    now = int(time.time())
    return jwt.encode({"iat": now, "exp": now + 600, "user": user}, secret, algorithm="HS256")


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
        })
        with app.app_context():
            upgrade()
        with serving(CookieProbe(app), "127.0.0.1") as parley:
            yield {"app": app, "pages": pages.pages, "parley": f"http://127.0.0.1:{parley.server_port}",
                   "allowed": allowed, "foreign": f"http://127.0.0.3:{foreign.server_port}"}
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def api(sites):
    return ApiActions(sites["app"])


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="module")
def chromium(playwright):
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


def host(sites, path, article_id, *, origin="allowed", **options) -> str:
    """Publish a newsroom page embedding ``article_id`` and return its URL."""
    sites["pages"][path] = article_page(sites["parley"], article_id, **options)
    return f"{sites[origin]}{path}"


def thread(page):
    return page.frame_locator("#thread iframe")


def test_third_party_cookies_are_blocked(sites, playwright, chromium, page):
    """A cookie that Parley's frame sets is neither kept nor sent back, while the same page with
    third-party cookies allowed keeps it: the probe itself works."""
    def framed_cookie(tab, context):
        sites["pages"]["/probe"] = f'<iframe id="p" src="{sites["parley"]}/__probe/set"></iframe>'
        tab.goto(f"{sites['allowed']}/probe")
        tab.frame_locator("#p").locator("#cookie").wait_for()
        sites["pages"]["/probe"] = f'<iframe id="p" src="{sites["parley"]}/__probe/get"></iframe>'
        tab.goto(f"{sites['allowed']}/probe")
        return tab.frame_locator("#p").locator("#cookie").text_content(), context.cookies()

    assert framed_cookie(page, chromium) == ("none", [])
    permissive = launch(playwright, ALLOW_THIRD_PARTY_COOKIES)
    sent, kept = framed_cookie(permissive.new_page(), permissive)
    permissive.close()
    assert sent == "probe=1" and [c["name"] for c in kept] == ["probe"]


def test_an_anonymous_reader_reads_sorts_pages_and_opens_more_replies(sites, api, page):
    api.article("anon-story", url="https://news.example.org/anon")
    writer = api.reader("writer")
    first = api.comment(writer, "The first comment on the buses.", article_id="anon-story")
    for n in range(5):
        api.comment(writer, f"Reply number {n}.", article_id="anon-story", parent_id=first["id"])
    for n in range(21):
        api.comment(writer, f"Later comment {n} about fees.", article_id="anon-story")

    page.goto(host(sites, "/anon", "anon-story", counts=("anon-story", "no-such-story")))
    frame = thread(page)
    frame.get_by_text("Later comment 20 about fees.").wait_for()
    page.wait_for_function("document.querySelector('.count').textContent !== '…'")
    assert page.locator(".count").all_text_contents() == ["27", "0"]
    assert page.locator("#thread a").count() == 0  # the fallback link is replaced
    assert page.locator("#thread iframe").get_attribute("title") == "Comments"
    assert frame.locator("#count").text_content() == "27 comments"  # replies count too
    assert frame.get_by_text("The first comment on the buses.").count() == 0  # page 2, newest first
    frame.get_by_role("button", name="More comments").click()
    frame.get_by_text("The first comment on the buses.").wait_for()
    frame.get_by_role("button", name="2 more replies").click()
    frame.get_by_text("Reply number 4.").wait_for()
    frame.get_by_role("button", name="Oldest").click()
    frame.locator(".comments > .comment").first.get_by_text("The first comment on the buses.").wait_for()
    assert frame.get_by_role("button", name="Like this comment").count() == 0
    assert frame.get_by_role("button", name="Sign in").is_visible()


def test_the_frame_grows_with_its_thread(sites, api, page):
    api.article("tall-story", url="https://news.example.org/tall")
    writer = api.reader("tall")
    for n in range(15):
        api.comment(writer, f"A long comment number {n}.\n\nWith a second paragraph.", article_id="tall-story")
    page.goto(host(sites, "/tall", "tall-story"))
    thread(page).get_by_text("A long comment number 0.").wait_for()
    page.wait_for_function("document.querySelector('#thread iframe').offsetHeight > 1200")
    inner = thread(page).locator("#parley").evaluate("e => e.getBoundingClientRect().height")
    assert abs(page.locator("#thread iframe").evaluate("e => e.offsetHeight") - inner) <= 2


def sign_in(frame, username):
    """Sign in inside the embed, with the keyboard after the first click."""
    frame.get_by_role("button", name="Sign in").click()
    frame.get_by_label("Username").fill(username)
    frame.get_by_label("Password").fill(PASSWORD)
    frame.get_by_label("Password").press("Enter")
    frame.get_by_text("Signed in as").wait_for()


def test_a_reader_signs_in_inside_the_embed_and_does_what_readers_do(sites, api, page):
    api.article("signin-story", url="https://news.example.org/signin")
    other = api.reader("other")
    api.comment(other, "Someone else's view on parking.", article_id="signin-story")
    api.reader("rosa")

    page.goto(host(sites, "/signin", "signin-story"))
    frame = thread(page)
    frame.get_by_text("Someone else's view on parking.").wait_for()
    sign_in(frame, "rosa")
    frame.get_by_label("Your comment").fill("Buses first, then the fees.")
    frame.get_by_role("button", name="Post comment").click()
    frame.get_by_text("Your comment is published.").wait_for()
    mine = frame.locator(".comment", has_text="Buses first, then the fees.")
    mine.get_by_role("button", name="Edit").click()
    mine.get_by_label("Edit your comment").fill("Buses first, the fees later.")
    mine.get_by_role("button", name="Save").click()
    frame.get_by_text("Buses first, the fees later.").wait_for()
    assert frame.locator(".comment", has_text="the fees later").locator(".edited").count() == 1

    theirs = frame.locator(".comment", has_text="Someone else's view")
    theirs.get_by_role("button", name="Like this comment (0 likes)").click()
    theirs.get_by_role("button", name="Take back your like (1 like)").wait_for()
    theirs.get_by_role("button", name="Report").click()
    theirs.get_by_label("Why are you reporting this comment?").select_option("off_topic")
    theirs.get_by_role("button", name="Send report").click()
    theirs.get_by_text("Thanks: the moderators will look at it.").wait_for()
    theirs.get_by_role("button", name="Report").click()
    theirs.get_by_role("button", name="Send report").click()
    theirs.get_by_role("alert").filter(has_text="already").wait_for()  # the API's 409, in words

    frame.locator(".comment", has_text="the fees later").get_by_role("button", name="Delete").click()
    frame.locator(".confirm").get_by_role("button", name="Delete").click()
    frame.get_by_text("This comment was deleted.").wait_for()
    frame.get_by_role("button", name="Sign out").click()
    frame.get_by_role("button", name="Sign in").wait_for()
    assert [c["body"] for c in api.thread("signin-story")["comments"]] == ["Someone else's view on parking."]


def test_a_wrong_password_is_told_inside_the_embed(sites, api, page):
    api.article("wrong-story", url="https://news.example.org/wrong")
    page.goto(host(sites, "/wrong", "wrong-story"))
    frame = thread(page)
    frame.get_by_role("button", name="Sign in").click()
    frame.get_by_label("Username").fill("nobody")
    frame.get_by_label("Password").fill("not-the-password")
    frame.get_by_role("button", name="Sign in").click()
    frame.get_by_role("alert").filter(has_text="Wrong username or password.").wait_for()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "embed-sign-in.png"), full_page=True)


def test_an_author_sees_why_a_comment_is_held_and_that_one_is_rejected(sites, api, page):
    page.set_viewport_size({"width": 390, "height": 800})
    api.article("held-story", url="https://news.example.org/held")
    api.reader("heldauthor")
    page.goto(host(sites, "/held", "held-story"))
    frame = thread(page)
    sign_in(frame, "heldauthor")
    frame.get_by_label("Your comment").fill("The councillor is an idiot.")
    frame.get_by_role("button", name="Post comment").click()
    frame.get_by_text("Thanks: your comment is awaiting review.").wait_for()
    held = frame.locator(".comment.status-pending")
    assert "Awaiting review" in held.text_content() and "may break the rules on abuse" in held.text_content()
    frame.get_by_label("Your comment").fill("Stupid idiots and morons, the lot of them.")
    frame.get_by_role("button", name="Post comment").click()
    frame.locator(".comment.status-rejected").get_by_text("Not published.").wait_for()
    page.reload()  # the thread the author reads again still shows both, with the reason
    sign_in(thread(page), "heldauthor")
    thread(page).locator(".comment.status-pending .held").get_by_text("may break the rules on abuse").wait_for()
    assert thread(page).locator(".comment.status-rejected").count() == 1
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "embed-held.png"), full_page=True)


def test_a_page_of_a_foreign_origin_gets_no_thread(sites, api, chromium):
    api.article("foreign-story", url="https://news.example.org/foreign")
    api.comment(api.reader("local"), "Only for the newsroom's pages.", article_id="foreign-story")
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


def test_phone_width_has_no_horizontal_overflow(sites, api, page):
    api.article("phone-story", url="https://news.example.org/phone")
    writer = api.reader("phone")
    top = api.comment(writer, "A comment with a very long word: " + "x" * 120, article_id="phone-story")
    parent = top
    for n in range(6):
        parent = api.comment(writer, f"Deeper reply {n} in a long conversation.", article_id="phone-story",
                             parent_id=parent["id"])
    api.reader("phonereader")
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


def test_the_newsroom_page_never_sees_the_parley_token(sites, api, page):
    api.article("token-story", url="https://news.example.org/token")
    api.reader("tokenreader")
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


def test_the_embed_works_from_the_keyboard(sites, api, page):
    api.article("keys-story", url="https://news.example.org/keys")
    api.comment(api.reader("keywriter"), "Something to like.", article_id="keys-story")
    api.reader("keys")
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


def test_an_sso_reader_posts_replies_and_likes(sites, api, page):
    api.article("sso-story", url="https://news.example.org/sso")
    opening = api.comment(api.reader("opener"), "Is the bus plan worth the fees?", article_id="sso-story")
    token = mint({"id": "daily-1001", "email": "jane@daily.example", "username": "jane", "display_name": "Jane Doe"})
    exchanged = []
    page.on("response", lambda r: exchanged.append(r.json()["token"])
            if r.url.endswith("/api/v1/auth/sso") and r.ok else None)
    page.goto(host(sites, "/sso", "sso-story", sso=token))
    frame = thread(page)
    frame.get_by_text("Signed in as").wait_for()
    assert "Jane Doe" in frame.locator("#account").text_content()
    assert token not in page.locator("#thread iframe").get_attribute("src")  # handed over by message only

    frame.get_by_label("Your comment").fill("Worth it if the buses come every ten minutes.")
    frame.get_by_role("button", name="Post comment").click()
    frame.get_by_text("Your comment is published.").wait_for()
    theirs = frame.locator(".comment", has_text="Is the bus plan worth the fees?")
    theirs.get_by_role("button", name="Reply", exact=True).click()
    theirs.get_by_label("Your reply").fill("They said every twelve minutes.")
    theirs.get_by_role("button", name="Post reply").click()
    theirs.locator(".replies").get_by_text("They said every twelve minutes.").wait_for()
    actions = theirs.locator(":scope > .comment-actions")  # not those of the reply inside it
    actions.get_by_role("button", name="Like this comment (0 likes)").click()
    actions.get_by_role("button", name="Take back your like (1 like)").wait_for()

    thread_now = api.thread("sso-story", sort="oldest")["comments"]
    assert thread_now[0]["id"] == opening["id"] and thread_now[0]["reaction_count"] == 1
    assert thread_now[0]["replies"][0]["author"]["username"] == "jane"
    assert thread_now[1]["author"] == {"username": "jane", "display_name": "Jane Doe"}
    [parley_token] = exchanged
    assert parley_token not in repr(page.evaluate("[window.hostMessages, document.cookie, document.body.outerHTML]"))


def test_a_bad_sso_token_is_told_inside_the_embed(sites, api, page):
    api.article("badsso-story", url="https://news.example.org/badsso")
    token = mint({"id": "daily-1002", "email": "x@daily.example", "username": "x"}, secret="another-secret-" * 3)
    page.goto(host(sites, "/badsso", "badsso-story", sso=token))
    frame = thread(page)
    frame.get_by_text("Signing you in failed:").wait_for()
    assert frame.get_by_role("button", name="Sign in").is_visible()
