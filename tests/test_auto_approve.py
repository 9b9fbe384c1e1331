"""Auto-approval (setting ``auto_approve_below``): what the model finds clean skips its story's pre-moderation,
never a rule's hold, a reader's reports, or a comment the model could not score."""
import pytest

from tests.factories import ApiActions
from tests.moderation_actions import CIVIL, PREMOD, premod_article, queue, report
from tests.reader_actions import LINKED, SETTINGS, patch_settings, premoderation_path
from tests.screens import CIVIL_ABUSE, OFF_TOPIC

#: CIVIL scores abuse 0.02 and off-topic 0.05 with the tests' screen.
RULE = f"auto-approved: abuse {CIVIL_ABUSE:.2f} and off-topic {OFF_TOPIC:.2f}, both below 0.1"


@pytest.fixture
def desk(api):
    """A pre-moderated story, the admin root and the moderator mia; returns their headers."""
    premod_article(api)
    return api.staff("root", role="admin"), api.staff("mia")


def queued_ids(api, moderator) -> set[int]:
    return {item["comment"]["id"] for item in queue(api, moderator, limit=100)["items"]}


def test_it_is_off_by_default_and_everything_on_a_premoderated_story_waits(api, desk):
    admin, mia = desk
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"]["auto_approve_below"] == 0
    comment = api.comment(api.reader("alice"), CIVIL, article_id=PREMOD)
    assert comment["status"] == "pending" and comment["hold_reason"] == "premoderation"
    assert comment["id"] in queued_ids(api, mia)


def test_a_comment_the_model_finds_clean_is_published_at_once_and_says_why(api, desk):
    admin, mia = desk
    alice, bob = api.reader("alice"), api.reader("bob")
    assert api.client.put("/api/v1/users/alice/follow", headers=bob).status_code == 204
    assert patch_settings(api, admin, auto_approve_below=0.1)["auto_approve_below"] == 0.1
    comment = api.comment(alice, CIVIL, article_id=PREMOD)
    assert comment["status"] == "published" and "hold_rule" not in comment
    assert [c["id"] for c in api.thread(PREMOD)["comments"]] == [comment["id"]]
    assert comment["id"] not in queued_ids(api, mia)
    seen = api.client.get(f"/api/v1/comments/{comment['id']}", headers=mia).get_json()["comment"]
    assert seen["hold_rule"] == RULE
    notes = api.client.get("/api/v1/notifications", headers=bob).get_json()["notifications"]
    assert [(n["kind"], n["comment"]["id"]) for n in notes] == [("followed_comment", comment["id"])]


@pytest.mark.parametrize(("below", "body"), [
    (0.05, CIVIL),  # off-topic 0.05 is not below 0.05
    (0.5, "Only an idiot would park there."),  # abuse 0.9
])
def test_a_comment_scored_at_or_above_the_setting_waits(api, desk, below, body):
    admin, mia = desk
    patch_settings(api, admin, auto_approve_below=below)
    comment = api.comment(api.reader("alice"), body, article_id=PREMOD)
    assert comment["status"] == "pending" and comment["hold_reason"] == "premoderation"
    assert comment["hold_rule"] is None and comment["id"] in queued_ids(api, mia)


def test_zero_turns_it_off_again(api, desk):
    admin, _ = desk
    patch_settings(api, admin, auto_approve_below=0.1)
    patch_settings(api, admin, auto_approve_below=0)
    assert api.comment(api.reader("alice"), CIVIL, article_id=PREMOD)["status"] == "pending"


def test_the_rules_still_hold_what_they_hold(api, desk):
    admin, mia = desk
    patch_settings(api, admin, auto_approve_below=0.5)
    newcomer = api.comment(api.reader("carol"), LINKED, article_id=PREMOD)
    assert (newcomer["status"], newcomer["hold_reason"]) == ("pending", "link")
    dave = api.reader("dave")
    assert api.client.put(premoderation_path("dave"), headers=mia).status_code == 204
    watched = api.comment(dave, CIVIL, article_id=PREMOD)
    assert (watched["status"], watched["hold_reason"], watched["hold_rule"]) == \
        ("pending", "premoderation", "reader on pre-moderation")
    assert api.client.put("/api/v1/moderation/wordlists/suspect", json={"terms": ["parking fees"]},
                          headers=mia).status_code == 200
    suspect = api.comment(api.reader("erin"), CIVIL, article_id=PREMOD)
    assert (suspect["status"], suspect["hold_reason"]) == ("pending", "suspect_word")
    patch_settings(api, admin, new_user_premoderation_count=1)
    first = api.comment(api.reader("frank"), "My first remark on the buses.", article_id=PREMOD)
    assert (first["status"], first["hold_reason"]) == ("pending", "new_user")
    assert {newcomer["id"], watched["id"], suspect["id"], first["id"]} <= queued_ids(api, mia)


def test_readers_reports_still_queue_an_auto_approved_comment_and_an_edit_keeps_them(api, desk):
    admin, mia = desk
    alice = api.reader("alice")
    patch_settings(api, admin, auto_approve_below=0.1)
    comment = api.comment(alice, CIVIL, article_id=PREMOD)
    assert report(api, api.reader("bob"), comment["id"]).status_code == 201
    [item] = queue(api, mia)["items"]
    assert item["comment"]["id"] == comment["id"]
    assert (item["hold_reason"], item["hold_rule"]) == ("reported", RULE)
    edited = api.client.patch(f"/api/v1/comments/{comment['id']}", json={"body": CIVIL + " Edited."}, headers=alice)
    assert edited.status_code == 200 and edited.get_json()["comment"]["status"] == "published"
    assert queued_ids(api, mia) == {comment["id"]}


def test_an_edit_never_releases_a_comment_held_before_it_was_turned_on(api, desk):
    admin, mia = desk
    alice = api.reader("alice")
    comment = api.comment(alice, CIVIL, article_id=PREMOD)
    patch_settings(api, admin, auto_approve_below=0.1)
    edited = api.client.patch(f"/api/v1/comments/{comment['id']}", json={"body": CIVIL + " Edited."}, headers=alice)
    assert edited.status_code == 200
    assert (edited.get_json()["comment"]["status"], edited.get_json()["comment"]["hold_reason"],
            edited.get_json()["comment"]["hold_rule"]) == ("pending", "premoderation", None)
    [item] = queue(api, mia)["items"]
    assert item["comment"]["id"] == comment["id"] and item["hold_rule"] is None


@pytest.mark.real_model
def test_a_comment_the_model_could_not_score_waits(make_app, tmp_path):
    api = ApiActions(make_app(MODERATION_MODEL_PATH=str(tmp_path / "absent.skops")))
    premod_article(api)
    patch_settings(api, api.staff("root", role="admin"), auto_approve_below=0.5)
    comment = api.comment(api.reader("alice"), CIVIL, article_id=PREMOD)
    assert comment["status"] == "pending" and comment["hold_reason"] == "premoderation"


@pytest.mark.backend_independent
@pytest.mark.parametrize("value", [-0.01, 0.51, 1, "0.05", True, [0.1], {"below": 0.1}])
def test_a_bad_value_is_a_422_and_changes_nothing(api, value):
    admin = api.staff("root", role="admin")
    response = api.client.patch(SETTINGS, json={"auto_approve_below": value}, headers=admin)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_setting"
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"]["auto_approve_below"] == 0


@pytest.mark.backend_independent
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_a_number_json_does_not_have_is_refused(api, literal):
    admin = api.staff("root", role="admin")
    response = api.client.patch(SETTINGS, data=f'{{"auto_approve_below": {literal}}}',
                                content_type="application/json", headers=admin)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"
    assert api.client.get(SETTINGS, headers=admin).get_json()["settings"]["auto_approve_below"] == 0
