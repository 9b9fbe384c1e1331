"""The queue's views (pending, escalated, reported, decided) and its filters by article title and reader."""
import re

import pytest

from tests.factories import PageActions
from tests.moderation_actions import CIVIL, decide, held, queue, report

BUSES = "Bus fares up 100% on route_7 from May"
FERRIES = "Ferry fares up 1000 on routeX7 too"


@pytest.fixture
def desk(api):
    """Two pre-moderated stories, an open one, the readers alice and bob, moderator mia, admin ada."""
    api.article("buses", moderation_mode="pre", title=BUSES)
    api.article("ferries", moderation_mode="pre", title=FERRIES)
    api.article()
    return api.reader("alice"), api.reader("bob"), api.staff("mia"), api.staff("ada", "admin")


def ids(page) -> list[int]:
    return [item["comment"]["id"] for item in page["items"]]


def without_points(page: dict) -> dict:
    return {**page, "items": [{k: v for k, v in item.items() if k != "points"} for item in page["items"]]}


def test_the_pending_view_is_the_whole_queue_as_before(api, desk):
    alice, bob, mia, _ = desk
    first = held(api, alice, article_id="buses")
    escalated = held(api, bob, "A second remark on the fares.", article_id="ferries")
    assert decide(api, mia, escalated["id"], "escalate").status_code == 200
    reported = api.comment(alice, CIVIL)
    assert report(api, bob, reported["id"]).status_code == 201
    everything = queue(api, mia)
    assert set(ids(everything)) == {first["id"], escalated["id"], reported["id"]}
    # ``points`` count the waiting time up to the moment of each request; the rest is the same.
    assert without_points(queue(api, mia, view="pending")) == without_points(everything)
    assert all(item["decision"] is None for item in everything["items"])
    assert ids(queue(api, mia, view="pending", reason="premoderation")) == [first["id"]]


def test_the_escalated_view_is_the_admins_to_decide(api, pages, desk):
    alice, bob, mia, ada = desk
    waiting = held(api, alice, article_id="buses")
    escalated = held(api, bob, "Is this libel? Ask legal.", article_id="buses")
    decide(api, mia, escalated["id"], "escalate", note="Legal question")
    assert ids(queue(api, mia, view="escalated")) == [escalated["id"]]
    assert ids(queue(api, ada, view="escalated")) == [escalated["id"]]
    refused = decide(api, mia, escalated["id"], "approve")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "escalated"

    pages.login("mia")
    html = pages.client.get("/moderation?view=escalated").get_data(as_text=True)
    assert f'id="q-{escalated["id"]}"' in html and f'id="q-{waiting["id"]}"' not in html
    assert "/decision" not in html and 'id="bulk-form"' not in html and 'name="ids"' not in html
    assert "an admin decides this comment" in html
    admin = PageActions(pages.client.application)
    admin.login("ada")
    html = admin.client.get("/moderation?view=escalated").get_data(as_text=True)
    assert f'/moderation/comments/{escalated["id"]}/decision' in html and 'id="bulk-form"' in html
    assert decide(api, ada, escalated["id"], "approve").status_code == 200
    assert queue(api, ada, view="escalated")["items"] == []


def test_the_reported_view_lists_reports_since_the_last_decision(api, desk):
    alice, bob, mia, _ = desk
    carol = api.reader("carol")
    reported = api.comment(alice, CIVIL)
    api.comment(alice, "Another remark nobody reports.")
    held(api, alice, article_id="buses")
    report(api, bob, reported["id"], "spam")
    [item] = queue(api, mia, view="reported")["items"]
    assert item["comment"]["id"] == reported["id"] and item["hold_reason"] == "reported"
    assert [r["reporter"] for r in item["reports"]] == ["bob"]
    assert decide(api, mia, reported["id"], "approve").status_code == 200
    assert queue(api, mia, view="reported")["items"] == []
    report(api, carol, reported["id"])
    assert ids(queue(api, mia, view="reported")) == [reported["id"]]


def test_the_decided_view_shows_decisions_newest_first_with_who_why_and_the_note(api, desk):
    alice, _, mia, ada = desk
    approved, rejected, escalated = (held(api, alice, f"Remark {n} on the fares.", article_id="buses")
                                     for n in range(3))
    decide(api, mia, approved["id"], "approve", note="Fair point")
    decide(api, ada, rejected["id"], "reject", "spam", note="Links to a shop")
    decide(api, mia, escalated["id"], "escalate")
    page = queue(api, mia, view="decided")
    assert ids(page) == [rejected["id"], approved["id"]]
    newest, older = page["items"]
    assert {k: newest["decision"][k] for k in ("action", "reason", "reason_text", "note", "moderator", "hold_reason")} \
        == {"action": "reject", "reason": "spam", "reason_text": "Spam or advertising", "note": "Links to a shop",
            "moderator": "ada", "hold_reason": "premoderation"}
    assert newest["comment"]["status"] == "rejected" and newest["priority"] is None
    assert newest["decision"]["created_at"].endswith("Z") and newest["hold_reason"] == "premoderation"
    assert (older["decision"]["action"], older["decision"]["reason"], older["decision"]["reason_text"],
            older["decision"]["note"], older["decision"]["moderator"]) == ("approve", None, None, "Fair point", "mia")
    assert ids(queue(api, mia, view="decided", action="approve")) == [approved["id"]]
    assert ids(queue(api, mia, view="decided", action="reject")) == [rejected["id"]]
    assert queue(api, mia, view="decided", reason="abuse")["items"] == []
    first = queue(api, mia, view="decided", limit=1)
    assert ids(first) == [rejected["id"]] and first["next_cursor"]
    second = queue(api, mia, view="decided", limit=1, cursor=first["next_cursor"])
    assert ids(second) == [approved["id"]] and second["next_cursor"] is None


def test_a_comment_rejected_for_a_banned_word_is_findable_before_and_after_a_decision(api, desk):
    alice, _, mia, _ = desk
    assert api.client.put("/api/v1/moderation/wordlists/banned", json={"terms": ["scam"]},
                          headers=mia).status_code == 200
    rejected = api.comment(alice, "The fare rise is a scam.")
    assert rejected["status"] == "rejected"
    [item] = queue(api, mia, reason="banned_word")["items"]
    assert item["comment"]["id"] == rejected["id"] and item["hold_rule"] == 'banned word: "scam"'
    assert decide(api, mia, rejected["id"], "reject", "spam").status_code == 200
    assert queue(api, mia, reason="banned_word")["items"] == []
    [decided] = queue(api, mia, view="decided", reason="banned_word")["items"]
    assert decided["comment"]["id"] == rejected["id"] and decided["hold_reason"] == "banned_word"
    assert decided["decision"]["moderator"] == "mia" and decided["decision"]["reason_text"] == "Spam or advertising"


def test_every_view_filters_by_a_part_of_the_title_in_any_case(api, desk):
    alice, bob, mia, _ = desk
    bus = held(api, alice, article_id="buses")
    ferry = held(api, bob, article_id="ferries")
    decided = held(api, alice, "A remark that gets approved.", article_id="ferries")
    decide(api, mia, decided["id"], "approve")
    assert ids(queue(api, mia, article="BUS FARES")) == [bus["id"]]
    assert set(ids(queue(api, mia, article="fares up"))) == {bus["id"], ferry["id"]}
    assert ids(queue(api, mia, view="decided", article="ferry")) == [decided["id"]]
    assert queue(api, mia, view="decided", article="bus")["items"] == []
    # The wildcards of LIKE are plain characters: "100%" is not "100 and anything", "_" not any letter.
    assert ids(queue(api, mia, article="100%")) == [bus["id"]]
    assert ids(queue(api, mia, article="route_7")) == [bus["id"]]
    assert ids(queue(api, mia, article="%")) == ids(queue(api, mia, article="_")) == [bus["id"]]
    assert queue(api, mia, article="no such headline")["items"] == []
    assert ids(queue(api, mia, article_id="ferries")) == [ferry["id"]]
    assert queue(api, mia, article_id="ferries", article="bus")["items"] == []


def test_every_view_filters_by_reader(api, desk):
    alice, bob, mia, _ = desk
    mine = held(api, alice, article_id="buses")
    theirs = held(api, bob, article_id="buses")
    decide(api, mia, theirs["id"], "reject", "abusive")
    assert ids(queue(api, mia, author="alice")) == [mine["id"]]
    assert ids(queue(api, mia, author="ALICE")) == [mine["id"]]
    assert queue(api, mia, author="bob")["items"] == []
    assert ids(queue(api, mia, view="decided", author="bob")) == [theirs["id"]]
    assert queue(api, mia, view="decided", author="alice")["items"] == []
    # An unknown reader is a filter that matches nothing, as the log's moderator filter is.
    assert queue(api, mia, author="nobody_here")["items"] == []
    assert queue(api, mia, view="decided", author="nobody_here")["items"] == []


@pytest.mark.backend_independent
@pytest.mark.parametrize("params, status, code", [
    ({"view": "boredom"}, 422, "invalid_view"),
    ({"view": "Pending"}, 422, "invalid_view"),
    ({"reason": "boredom"}, 422, "invalid_reason"),
    ({"article": "x" * 201}, 422, "too_long"),
    ({"article": "bus\x00fares"}, 422, "control_characters"),
    ({"author": "no spaces!"}, 422, "invalid_author"),
    ({"author": "x" * 31}, 422, "too_long"),
    ({"action": "approve"}, 422, "invalid_action"),
    ({"view": "decided", "action": "escalate"}, 422, "invalid_action"),
    ({"view": "decided", "cursor": "garbage"}, 400, "bad_cursor"),
    ({"article_id": "a b"}, 422, "invalid_article_id"),
])
def test_bad_queue_queries_are_refused(api, desk, params, status, code):
    mia = desk[2]
    response = api.client.get("/api/v1/moderation/queue", query_string=params, headers=mia)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


def test_a_cursor_of_one_view_is_refused_by_another(api, desk):
    alice, _, mia, _ = desk
    for n in range(3):
        comment = held(api, alice, f"Remark {n}.", article_id="buses")
        if n < 2:
            decide(api, mia, comment["id"], "approve")
    held(api, alice, "One more waiting.", article_id="buses")
    decided_cursor = queue(api, mia, view="decided", limit=1)["next_cursor"]
    pending_cursor = queue(api, mia, limit=1)["next_cursor"]
    for params in ({"cursor": decided_cursor}, {"view": "decided", "cursor": pending_cursor}):
        response = api.client.get("/api/v1/moderation/queue", query_string=params, headers=mia)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_cursor"


def test_readers_cannot_see_any_view(api, desk):
    alice = desk[0]
    for view in ("pending", "escalated", "reported", "decided"):
        assert api.client.get(f"/api/v1/moderation/queue?view={view}", headers=alice).status_code == 403


def test_the_page_has_a_tab_per_view_with_counts_and_keeps_the_filters(api, pages, desk):
    alice, bob, mia, _ = desk
    held(api, alice, article_id="buses")
    held(api, bob, article_id="buses")
    escalated = held(api, bob, "Ask legal about this.", article_id="ferries")
    decide(api, mia, escalated["id"], "escalate")
    decided = held(api, alice, "Gets rejected.", article_id="ferries")
    decide(api, mia, decided["id"], "reject", "off_topic", note="Not about fares")
    pages.login("mia")
    html = pages.client.get("/moderation").get_data(as_text=True)
    tabs = re.search(r'<nav class="queue-views".*?</nav>', html, re.S).group(0)
    counts = dict(re.findall(r'>(\w+) <span class="count">(\d+)</span>', tabs))
    assert counts == {"Pending": "3", "Escalated": "1", "Reported": "0"} and "Decided" in tabs
    html = pages.client.get("/moderation?article=FERRY&author=bob").get_data(as_text=True)
    tabs = re.search(r'<nav class="queue-views".*?</nav>', html, re.S).group(0)
    assert dict(re.findall(r'>(\w+) <span class="count">(\d+)</span>', tabs)) == \
        {"Pending": "1", "Escalated": "1", "Reported": "0"}
    assert "view=decided&amp;article=FERRY&amp;author=bob" in tabs
    assert 'name="article" maxlength="200" value="FERRY"' in html and 'name="author" maxlength="30" value="bob"' in html
    assert f'id="q-{escalated["id"]}"' in html

    html = pages.client.get("/moderation?view=decided").get_data(as_text=True)
    item = re.search(rf'<article class="q-item" id="q-{decided["id"]}".*?</article>', html, re.S).group(0)
    assert "Rejected" in item and "<strong>mia</strong>" in item and "Off-topic" in item
    assert "Not about fares" in item and "/decision" not in item and 'id="bulk-form"' not in html
    assert 'name="action"' in html  # the decision filter, on this view only


def test_the_page_says_when_the_filters_find_nothing(api, pages, desk):
    held(api, desk[0], article_id="buses")
    pages.login("mia")
    html = pages.client.get("/moderation?author=nobody_here").get_data(as_text=True)
    assert "Nothing waits for review with these filters." in html
    assert "No reader is called “nobody_here”." in html
    html = pages.client.get("/moderation?view=decided&article=100%25").get_data(as_text=True)
    assert "No comment was approved or rejected with these filters." in html
    response = pages.client.get("/moderation?view=boredom")
    assert response.status_code == 422 and "&#39;view&#39; must be one of" in response.get_data(as_text=True)


def selected_rejection(pages, comment_id) -> str:
    html = pages.client.get("/moderation?view=reported").get_data(as_text=True)
    item = re.search(rf'<article class="q-item" id="q-{comment_id}".*?</article>', html, re.S).group(0)
    form = re.search(r'<form[^>]*class="reject-form".*?</form>', item, re.S).group(0)
    return re.search(r'<option value="(\w+)" selected>', form).group(1)


def test_the_page_suggests_the_commonest_reason_of_the_reports_since_the_last_decision(api, pages, desk):
    alice, bob, mia, _ = desk
    comment = api.comment(alice, CIVIL)
    for reader, reason in ((bob, "spam"), (api.reader("carol"), "abusive"), (api.reader("dave"), "spam")):
        assert report(api, reader, comment["id"], reason).status_code == 201
    pages.login("mia")
    assert selected_rejection(pages, comment["id"]) == "spam"
    assert decide(api, mia, comment["id"], "approve").status_code == 200
    report(api, api.reader("erin"), comment["id"], "off_topic")
    assert selected_rejection(pages, comment["id"]) == "off_topic"
