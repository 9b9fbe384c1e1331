"""A real browser: a moderator works a story from its thread page.

They see the held comments in place with their status and scores, approve one and reject another
with a reason, switch the story to pre-moderation, open a reader's history and leave a note, and
reject all of another reader's comments on the story. Screenshots (desktop and a 390-px phone) go
to test-output/.
"""
from tests.browser.helpers import OUTPUT, log_in
from tests.factories import PASSWORD

STORY = "/articles/council-budget"
INSULT = "You are a pathetic idiot and everybody here knows it."
BORDERLINE = "Only an idiot would plan the bus lanes this way, but the money is welcome."
CIVIL_ROSA = "The parking fees will hurt the shops in the centre."
CIVIL_SAM = "Line 4 is late every morning; the extra money should go there first."


def api_reader(request, base, username) -> dict:
    """Register ``username`` over the API and return its Authorization header."""
    account = {"username": username, "email": f"{username}@example.org", "password": PASSWORD}
    assert request.post(f"{base}/api/v1/auth/register", data=account).status == 201
    token = request.post(f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['token']}"}


def post(request, base, headers, body) -> dict:
    response = request.post(f"{base}/api/v1/articles/council-budget/comments", data={"body": body}, headers=headers)
    assert response.status == 201, response.text()
    return response.json()["comment"]


def fits_a_phone(page, name) -> None:
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    page.screenshot(path=str(OUTPUT / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 1000})


def test_a_moderator_works_a_story_in_context(server, browser):
    OUTPUT.mkdir(exist_ok=True)
    moderator = browser.new_page(viewport={"width": 1280, "height": 1000})
    request = moderator.context.request
    rosa = request.post(f"{server}/api/v1/auth/token", data={"username": "rosa", "password": PASSWORD})
    rosa = {"Authorization": f"Bearer {rosa.json()['token']}"}
    sam = api_reader(request, server, "sam")
    insult, borderline = post(request, server, rosa, INSULT), post(request, server, sam, BORDERLINE)
    assert (insult["status"], borderline["status"]) == ("pending", "pending")
    post(request, server, rosa, CIVIL_ROSA)
    post(request, server, sam, CIVIL_SAM)

    log_in(moderator, server, "mod")
    moderator.goto(f"{server}{STORY}")
    held = moderator.locator(f"#comment-{insult['id']}")
    assert held.locator(".comment-body").text_content().strip() == INSULT
    assert held.locator(".in-context .status-pill-pending").text_content() == "Held for review"
    assert "likely abusive" in held.locator(".ic-why").text_content()
    assert held.locator(".score-high .score-value").first.text_content() == "0.99"
    moderator.screenshot(path=str(OUTPUT / "thread-in-context.png"), full_page=True)
    fits_a_phone(moderator, "thread-in-context")

    # Approve the borderline one where it stands: back at the comment, now published.
    moderator.locator(f"#comment-{borderline['id']}").get_by_role("button", name="Approve").click()
    moderator.wait_for_load_state()
    assert moderator.url.endswith(f"{STORY}#comment-{borderline['id']}")
    assert f"Approved comment {borderline['id']}" in moderator.text_content(".flash")
    assert moderator.locator(f"#comment-{borderline['id']} .status-pill-published").count() == 1

    # Reject the insult with a reason and a note.
    held = moderator.locator(f"#comment-{insult['id']}")
    form = held.locator(".ic-actions .reject-form")
    form.locator("select[name=reason]").select_option("abusive")
    form.locator("input[name=note]").fill("Name-calling")
    form.get_by_role("button", name="Reject").click()
    moderator.wait_for_load_state()
    assert "Abusive or insulting" in moderator.text_content(".flash")
    assert "Rejected by mod: Abusive or insulting (Name-calling)" in held.locator(".ic-decision").text_content()

    # The story's switch, kept where it was.
    moderator.get_by_role("button", name="Pre-moderate").click()
    moderator.wait_for_load_state()
    assert "now waits for a moderator" in moderator.text_content(".flash")

    # The author's name opens their history: the rejection is there, and a note is added.
    held.locator(".comment-head .author").click()
    moderator.wait_for_load_state()
    assert moderator.url.endswith("/moderation/users/rosa")
    assert "Abusive or insulting" in moderator.text_content("#decisions")
    assert INSULT in moderator.text_content("main")
    moderator.fill("#note-text", "Insulted another reader on the budget story.")
    moderator.get_by_role("button", name="Add note").click()
    moderator.wait_for_load_state()
    assert "Insulted another reader on the budget story." in moderator.text_content("#notes")
    moderator.screenshot(path=str(OUTPUT / "reader-history.png"), full_page=True)
    fits_a_phone(moderator, "reader-history")

    # Back on the story: all of sam's comments rejected at once.
    moderator.goto(f"{server}{STORY}")
    reject_all = moderator.locator(f"#comment-{borderline['id']} .ic-reject-all")
    reject_all.locator("summary").click()
    reject_all.locator("select[name=reason]").select_option("spam")
    reject_all.get_by_role("button", name="Reject all").click()
    moderator.wait_for_load_state()
    assert "Rejected 2 comments of sam on this story." in moderator.text_content(".flash")
    statuses = moderator.locator(".in-context .pill[class*=status-pill-]").all_text_contents()
    assert statuses.count("Rejected") == 3 and statuses.count("Published") == 1
    moderator.screenshot(path=str(OUTPUT / "thread-in-context-after.png"), full_page=True)
    fits_a_phone(moderator, "thread-in-context-after")

    # A reader sees none of it.
    reader = browser.new_page(viewport={"width": 1280, "height": 1000})
    reader.goto(f"{server}{STORY}")
    assert reader.locator(".in-context").count() == 0
    assert [t.strip() for t in reader.locator(".comment-body").all_text_contents()] == [CIVIL_ROSA]
