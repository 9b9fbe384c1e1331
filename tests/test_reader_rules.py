"""The rules on readers: pre-moderation, a new reader's first comments, links from newcomers, and the
automatic pre-moderation of a reader rejected K times in D days, each with its hold reason and rule."""
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import update

from forum.extensions import db
from moderation.models import ModerationDecision
from tests.factories import run_together
from tests.moderation_actions import decide, queue
from tests.reader_actions import CIVIL, LINKED, patch_settings, premoderation_path, ruled

ABUSIVE = "Only an idiot would park there."


@pytest.fixture
def desk(make_app):
    api = ruled(make_app)
    return api, api.staff("root", role="admin"), api.staff("mod")


def held_item(api, moderator, comment_id) -> dict:
    items = {item["comment"]["id"]: item for item in queue(api, moderator)["items"]}
    return items[comment_id]


def test_a_link_from_a_reader_with_no_approved_comment_is_held_until_one_is_approved(desk):
    api, _, mod = desk
    alice = api.reader("alice")
    first = api.comment(alice, LINKED)
    assert first["status"] == "pending" and first["hold_reason"] == "link"
    item = held_item(api, mod, first["id"])
    assert item["hold_reason"] == "link" and item["hold_rule"] == "link from a reader with no approved comment"
    assert api.comment(alice, "Another one: https://parking-deals.com/offer")["status"] == "pending"
    assert decide(api, mod, first["id"], "approve").status_code == 200
    assert api.comment(alice, "And www.parking-deals.com too.")["status"] == "published"


@pytest.mark.parametrize("text", [
    "Fees rose, e.g. on Main St. by 3.5 per cent, i.e. too much.", "The app is built with Node.js and U.S. maps.",
    "Write to the council at a@b.example if you must.",
])
def test_text_that_only_looks_like_a_link_is_published(desk, text):
    api, _, _ = desk
    assert api.comment(api.reader("alice"), text)["status"] == "published"


def test_links_are_published_when_the_setting_is_off_and_from_a_reader_with_a_published_comment(desk):
    api, admin, _ = desk
    alice, bob = api.reader("alice"), api.reader("bob")
    assert api.comment(alice, CIVIL)["status"] == "published"
    assert api.comment(alice, LINKED)["status"] == "published"
    patch_settings(api, admin, new_user_link_hold=False)
    assert api.comment(bob, LINKED)["status"] == "published"


def test_staff_links_are_not_held(desk):
    api, _, mod = desk
    assert api.comment(mod, LINKED)["status"] == "published"


def test_a_new_readers_first_n_comments_wait_then_they_post_freely(desk):
    api, admin, mod = desk
    patch_settings(api, admin, new_user_premoderation_count=2)
    alice = api.reader("alice")
    first, second = api.comment(alice, CIVIL), api.comment(alice, CIVIL + " Second.")
    assert [first["status"], second["status"]] == ["pending", "pending"]
    assert {first["hold_reason"], second["hold_reason"]} == {"new_user"}
    assert held_item(api, mod, first["id"])["hold_rule"] == "new reader: comment 1 of the first 2 is reviewed"
    assert held_item(api, mod, second["id"])["hold_rule"] == "new reader: comment 2 of the first 2 is reviewed"
    assert api.comment(alice, CIVIL + " Third.")["status"] == "published"
    patch_settings(api, admin, new_user_premoderation_count=0)
    assert api.comment(api.reader("bob"), CIVIL)["status"] == "published"


def test_a_reader_on_premoderation_waits_until_taken_off_it(desk):
    api, _, mod = desk
    alice = api.reader("alice")
    assert api.comment(alice, CIVIL)["status"] == "published"
    assert api.client.put(premoderation_path("alice"), headers=mod).status_code == 204
    assert api.client.put(premoderation_path("alice"), headers=mod).status_code == 204  # idempotent
    held = api.comment(alice, CIVIL + " Again.")
    assert held["status"] == "pending" and held["hold_reason"] == "premoderation"
    assert held_item(api, mod, held["id"])["hold_rule"] == "reader on pre-moderation"
    assert api.client.delete(premoderation_path("alice"), headers=mod).status_code == 204
    assert api.comment(alice, CIVIL + " Free again.")["status"] == "published"
    standing = api.client.get(premoderation_path("alice"), headers=mod).get_json()
    assert standing["premoderated"] is False
    assert [(a["action"], a["moderator"], a["automatic"]) for a in standing["audit"]] == [
        ("premoderation_off", "mod", False), ("premoderation_on", "mod", False)]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_moderators_switching_premoderation_at_once_all_get_204_and_one_audit_row(desk, make_app, method):
    api, _, mod = desk
    api.reader("alice")
    if method == "DELETE":
        assert api.client.put(premoderation_path("alice"), headers=mod).status_code == 204
    workers = [make_app().test_client() for _ in range(4)]
    statuses = run_together(*[partial(lambda client: client.open(premoderation_path("alice"), method=method,
                                                                   headers=mod).status_code, client)
                              for client in workers])
    assert statuses == [204] * len(workers)
    standing = api.client.get(premoderation_path("alice"), headers=mod).get_json()
    assert standing["premoderated"] is (method == "PUT")
    assert len(standing["audit"]) == (1 if method == "PUT" else 2)


def test_the_model_still_rejects_what_it_rejects_from_a_premoderated_reader(desk):
    api, _, mod = desk
    api.reader("alice")
    api.client.put(premoderation_path("alice"), headers=mod)
    assert api.comment(api.login("alice"), "idiot stupid moron")["status"] == "rejected"


@pytest.mark.parametrize("method", ["put", "delete", "get"])
def test_only_moderators_put_readers_on_premoderation(desk, method):
    api, admin, mod = desk
    alice = api.reader("alice")
    call = getattr(api.client, method)
    assert call(premoderation_path("alice")).status_code == 401
    assert call(premoderation_path("alice"), headers=alice).status_code == 403
    assert call(premoderation_path("nobody"), headers=mod).status_code == 404
    assert call(premoderation_path("alice"), headers=admin).status_code in (200, 204)
    if method != "get":
        assert call(premoderation_path("mod"), headers=admin).status_code == 403  # staff are not pre-moderated


def reject_comments(api, mod, author, count) -> None:
    for n in range(count):
        comment = api.comment(author, f"{ABUSIVE} Number {n}.")
        assert comment["status"] == "pending"
        assert decide(api, mod, comment["id"], "reject", "abusive").status_code == 200


def test_k_rejections_in_d_days_put_a_reader_on_premoderation_automatically(desk):
    api, admin, mod = desk
    patch_settings(api, admin, auto_premoderation_rejections=2, auto_premoderation_days=30)
    alice = api.reader("alice")
    reject_comments(api, mod, alice, 1)
    assert api.comment(alice, CIVIL)["status"] == "published"
    reject_comments(api, mod, alice, 1)
    standing = api.client.get(premoderation_path("alice"), headers=mod).get_json()
    assert standing["premoderated"] is True and standing["automatic"] is True
    [entry] = standing["audit"]
    assert entry["action"] == "premoderation_on" and entry["moderator"] is None and entry["automatic"] is True
    assert entry["detail"] == "automatic: 2 rejections in 30 days"
    held = api.comment(alice, CIVIL + " After.")
    assert held["status"] == "pending" and held["hold_reason"] == "premoderation"
    assert api.client.delete(premoderation_path("alice"), headers=mod).status_code == 204
    reject_comments(api, mod, alice, 1)  # rejections a moderator already weighed do not count again
    assert api.client.get(premoderation_path("alice"), headers=mod).get_json()["premoderated"] is False


def test_rejections_older_than_d_days_or_with_the_rule_off_do_not_premoderate(desk):
    api, admin, mod = desk
    alice, bob = api.reader("alice"), api.reader("bob")
    reject_comments(api, mod, bob, 3)  # K = 0: the rule is off by default
    assert api.client.get(premoderation_path("bob"), headers=mod).get_json()["premoderated"] is False
    patch_settings(api, admin, auto_premoderation_rejections=2, auto_premoderation_days=7)
    reject_comments(api, mod, alice, 1)
    with api.app.app_context():
        db.session.execute(update(ModerationDecision).values(
            created_at=ModerationDecision.created_at - timedelta(days=8)))
        db.session.commit()
    reject_comments(api, mod, alice, 1)
    assert api.client.get(premoderation_path("alice"), headers=mod).get_json()["premoderated"] is False
    reject_comments(api, mod, alice, 1)
    assert api.client.get(premoderation_path("alice"), headers=mod).get_json()["premoderated"] is True


def test_a_moderator_switches_premoderation_from_the_readers_page(desk, pages):
    api, _, mod = desk
    alice = api.reader("alice")
    pages.login("mod")
    page = "/moderation/users/alice"
    response = pages.submit("/moderation/users/alice/premoderation", {}, page=page, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Pre-moderated" in text and "on by mod" in text
    assert api.comment(alice, CIVIL)["hold_reason"] == "premoderation"
    response = pages.submit("/moderation/users/alice/premoderation/release", {}, page=page, follow_redirects=True)
    assert "Not on pre-moderation" in response.get_data(as_text=True)
    assert api.comment(alice, CIVIL + " Again.")["status"] == "published"
    assert api.client.get(premoderation_path("alice"), headers=mod).get_json()["premoderated"] is False
