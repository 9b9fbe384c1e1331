"""Precedents: each queue item shows the comments moderators already decided that are most like it,
with their latest approval or rejection, most similar first.

The trained model screens the comments, so its encoder stores their vectors as a reader posts them.
"""
import pytest

from moderation.queue.schemas import QueueItemOut
from tests.factories import ApiActions
from tests.moderation_actions import CIVIL, decide, held, premod_article, queue, report

pytestmark = pytest.mark.real_model

SPAM = "Buy cheap watches at example shop, best prices <b>today</b> & free delivery"
SPAM_PARAPHRASE = "Cheap watches for sale at the example shop: the best prices, and delivery is free"
CIVIL_PARAPHRASE = "I am glad of the money for buses, but how were the parking fees decided?"


@pytest.fixture
def desk(api):
    """A pre-moderated story; the readers alice and bob and the moderator mia (their headers)."""
    premod_article(api)
    return api.reader("alice"), api.reader("bob"), api.staff("mia")


def precedents(api, moderator) -> dict[int, list[dict]]:
    """Return the precedents of each queued comment, by comment id."""
    return {item["comment"]["id"]: item["precedents"] for item in queue(api, moderator, limit=50)["items"]}


def test_a_paraphrase_of_a_rejected_comment_shows_it_first_with_the_reason(make_app, api, desk):
    alice, _, mia = desk
    spam, civil = held(api, alice, SPAM), held(api, alice, CIVIL)
    assert precedents(api, mia) == {spam["id"]: [], civil["id"]: []}  # nothing decided yet
    assert decide(api, mia, spam["id"], "reject", "spam").status_code == 200
    assert decide(api, mia, civil["id"], "approve").status_code == 200
    probe = held(api, alice, SPAM_PARAPHRASE)

    [item] = queue(api, mia)["items"]
    QueueItemOut.model_validate(item)
    [first] = item["precedents"]  # the approved civil comment is nothing like it
    assert {key: first[key] for key in ("comment_id", "excerpt", "action", "reason", "reason_text")} == {
        "comment_id": spam["id"], "excerpt": SPAM, "action": "reject", "reason": "spam",
        "reason_text": "Spam or advertising"}
    assert first["similarity"] > 0.6 and first["similarity"] == round(first["similarity"], 3)
    assert first["decided_at"].endswith("Z") and item["comment"]["id"] == probe["id"]
    # Another worker, whose index is built from the log at once, finds the same.
    assert precedents(ApiActions(make_app()), mia) == {probe["id"]: item["precedents"]}


def test_an_escalation_is_no_precedent_until_an_admin_decides(api, desk):
    alice, _, mia = desk
    escalated = held(api, alice, SPAM)
    assert decide(api, mia, escalated["id"], "escalate").status_code == 200
    probe = held(api, alice, SPAM_PARAPHRASE)
    assert precedents(api, mia) == {escalated["id"]: [], probe["id"]: []}

    assert decide(api, api.staff("root", role="admin"), escalated["id"], "reject", "spam").status_code == 200
    assert [(p["comment_id"], p["action"]) for p in precedents(api, mia)[probe["id"]]] == [(escalated["id"], "reject")]


def test_a_comment_decided_again_shows_its_latest_decision_and_never_itself(api, desk):
    alice, bob, mia = desk
    civil = held(api, alice, CIVIL)
    assert decide(api, mia, civil["id"], "approve").status_code == 200
    probe = held(api, alice, CIVIL_PARAPHRASE)
    assert report(api, bob, civil["id"]).status_code == 201  # decided, and queued again

    shown = precedents(api, mia)
    assert shown[civil["id"]] == []
    assert [(p["comment_id"], p["action"]) for p in shown[probe["id"]]] == [(civil["id"], "approve")]
    assert decide(api, mia, civil["id"], "reject", "off_topic").status_code == 200
    [latest] = precedents(api, mia)[probe["id"]]
    assert (latest["comment_id"], latest["action"], latest["reason"]) == (civil["id"], "reject", "off_topic")


def test_the_queue_page_lists_the_precedents_escaped(api, desk, pages):
    alice, _, mia = desk
    spam = held(api, alice, SPAM)
    assert decide(api, mia, spam["id"], "reject", "spam").status_code == 200
    held(api, alice, SPAM_PARAPHRASE)
    pages.login("mia")
    html = pages.client.get("/moderation").get_data(as_text=True)
    assert "Similar, already decided:" in html and "Rejected (Spam or advertising)" in html
    assert "Buy cheap watches at example shop, best prices &lt;b&gt;today&lt;/b&gt; &amp; free delivery" in html
    assert "<b>today</b>" not in html
