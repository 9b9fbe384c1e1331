"""Spam rules through the API: near-duplicate texts within a day, and bursts from one account."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import utcnow
from moderation.rules import repeats
from moderation.rules.signatures import TextBand, TextSignature
from tests.factories import ApiActions
from tests.screens import WordScreen

ADVERT = ("Earn 5000 dollars a week working from home! Visit cash-now.example today, "
          "limited places, no experience needed.")
#: The advert with a word changed, other case and punctuation, and leetspeak.
VARIANTS = (
    "Earn 5000 dollars a week working from home! Visit cash-now.example now, limited places, no experience needed.",
    "EARN 5000 DOLLARS A WEEK WORKING FROM HOME!!! visit cash-now.example today... limited places; no experience",
    "Earn 5000 d0llars a w33k w0rking from h0me! V1sit cash-now.example today, limited places, no experience needed.",
)
UNRELATED = "The council should publish the full survey before anyone decides on the parking fees for the centre."
SHORT_REPLIES = ("Thanks!", "I agree", "Great article, thank you for writing it.")



@pytest.fixture
def spam_api(make_app):
    # Rate limits on (the burst rule is one), generous for the rest: one test client posts for everyone.
    generous = "1000 per minute"
    api = ApiActions(make_app(SCREEN=WordScreen(), MODERATION_REPEAT_POST_HOLD=True, MODERATION_BURST_LIMIT=5,
                              RATELIMIT_ENABLED=True, RATELIMIT_POST=generous, RATELIMIT_REGISTER=generous,
                              RATELIMIT_LOGIN=generous, RATELIMIT_LOGIN_ACCOUNT=generous, RATELIMIT_REPORT=generous))
    for story in ("council-budget", "bus-routes", "harbour-plan"):
        api.article(story)
    return api


def test_a_reworded_advert_by_another_reader_on_another_article_is_held_as_spam(spam_api):
    first = spam_api.comment(spam_api.reader("alice"), ADVERT)
    assert first["status"] == "published"
    for number, variant in enumerate(VARIANTS):
        comment = spam_api.comment(spam_api.reader(f"spammer{number}"), variant, article_id="bus-routes")
        assert comment["status"] == "pending", variant
        assert comment["hold_reason"] == "spam"
        assert comment["hold_rule"].startswith("repeated text: like comment #")


def test_the_authors_own_repost_counts(spam_api):
    alice = spam_api.reader("alice")
    first = spam_api.comment(alice, ADVERT)
    again = spam_api.comment(alice, ADVERT, article_id="harbour-plan")
    assert again["status"] == "pending" and again["hold_rule"] == f"repeated text: like comment #{first['id']}"


def test_an_advert_edited_into_a_comment_counts_as_its_text_from_then_on(spam_api):
    alice = spam_api.reader("alice")
    comment = spam_api.comment(alice, UNRELATED)
    edited = spam_api.client.patch(f"/api/v1/comments/{comment['id']}", json={"body": ADVERT}, headers=alice)
    assert edited.status_code == 200
    assert spam_api.comment(spam_api.reader("bob"), VARIANTS[0], article_id="bus-routes")["hold_reason"] == "spam"
    # The old text no longer counts: posting it again is not a repeat.
    assert spam_api.comment(spam_api.reader("carol"), UNRELATED, article_id="harbour-plan")["status"] == "published"


def test_unrelated_and_short_common_replies_are_not_held(spam_api):
    alice, bob = spam_api.reader("alice"), spam_api.reader("bob")
    spam_api.comment(alice, ADVERT)
    assert spam_api.comment(bob, UNRELATED)["status"] == "published"
    for reply in SHORT_REPLIES:
        assert spam_api.comment(alice, reply)["status"] == "published"
        assert spam_api.comment(bob, reply, article_id="bus-routes")["status"] == "published"


def test_a_text_older_than_a_day_is_not_a_repeat(spam_api, monkeypatch):
    spam_api.comment(spam_api.reader("alice"), ADVERT)
    later = utcnow() + timedelta(days=1, minutes=1)
    monkeypatch.setattr(repeats, "utcnow", lambda: later)
    assert spam_api.comment(spam_api.reader("bob"), VARIANTS[0], article_id="bus-routes")["status"] == "published"


def test_signatures_older_than_a_day_are_pruned_as_new_ones_are_written(spam_api):
    first = spam_api.comment(spam_api.reader("alice"), ADVERT)
    with spam_api.app.app_context():
        for table in (TextSignature, TextBand):
            db.session.execute(update(table).where(table.comment_id == first["id"])
                               .values(created_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    second = spam_api.comment(spam_api.reader("bob"), UNRELATED)
    with spam_api.app.app_context():
        signed = set(db.session.scalars(select(TextSignature.comment_id)))
        banded = set(db.session.scalars(select(TextBand.comment_id)))
    assert signed == banded == {second["id"]}


def test_with_the_setting_off_repeats_are_published(spam_api):
    admin = spam_api.staff("ada", "admin")
    answer = spam_api.client.patch("/api/v1/admin/settings", json={"repeat_post_hold": False}, headers=admin)
    assert answer.status_code == 200 and answer.get_json()["settings"]["repeat_post_hold"] is False
    spam_api.comment(spam_api.reader("alice"), ADVERT)
    assert spam_api.comment(spam_api.reader("bob"), ADVERT, article_id="bus-routes")["status"] == "published"


def test_an_edit_does_not_match_its_own_text(spam_api):
    alice = spam_api.reader("alice")
    comment = spam_api.comment(alice, UNRELATED)
    response = spam_api.client.patch(f"/api/v1/comments/{comment['id']}", json={"body": UNRELATED + " Thanks."},
                                     headers=alice)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["comment"]["status"] == "published"


def test_a_burst_from_one_account_is_held_after_the_limit(spam_api):
    alice, bob = spam_api.reader("alice"), spam_api.reader("bob")
    stories = ("council-budget", "bus-routes", "harbour-plan")
    statuses = [spam_api.comment(alice, f"Point {n} about the budget.",
                                 article_id=stories[n % 3]) for n in range(7)]
    assert [c["status"] for c in statuses] == ["published"] * 5 + ["pending"] * 2
    assert statuses[5]["hold_reason"] == "spam" and statuses[5]["hold_rule"] == "burst: 6 comments in a minute"
    assert spam_api.comment(bob, "I agree")["status"] == "published"


def test_a_burst_ends_with_the_window(spam_api, monkeypatch):
    alice = spam_api.reader("alice")
    for n in range(5):
        spam_api.comment(alice, f"Point {n}.")
    later = utcnow() + timedelta(seconds=61)
    monkeypatch.setattr(repeats, "utcnow", lambda: later)
    assert spam_api.comment(alice, "Point 5.")["status"] == "published"


def test_the_burst_rule_is_off_where_rate_limits_are(make_app):
    api = ApiActions(make_app(MODERATION_BURST_LIMIT=5, RATELIMIT_ENABLED=False))
    api.article()
    rex = api.reader("rex")
    statuses = {api.comment(rex, f"Remark {n} on the budget.")["status"] for n in range(7)}
    assert statuses == {"published"}
