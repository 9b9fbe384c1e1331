"""Races on a comment, each side a separate worker (app) on the same database, through HTTP:
an edit against a moderator's decision, likes against likes, a form against its double."""
import random
import re
from functools import partial

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, HoldReason, Reaction
from tests.factories import CSRF_RE, ApiActions, PageActions, run_together
from tests.moderation_actions import CIVIL, set_comment

ARTICLE_PAGE = "/articles/council-budget"
OUTCOME = {"approve": "published", "reject": "rejected"}


def decision(action: str) -> dict:
    """Return a decision's body: only a rejection has a reason."""
    return {"action": action, "reason": "spam"} if action == "reject" else {"action": action}


@pytest.fixture
def workers(make_app):
    """Two workers on one database, and API actions on the first."""
    first, second = make_app(), make_app()
    return first, second, ApiActions(first)


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_an_edit_racing_a_decision_never_undoes_it(workers, action):
    first, second, api = workers
    api.article()
    alice, mia = api.reader("alice"), api.staff("mia")
    for take in range(8):
        # Held by the classifier on an article without pre-moderation: a later edit alone would
        # leave it published once approved, and pending until then.
        comment_id = api.comment(alice, f"{CIVIL} Take {take}.")["id"]
        set_comment(first, comment_id, status="pending", hold_reason=HoldReason.ABUSE.value)
        edited, decided = run_together(
            partial(first.test_client().patch, f"/api/v1/comments/{comment_id}", json={"body": f"{CIVIL} Edited."},
                    headers=alice),
            partial(second.test_client().post, f"/api/v1/moderation/comments/{comment_id}/decision",
                    json=decision(action), headers=mia))
        assert {edited.status_code, decided.status_code} <= {200, 409}, (edited.get_json(), decided.get_json())
        comment = api.client.get(f"/api/v1/comments/{comment_id}", headers=alice).get_json()["comment"]
        if decided.status_code == 200:
            assert comment["status"] == OUTCOME[action], (take, edited.get_json())
        else:
            assert decided.get_json()["error"]["code"] == "already_decided"
            assert (edited.status_code, comment["status"]) == (200, "pending")
        if edited.status_code == 409:
            assert edited.get_json()["error"]["code"] in ("edit_conflict", "not_editable")
            assert comment["edited_at"] is None


@pytest.mark.parametrize("reason", [HoldReason.ESCALATED, HoldReason.REPORTED, HoldReason.PREMODERATION,
                                    HoldReason.ABUSE, HoldReason.OFF_TOPIC, HoldReason.MODEL_UNAVAILABLE])
def test_an_edit_keeps_every_hold_it_did_not_earn(api, app, reason):
    api.article()
    alice = api.reader("alice")
    comment_id = api.comment(alice, CIVIL)["id"]
    set_comment(app, comment_id, status="pending", hold_reason=reason.value)
    response = api.client.patch(f"/api/v1/comments/{comment_id}", json={"body": CIVIL + " Edited."}, headers=alice)
    assert response.status_code == 200
    edited = response.get_json()["comment"]
    assert (edited["status"], edited["hold_reason"], edited["body"]) == ("pending", reason.value, CIVIL + " Edited.")
    assert api.thread()["comments"] == []


def test_an_edit_on_the_page_keeps_an_escalated_comment_held(api, app, pages):
    api.article()
    comment_id = api.comment(api.reader("alice"), CIVIL)["id"]
    set_comment(app, comment_id, status="pending", hold_reason=HoldReason.ESCALATED.value)
    pages.login("alice")
    edit_page = f"/comments/{comment_id}/edit"
    response = pages.submit(edit_page, {"body": CIVIL + " Edited."}, page=edit_page, follow_redirects=True)
    assert "awaiting review" in response.get_data(as_text=True)
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert (comment.status.value, comment.hold_reason) == ("pending", "escalated")


def test_an_edit_may_add_a_hold(api, app):
    api.article()
    alice = api.reader("alice")
    comment_id = api.comment(alice, CIVIL)["id"]
    # Whatever the model scores, every text is now worth a review.
    app.config["MODERATION_ABUSE_REVIEW_THRESHOLD"] = 0.0
    app.config["MODERATION_ABUSE_REJECT_THRESHOLD"] = 1.01
    response = api.client.patch(f"/api/v1/comments/{comment_id}", json={"body": CIVIL + " Edited."}, headers=alice)
    edited = response.get_json()["comment"]
    assert (edited["status"], edited["hold_reason"]) == ("pending", "abuse")


def test_concurrent_likes_and_unlikes_keep_the_count_equal_to_the_likes(make_app):
    apps = [make_app() for _ in range(3)]
    api = ApiActions(apps[0])
    api.article()
    comment_id = api.comment(api.reader("alice"), CIVIL)["id"]
    readers = [api.reader(f"reader{n}") for n in range(6)]

    def churn(n):
        client, steps = apps[n % len(apps)].test_client(), random.Random(n)
        for _ in range(15):
            method = steps.choice(["POST", "DELETE"])
            response = client.open(f"/api/v1/comments/{comment_id}/reactions", method=method, headers=readers[n])
            assert response.status_code == 200, response.get_json()

    run_together(*[partial(churn, n) for n in range(len(readers))])
    with apps[0].app_context():
        rows = db.session.scalar(select(func.count()).select_from(Reaction).where(Reaction.comment_id == comment_id))
    count = api.client.get(f"/api/v1/comments/{comment_id}").get_json()["comment"]["reaction_count"]
    assert count == rows


def test_a_form_submitted_twice_at_once_posts_once_and_both_get_the_comment(workers):
    first, second, api = workers
    api.article()
    api.register("alice")
    browser = PageActions(first)
    browser.login("alice")
    twin = second.test_client()
    twin.set_cookie("session", browser.client.get_cookie("session").value)
    for take in range(5):
        html = browser.client.get(ARTICLE_PAGE).get_data(as_text=True)
        form = {"csrf_token": CSRF_RE.search(html).group(1), "body": f"Only once, take {take}.",
                "submission_key": re.search(r'name="submission_key" value="([^"]+)"', html).group(1)}
        one, other = run_together(*[partial(client.post, f"{ARTICLE_PAGE}/comments", data=form)
                                    for client in (browser.client, twin)])
        assert (one.status_code, other.status_code) == (302, 302)
        assert one.headers["Location"] == other.headers["Location"]
    with first.app_context():
        bodies = list(db.session.scalars(select(Comment.body).order_by(Comment.id)))
    assert bodies == [f"Only once, take {take}." for take in range(5)]


def interleave(monkeypatch, module, name, cut_in):
    """Make ``module.name`` run ``cut_in`` once, first: another worker's request arrives in the
    middle of this one, after it read the comment and before it writes."""
    original, done = getattr(module, name), []

    def wrapped(*args, **kwargs):
        if not done:
            done.append(cut_in())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)
    return done


@pytest.fixture
def held_comment(workers):
    """Alice's comment held by the classifier, and the headers of alice and the moderator mia."""
    first, second, api = workers
    api.article()
    alice, mia = api.reader("alice"), api.staff("mia")
    comment_id = api.comment(alice, CIVIL)["id"]
    set_comment(first, comment_id, status="pending", hold_reason=HoldReason.ABUSE.value)
    return comment_id, alice, mia


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_decision_on_text_edited_since_it_was_read_is_refused(workers, held_comment, monkeypatch, action):
    from moderation.queue import service as desk

    first, second, api = workers
    comment_id, alice, mia = held_comment
    edits = interleave(monkeypatch, desk, "_check_decision", lambda: first.test_client().patch(
        f"/api/v1/comments/{comment_id}", json={"body": CIVIL + " Edited."}, headers=alice))
    decided = second.test_client().post(f"/api/v1/moderation/comments/{comment_id}/decision",
                                        json=decision(action), headers=mia)
    assert edits[0].status_code == 200 and decided.status_code == 409
    comment = api.client.get(f"/api/v1/comments/{comment_id}", headers=alice).get_json()["comment"]
    assert (comment["status"], comment["body"]) == ("pending", CIVIL + " Edited.")


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_an_edit_of_a_comment_decided_since_it_was_read_is_refused(workers, held_comment, monkeypatch, action):
    from forum.threads import service as threads

    first, second, api = workers
    comment_id, alice, mia = held_comment
    decisions = interleave(monkeypatch, threads, "_screen_edit", lambda: second.test_client().post(
        f"/api/v1/moderation/comments/{comment_id}/decision", json=decision(action),
        headers=mia))
    edited = first.test_client().patch(f"/api/v1/comments/{comment_id}", json={"body": CIVIL + " Edited."},
                                       headers=alice)
    assert decisions[0].status_code == 200
    assert (edited.status_code, edited.get_json()["error"]["code"]) == (409, "edit_conflict")
    comment = api.client.get(f"/api/v1/comments/{comment_id}", headers=alice).get_json()["comment"]
    assert (comment["status"], comment["body"], comment["edited_at"]) == (OUTCOME[action], CIVIL, None)
