"""Moderation in context: on the thread page a moderator sees every comment with its status and scores,
decides it in place, and rejects all of a reader's comments on a story at once; readers see nothing new."""
import re

import pytest

from tests.factories import OPENING, PageActions
from tests.moderation_actions import CIVIL, decide, set_comment
from tests.webhook_receiver import verify

STORY = "/articles/council-budget"
HELD = "You idiot, the buses were never the problem here."
SCREENED = "Pathetic idiots, all of you, and the council too."
DECISION_FORM = re.compile(r'action="/moderation/thread/comments/(\d+)/decision"')


@pytest.fixture
def app(make_app):
    """The app, able to deliver webhooks to a receiver on loopback."""
    return make_app(WEBHOOKS_ALLOW_PRIVATE_URLS=True)


@pytest.fixture
def story(api, app):
    """On council-budget: alice's published comment, her held one, bob's rejected by the screen and
    a published reply of bob's; the moderator mia, the admin boss and the reader carol."""
    api.article()
    api.article("other-story")
    alice, bob, carol = api.reader("alice"), api.reader("bob"), api.reader("carol")
    ids = {"published": api.comment(alice, OPENING)["id"]}
    held = api.comment(alice, HELD)
    screened = api.comment(bob, SCREENED)
    assert (held["status"], screened["status"]) == ("pending", "rejected")
    ids.update(held=held["id"], screened=screened["id"],
               reply=api.comment(bob, CIVIL, parent_id=ids["published"])["id"])
    set_comment(app, ids["held"], off_topic_score=0.31)
    return {"ids": ids, "alice": alice, "bob": bob, "carol": carol,
            "mia": api.staff("mia"), "boss": api.staff("boss", "admin")}


def desk(app, username="mia") -> PageActions:
    pages = PageActions(app)
    pages.login(username)
    return pages


def page(pages, path=STORY) -> str:
    response = pages.client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def comment_section(html: str, comment_id: int) -> str:
    """Return the HTML of one comment, up to the next comment's start."""
    start = html.index(f'id="comment-{comment_id}"')
    following = html.find('<article class="comment', start)
    return html[start:following if following != -1 else None]


def status_of(api, headers, comment_id) -> str:
    response = api.client.get(f"/api/v1/comments/{comment_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["comment"]["status"]


def log_of(api, headers, comment_id) -> list[dict]:
    response = api.client.get("/api/v1/moderation/log", query_string={"comment_id": comment_id}, headers=headers)
    return response.get_json()["decisions"]


def decisions_told(api, headers) -> list[dict]:
    notifications = api.client.get("/api/v1/notifications", headers=headers).get_json()["notifications"]
    return [n for n in notifications if n["kind"] == "decision"]


def seen(html: str, comment_id: int) -> str:
    """Return the latest decision the page shows on the comment, as its forms send it back."""
    return re.search(r'name="seen_decision" value="(\d+)"', comment_section(html, comment_id)).group(1)


def in_place(pages, comment_id, *, seen_decision="0", path=STORY, **fields):
    return pages.submit(f"/moderation/thread/comments/{comment_id}/decision",
                        {"seen_decision": seen_decision, "next": path, **fields}, page=path)


# What moderators and readers see ------------------------------------------------------------------


def test_a_moderator_sees_every_comment_with_its_status_scores_and_forms(app, story):
    ids = story["ids"]
    html = page(desk(app))
    held, screened = comment_section(html, ids["held"]), comment_section(html, ids["screened"])
    assert HELD in held and "Held for review" in held and "In the queue" in held
    assert "The model finds it likely abusive." in held
    assert "0.90" in held and "0.31" in held
    assert SCREENED in screened and "Rejected by the screen, not reviewed yet" in screened
    published = comment_section(html, ids["published"])
    assert "Published" in published and "In the queue" not in published
    assert set(DECISION_FORM.findall(html)) == {str(i) for i in ids.values()}
    assert 'value="approve"' in held and 'value="approve"' not in published
    assert 'href="/moderation/users/alice"' in held
    assert "/moderation/thread/articles/council-budget/users/alice/rejection" in held
    assert "Reject all of @alice’s comments on this story (2)" in held
    # The comment's own page annotates it and the comments around it the same way.
    focus = page(desk(app), f"/comments/{ids['held']}")
    assert "Held for review" in focus and f'/moderation/thread/comments/{ids["held"]}/decision' in focus


@pytest.mark.parametrize("viewer", ["anonymous", "alice", "carol"])
def test_readers_see_the_thread_as_before(app, api, story, viewer):
    pages = PageActions(app)
    if viewer != "anonymous":
        pages.login(viewer)
    html = page(pages)
    assert SCREENED not in html and "in-context" not in html and "/moderation/" not in html
    assert (HELD in html) == (viewer == "alice")  # her own, awaiting review
    assert 'href="/users/alice"' in html
    thread = api.thread(headers=story.get(viewer) or {})
    assert {c["status"] for c in thread["comments"]} == ({"published", "pending"} if viewer == "alice"
                                                         else {"published"})


def test_moderators_list_every_status_over_the_api_too(api, story):
    listed = {c["id"]: c["status"] for c in api.thread(headers=story["mia"])["comments"]}
    ids = story["ids"]
    assert listed == {ids["published"]: "published", ids["held"]: "pending", ids["screened"]: "rejected"}


# Deciding in place --------------------------------------------------------------------------------


def test_approve_in_place_comes_back_to_the_comment_with_a_flash(app, api, story):
    ids, pages = story["ids"], desk(app)
    response = in_place(pages, ids["held"], action="approve")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{STORY}#comment-{ids['held']}")
    assert f"Approved comment {ids['held']}" in page(pages)
    assert status_of(api, story["carol"], ids["held"]) == "published"
    assert [d["action"] for d in log_of(api, story["mia"], ids["held"])] == ["approve"]
    assert [n["comment"]["id"] for n in decisions_told(api, story["alice"])] == [ids["held"]]


def test_reject_in_place_with_a_reason_and_a_note(app, api, story):
    ids, pages = story["ids"], desk(app)
    response = in_place(pages, ids["screened"], action="reject", reason="hate", note="Slurs",
                        path=f"{STORY}?sort=oldest")
    assert response.headers["Location"].endswith(f"{STORY}?sort=oldest#comment-{ids['screened']}")
    [logged] = log_of(api, story["mia"], ids["screened"])
    assert (logged["action"], logged["reason"], logged["note"]) == ("reject", "hate", "Slurs")
    assert "Rejected comment" in page(pages) and "Rejected by mia: Hate speech (Slurs)" in page(pages)
    [told] = decisions_told(api, story["bob"])
    assert told["reason"] == "Hate speech"


def test_a_published_comment_is_taken_down_in_place(app, api, story):
    ids = story["ids"]
    in_place(desk(app), ids["published"], action="reject", reason="personal_information")
    assert status_of(api, story["mia"], ids["published"]) == "rejected"
    assert api.client.get(f"/api/v1/comments/{ids['published']}", headers=story["carol"]).status_code == 404
    assert log_of(api, story["mia"], ids["published"])[0]["reason"] == "personal_information"


def test_escalated_in_place_only_an_admin_decides_it(app, api, story):
    ids, pages = story["ids"], desk(app)
    in_place(pages, ids["held"], action="escalate", note="Legal should look")
    section = comment_section(page(pages), ids["held"])
    assert "Escalated: an admin decides it." in section and "value=\"approve\"" not in section
    escalation = str(log_of(api, story["mia"], ids["held"])[0]["id"])
    response = in_place(pages, ids["held"], action="approve", seen_decision=escalation)
    assert "an admin decides it" in page(pages) and response.status_code == 302
    assert status_of(api, story["mia"], ids["held"]) == "pending"
    admin = desk(app, "boss")
    in_place(admin, ids["held"], action="approve", seen_decision=seen(page(admin), ids["held"]))
    assert status_of(api, story["mia"], ids["held"]) == "published"


def test_a_comment_decided_meanwhile_is_a_flash_not_a_second_decision(app, api, story):
    ids, pages = story["ids"], desk(app)
    stale = page(pages)
    assert decide(api, story["boss"], ids["held"], "approve").status_code == 200
    response = in_place(pages, ids["held"], action="reject", reason="abusive",
                        seen_decision=seen(stale, ids["held"]))
    assert response.status_code == 302
    assert "was decided meanwhile by boss (approve)" in page(pages)
    assert status_of(api, story["mia"], ids["held"]) == "published"
    assert [d["action"] for d in log_of(api, story["mia"], ids["held"])] == ["approve"]
    # Deciding again what left the queue says who was first, as the queue does.
    fresh = seen(page(pages), ids["held"])
    in_place(pages, ids["held"], action="approve", seen_decision=fresh)
    assert "already decided by boss (approve)" in page(pages)


@pytest.mark.backend_independent
def test_readers_cannot_decide_in_place(app, api, story):
    path = f"/moderation/thread/comments/{story['ids']['held']}/decision"
    response = desk(app, "carol").submit(path, {"action": "approve", "seen_decision": "0"}, page=STORY)
    assert response.status_code == 403
    assert PageActions(app).submit(path, {"action": "approve", "seen_decision": "0"}).status_code == 401
    assert status_of(api, story["mia"], story["ids"]["held"]) == "pending"


@pytest.mark.backend_independent
@pytest.mark.parametrize("fields", [
    {"action": "publish", "seen_decision": "0"},
    {"action": "reject", "reason": "rude", "seen_decision": "0"},
    {"action": "approve"},
    {"action": "approve", "seen_decision": "-1"},
    {"seen_decision": "0"},
])
def test_bad_input_in_place_is_refused_and_changes_nothing(app, api, story, fields):
    pages = desk(app)
    response = pages.submit(f"/moderation/thread/comments/{story['ids']['held']}/decision", fields, page=STORY)
    assert response.status_code == 422
    assert status_of(api, story["mia"], story["ids"]["held"]) == "pending"
    assert log_of(api, story["mia"], story["ids"]["held"]) == []


@pytest.mark.backend_independent
def test_an_unknown_comment_is_404(app, story):
    response = in_place(desk(app), 999999, action="approve")
    assert response.status_code == 404


@pytest.mark.backend_independent
def test_the_forms_need_their_csrf_token(app, api, story):
    pages = desk(app)
    response = pages.client.post(f"/moderation/thread/comments/{story['ids']['held']}/decision",
                                 data={"action": "approve", "seen_decision": "0"})
    assert response.status_code == 400
    assert status_of(api, story["mia"], story["ids"]["held"]) == "pending"


# All of a reader's comments on a story at once ----------------------------------------------------


def reject_all(api, headers, username="alice", article_id="council-budget", **body):
    return api.client.post(f"/api/v1/moderation/articles/{article_id}/users/{username}/rejection",
                           json=body, headers=headers)


def test_all_of_a_readers_comments_on_the_story_are_rejected_each_as_a_decision(app, api, story):
    ids, alice = story["ids"], story["alice"]
    elsewhere = api.comment(alice, CIVIL, article_id="other-story")["id"]
    decided = api.comment(alice, "Idiot is all I will say about the council.")["id"]
    assert decide(api, story["mia"], decided, "reject", "abusive").status_code == 200
    deleted = api.comment(alice, "Never mind.")["id"]
    assert api.client.delete(f"/api/v1/comments/{deleted}", headers=alice).status_code == 204
    response = reject_all(api, story["mia"], reason="spam", note="Flooding the thread")
    assert response.status_code == 200
    assert response.get_json() == {"rejected": 2, "left_for_admins": 0}
    for comment_id in (ids["published"], ids["held"]):
        assert status_of(api, story["mia"], comment_id) == "rejected"
        [logged] = log_of(api, story["mia"], comment_id)
        assert (logged["action"], logged["reason"], logged["note"]) == ("reject", "spam", "Flooding the thread")
    assert [d["reason"] for d in log_of(api, story["mia"], decided)] == ["abusive"]
    assert status_of(api, story["mia"], elsewhere) == "published"
    assert status_of(api, story["mia"], ids["screened"]) == "rejected"
    assert log_of(api, story["mia"], ids["screened"]) == []
    assert {n["comment"]["id"] for n in decisions_told(api, alice)} == {ids["published"], ids["held"], decided}
    assert reject_all(api, story["mia"], reason="spam").get_json() == {"rejected": 0, "left_for_admins": 0}


def test_escalated_comments_are_left_to_the_admins(api, story):
    ids = story["ids"]
    assert decide(api, story["mia"], ids["held"], "escalate").status_code == 200
    assert reject_all(api, story["mia"], reason="abusive").get_json() == {"rejected": 1, "left_for_admins": 1}
    assert status_of(api, story["mia"], ids["held"]) == "pending"
    assert reject_all(api, story["boss"], reason="abusive").get_json() == {"rejected": 1, "left_for_admins": 0}
    assert status_of(api, story["mia"], ids["held"]) == "rejected"


@pytest.mark.backend_independent
@pytest.mark.parametrize("who, username, article_id, body, status, code", [
    ("anonymous", "alice", "council-budget", {"reason": "spam"}, 401, "unauthorized"),
    ("carol", "alice", "council-budget", {"reason": "spam"}, 403, "forbidden"),
    ("mia", "alice", "council-budget", {"reason": "rude"}, 422, "invalid_reason"),
    ("mia", "alice", "council-budget", {}, 422, "invalid_reason"),
    ("mia", "alice", "council-budget", {"reason": "spam", "note": "x" * 1001}, 422, "too_long"),
    ("mia", "alice", "council-budget", {"reason": ["spam"]}, 422, "invalid_reason"),
    ("mia", "nobody", "council-budget", {"reason": "spam"}, 404, "user_not_found"),
    ("mia", "alice", "no-such-story", {"reason": "spam"}, 404, "article_not_found"),
])
def test_bad_rejections_of_all_are_refused_and_change_nothing(api, story, who, username, article_id, body,
                                                               status, code):
    response = reject_all(api, story.get(who, {}), username, article_id, **body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code and response.get_json()["error"]["message"]
    assert status_of(api, story["mia"], story["ids"]["published"]) == "published"
    assert status_of(api, story["mia"], story["ids"]["held"]) == "pending"


@pytest.mark.backend_independent
def test_a_body_that_is_not_json_is_400(api, story):
    response = api.client.post("/api/v1/moderation/articles/council-budget/users/alice/rejection",
                               data="reason=spam", headers=story["mia"])
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"


def test_the_thread_pages_button_rejects_all_and_comes_back_to_the_comment(app, api, story):
    ids, pages = story["ids"], desk(app)
    response = pages.submit("/moderation/thread/articles/council-budget/users/alice/rejection",
                            {"reason": "abusive", "comment_id": str(ids["held"]), "next": STORY}, page=STORY)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{STORY}#comment-{ids['held']}")
    html = page(pages)
    assert "Rejected 2 comments of alice on this story." in html
    assert "Reject all of @alice’s comments" not in html
    assert {status_of(api, story["mia"], ids[k]) for k in ("published", "held")} == {"rejected"}
    pages.submit("/moderation/thread/articles/council-budget/users/alice/rejection", {"reason": "abusive"},
                 page=STORY)
    assert "alice has no comment on this story left to reject." in page(pages)


@pytest.mark.backend_independent
def test_readers_cannot_use_the_button_and_bad_input_changes_nothing(app, api, story):
    path = "/moderation/thread/articles/council-budget/users/alice/rejection"
    assert desk(app, "carol").submit(path, {"reason": "spam"}, page=STORY).status_code == 403
    assert desk(app).submit(path, {"reason": "rude"}, page=STORY).status_code == 422
    assert desk(app).submit("/moderation/thread/articles/council-budget/users/nobody/rejection",
                            {"reason": "spam"}, page=STORY).status_code == 404
    assert status_of(api, story["mia"], story["ids"]["published"]) == "published"


# The reader's history -----------------------------------------------------------------------------


def test_the_authors_name_opens_their_history_with_decisions_and_notes(app, api, story):
    ids, pages = story["ids"], desk(app)
    in_place(pages, ids["held"], action="reject", reason="abusive", note="Second insult this week")
    history = page(pages, "/moderation/users/alice")
    assert HELD in history and OPENING in history and "City council approves a budget" in history
    decisions = history[history.index('id="decisions"'):history.index("<h2>History</h2>")]
    assert "Rejected" in decisions and "Abusive or insulting" in decisions and "by mia" in decisions
    assert "Second insult this week" in decisions
    response = pages.submit("/moderation/users/alice/notes", {"text": "Warned on the budget story."},
                            page="/moderation/users/alice", follow_redirects=True)
    assert "Warned on the budget story." in response.get_data(as_text=True)
    notes = api.client.get("/api/v1/moderation/users/alice/notes", headers=story["mia"]).get_json()["notes"]
    assert [n["text"] for n in notes] == ["Warned on the budget story."]


# What the rest of the desk sees -------------------------------------------------------------------


def test_decisions_in_context_are_announced_like_the_queues(app, api, story, receiver):
    ids = story["ids"]
    hook = api.client.post("/api/v1/admin/webhooks", json={"url": receiver.url, "events": ["comment.decided"]},
                           headers=story["boss"]).get_json()
    in_place(desk(app), ids["held"], action="approve")
    assert reject_all(api, story["mia"], "bob", reason="spam").get_json() == {"rejected": 2, "left_for_admins": 0}
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    events = [verify(hook["secret"], r)["data"] for r in receiver.wait_for(3)]
    assert sorted((e["comment"]["id"], e["decision"]["action"], e["decision"]["reason"]) for e in events) == [
        (ids["held"], "approve", None), (ids["screened"], "reject", "spam"), (ids["reply"], "reject", "spam")]
    assert {e["decision"]["moderator"] for e in events} == {"mia"}
