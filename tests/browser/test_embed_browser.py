"""The embed in a real browser: Parley's thread on a newsroom's page of another site.

Third-party cookies are blocked (the first test proves it), so everything here works without them.
"""
from tests.browser.embed_sites import ALLOW_THIRD_PARTY_COOKIES, host, launch, mint, sign_in, thread
from tests.browser.helpers import OUTPUT


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


def test_an_anonymous_reader_reads_sorts_pages_and_opens_more_replies(sites, parley, page):
    parley.article("anon-story", url="https://news.example.org/anon")
    writer = parley.reader("writer")
    first = parley.comment(writer, "The first comment on the buses.", article_id="anon-story")
    for n in range(5):
        parley.comment(writer, f"Reply number {n}.", article_id="anon-story", parent_id=first["id"])
    for n in range(21):
        parley.comment(writer, f"Later comment {n} about fees.", article_id="anon-story")

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


def test_the_frame_grows_with_its_thread(sites, parley, page):
    parley.article("tall-story", url="https://news.example.org/tall")
    writer = parley.reader("tall")
    for n in range(15):
        parley.comment(writer, f"A long comment number {n}.\n\nWith a second paragraph.", article_id="tall-story")
    page.goto(host(sites, "/tall", "tall-story"))
    thread(page).get_by_text("A long comment number 0.").wait_for()
    page.wait_for_function("document.querySelector('#thread iframe').offsetHeight > 1200")
    inner = thread(page).locator("#parley").evaluate("e => e.getBoundingClientRect().height")
    assert abs(page.locator("#thread iframe").evaluate("e => e.offsetHeight") - inner) <= 2


def test_a_reader_signs_in_inside_the_embed_and_does_what_readers_do(sites, parley, page):
    parley.article("signin-story", url="https://news.example.org/signin")
    other = parley.reader("other")
    parley.comment(other, "Someone else's view on parking.", article_id="signin-story")
    parley.reader("rosa")

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
    assert [c["body"] for c in parley.thread("signin-story")["comments"]] == ["Someone else's view on parking."]


def test_a_wrong_password_is_told_inside_the_embed(sites, parley, page):
    parley.article("wrong-story", url="https://news.example.org/wrong")
    page.goto(host(sites, "/wrong", "wrong-story"))
    frame = thread(page)
    frame.get_by_role("button", name="Sign in").click()
    frame.get_by_label("Username").fill("nobody")
    frame.get_by_label("Password").fill("not-the-password")
    frame.get_by_role("button", name="Sign in").click()
    frame.get_by_role("alert").filter(has_text="Wrong username or password.").wait_for()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "embed-sign-in.png"), full_page=True)


def test_an_author_sees_why_a_comment_is_held_and_that_one_is_rejected(sites, parley, page):
    page.set_viewport_size({"width": 390, "height": 800})
    parley.article("held-story", url="https://news.example.org/held")
    parley.reader("heldauthor")
    page.goto(host(sites, "/held", "held-story"))
    frame = thread(page)
    sign_in(frame, "heldauthor")
    frame.get_by_label("Your comment").fill("The councillor is an idiot.")
    frame.get_by_role("button", name="Post comment").click()
    # Warned once that it may break the guidelines, the author posts it anyway.
    frame.locator(".nudge").get_by_text("may break our community guidelines").wait_for()
    frame.get_by_role("button", name="Post anyway").click()
    frame.get_by_text("Thanks: your comment is awaiting review.").wait_for()
    held = frame.locator(".comment.status-pending")
    assert "Awaiting review" in held.text_content() and "may break the rules on abuse" in held.text_content()
    assert held.get_by_role("link", name="Community guidelines").get_attribute("href").endswith("/guidelines")
    frame.get_by_label("Your comment").fill("Stupid idiots and morons, the lot of them.")
    frame.get_by_role("button", name="Post comment").click()
    frame.get_by_role("button", name="Post anyway").click()
    frame.locator(".comment.status-rejected").get_by_text("Not published.").wait_for()
    page.reload()  # the thread the author reads again still shows both, with the reason
    sign_in(thread(page), "heldauthor")
    thread(page).locator(".comment.status-pending .held").get_by_text("may break the rules on abuse").wait_for()
    assert thread(page).locator(".comment.status-rejected").count() == 1
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "embed-held.png"), full_page=True)


def test_an_sso_reader_posts_replies_and_likes(sites, parley, page):
    parley.article("sso-story", url="https://news.example.org/sso")
    opening = parley.comment(parley.reader("opener"), "Is the bus plan worth the fees?", article_id="sso-story")
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

    thread_now = parley.thread("sso-story", sort="oldest")["comments"]
    assert thread_now[0]["id"] == opening["id"] and thread_now[0]["reaction_count"] == 1
    assert thread_now[0]["replies"][0]["author"]["username"] == "jane"
    assert thread_now[1]["author"] == {"username": "jane", "display_name": "Jane Doe"}
    [parley_token] = exchanged
    assert parley_token not in repr(page.evaluate("[window.hostMessages, document.cookie, document.body.outerHTML]"))


def test_a_bad_sso_token_is_told_inside_the_embed(sites, parley, page):
    parley.article("badsso-story", url="https://news.example.org/badsso")
    token = mint({"id": "daily-1002", "email": "x@daily.example", "username": "x"}, secret="another-secret-" * 3)
    page.goto(host(sites, "/badsso", "badsso-story", sso=token))
    frame = thread(page)
    frame.get_by_text("Signing you in failed:").wait_for()
    assert frame.get_by_role("button", name="Sign in").is_visible()
