"""A decision keeps its reason code and the moderator's note apart, in the log, its filters and the labels."""
import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from moderation.learning import decision_examples
from moderation.models import ModerationDecision
from moderation.vocabulary import DecisionAction, RejectionReason
from tests.moderation_actions import decide, held, premod_article, set_comment


@pytest.fixture
def desk(api):
    """A pre-moderated article, the reader alice and the moderator mia; returns their headers."""
    premod_article(api)
    return api.reader("alice"), api.staff("mia")


def log(api, headers, **params) -> list[dict]:
    response = api.client.get("/api/v1/moderation/log", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["decisions"]


@pytest.mark.parametrize("action, reason, note, logged", [
    ("approve", None, None, (None, None)),
    ("approve", None, "Fair criticism", (None, "Fair criticism")),
    ("escalate", None, "Legal question", (None, "Legal question")),
    ("reject", "threat", None, ("threat", None)),
    ("reject", "personal_information", "Posted a home address", ("personal_information", "Posted a home address")),
    ("reject", "other", "abusive: spam", ("other", "abusive: spam")),
])
def test_the_log_shows_action_reason_and_note_apart(api, desk, action, reason, note, logged):
    alice, mia = desk
    comment = held(api, alice)
    assert decide(api, mia, comment["id"], action, reason, note=note).status_code == 200
    [entry] = log(api, mia)
    assert (entry["action"], entry["reason"], entry["note"]) == (action, *logged)


@pytest.mark.parametrize("hold_reason, rejection", [
    ("abuse", "abusive"), ("off_topic", "off_topic"), ("premoderation", "other"), ("model_unavailable", "other"),
])
def test_a_rejection_without_a_reason_takes_it_from_the_hold(api, app, desk, hold_reason, rejection):
    alice, mia = desk
    comment = held(api, alice)
    set_comment(app, comment["id"], hold_reason=hold_reason)
    assert decide(api, mia, comment["id"], "reject").get_json()["decision"]["reason"] == rejection


@pytest.fixture
def history(api, desk):
    """mia approves one comment, max rejects one, mia escalates one; returns their ids in that order."""
    alice, mia = desk
    max_ = api.staff("max")
    ids = [held(api, alice, f"Remark {n} on the budget.")["id"] for n in range(3)]
    decide(api, mia, ids[0], "approve")
    decide(api, max_, ids[1], "reject", "spam", note="A shop's link")
    decide(api, mia, ids[2], "escalate")
    return ids


@pytest.mark.parametrize("params, expected", [
    ({}, [2, 1, 0]),
    ({"moderator": "mia"}, [2, 0]),
    ({"moderator": "max"}, [1]),
    ({"moderator": "nobody"}, []),
    ({"action": "reject"}, [1]),
    ({"action": "escalate", "moderator": "mia"}, [2]),
    ({"action": "approve", "moderator": "max"}, []),
    ({"comment_id": 0}, [0]),
])
def test_the_log_filters_by_moderator_action_and_comment(api, desk, history, params, expected):
    params = {k: history[v] if k == "comment_id" else v for k, v in params.items()}
    assert [d["comment_id"] for d in log(api, desk[1], **params)] == [history[i] for i in expected]


@pytest.mark.backend_independent
@pytest.mark.parametrize("params, code", [
    ({"action": "delete"}, "invalid_action"),
    ({"comment_id": "abc"}, "invalid_comment_id"),
    ({"comment_id": "²"}, "invalid_comment_id"),
    ({"comment_id": "-1"}, "invalid_comment_id"),
    ({"comment_id": "9" * 19}, "invalid_comment_id"),
])
def test_bad_log_filters_are_refused(api, desk, params, code):
    response = api.client.get("/api/v1/moderation/log", query_string=params, headers=desk[1])
    assert response.status_code == 422 and response.get_json()["error"]["code"] == code


def test_the_log_page_filters_and_shows_reason_and_note_apart(api, pages, desk, history):
    pages.login("mia")
    html = pages.client.get("/moderation/log?action=reject").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td title=.*?</tr>", html, re.S)
    assert len(rows) == 1 and f"#{history[1]}" in rows[0]
    assert re.search(r"<td><span[^>]*>Spam or advertising</span></td>\s*<td[^>]*>A shop&#39;s link</td>", rows[0])
    assert '<option value="reject" selected>' in html
    assert pages.client.get("/moderation/log?comment_id=x").status_code == 422


def test_the_desk_forms_offer_the_reasons_and_a_note(api, pages, desk):
    alice, _ = desk
    held(api, alice)
    pages.login("mia")
    html = pages.client.get("/moderation").get_data(as_text=True)
    for code in ("abusive", "threat", "hate", "spam", "off_topic", "personal_information", "other"):
        assert f'<option value="{code}"' in html
    assert html.count('name="note"') >= 4


@pytest.mark.parametrize("form, logged", [
    ({"action": "approve", "reason": "spam", "note": "Fine"}, ("approve", None, "Fine")),
    ({"action": "escalate", "reason": "spam"}, ("escalate", None, None)),
    ({"action": "reject", "reason": "hate", "note": "Slur"}, ("reject", "hate", "Slur")),
])
def test_the_page_sends_a_reason_only_with_a_rejection(api, pages, desk, form, logged):
    alice, mia = desk
    comment = held(api, alice)
    pages.login("mia")
    for path in (f"/moderation/comments/{comment['id']}/decision", "/moderation/bulk"):
        response = pages.submit(path, {**form, "ids": str(comment["id"])}, page="/moderation")
        assert response.status_code == 302
        comment = held(api, alice)
    entries = log(api, mia)
    assert len(entries) == 2
    assert {(e["action"], e["reason"], e["note"]) for e in entries} == {logged}


def labels(app) -> dict[str, tuple]:
    """Return {comment body: (abuse label, off-topic label)} of what the learning loop would learn."""
    with app.app_context():
        train, held_out = decision_examples()
        return {e.text: (e.abuse, e.off_topic) for e in train + held_out}


@pytest.mark.parametrize("action, reason, note, label", [
    ("approve", None, "reject: abusive", (0, 0)),
    ("reject", "abusive", None, (1, None)),
    ("reject", "threat", "off_topic", (1, None)),
    ("reject", "hate", None, (1, None)),
    ("reject", "spam", None, (1, None)),
    ("reject", "off_topic", "abusive, spam, hate", (None, 1)),
    ("reject", "other", "abusive", None),
    ("reject", "personal_information", "abuse: spam", None),
    ("escalate", None, "abusive", None),
])
def test_only_the_reason_code_becomes_a_label_never_the_note(api, app, desk, action, reason, note, label):
    alice, mia = desk
    comment = held(api, alice, "A remark the desk decides.")
    assert decide(api, mia, comment["id"], action, reason, note=note).status_code == 200
    assert labels(app).get("A remark the desk decides.") == label


def test_a_decision_row_stores_typed_codes(api, app, desk):
    alice, mia = desk
    decide(api, mia, held(api, alice)["id"], "reject", "hate", note="Slur")
    with app.app_context():
        row = db.session.scalars(select(ModerationDecision)).one()
        assert (row.action, row.reason, row.note) == (DecisionAction.REJECT, RejectionReason.HATE, "Slur")
        assert type(row.action) is DecisionAction and type(row.reason) is RejectionReason
