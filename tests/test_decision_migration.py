"""The migration that splits a decision's "code: note" reason into a code and a note, and back."""
import pytest
from sqlalchemy import text

from forum.extensions import db
from tests.moderation_actions import held, premod_article

BEFORE = "13aa71b721ce"
#: (action, the old reason column) -> (reason code, note) after the upgrade.
ROWS = [
    ("reject", "abuse", "abusive", None),
    ("reject", "abuse: insulting the mayor", "abusive", "insulting the mayor"),
    ("reject", "spam: links to a shop", "spam", "links to a shop"),
    ("reject", "off_topic", "off_topic", None),
    ("reject", "other: Doxxing", "other", "Doxxing"),
    ("reject", "Doxxing: his home address", "other", "Doxxing: his home address"),
    ("reject", None, None, None),
    ("approve", "abuse", None, None),
    ("approve", "off_topic: fine after all", None, "fine after all"),
    ("escalate", "Legal question", None, "Legal question"),
    ("escalate", "abuse: ask legal", None, "ask legal"),
]


@pytest.fixture
def old_log(api, app, runner):
    """Decisions written in the old layout, one per row of ``ROWS``, on a schema migrated back."""
    premod_article(api)
    alice = api.reader("alice")
    mia = api.staff("mia")
    comment_id = held(api, alice)["id"]
    result = runner.invoke(args=["db", "downgrade", BEFORE])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.engine.begin() as conn:
        moderator_id = conn.execute(text("SELECT id FROM users WHERE username = 'mia'")).scalar_one()
        for n, (action, reason, _, _) in enumerate(ROWS):
            conn.execute(text(
                "INSERT INTO moderation_decisions (comment_id, moderator_id, action, reason, hold_reason, created_at)"
                " VALUES (:c, :m, :a, :r, 'premoderation', :t)"),
                {"c": comment_id, "m": moderator_id, "a": action, "r": reason, "t": f"2026-11-30 10:{n:02d}:00"})
    return mia


def test_upgrade_splits_reasons_into_codes_and_notes(api, runner, old_log):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    response = api.client.get("/api/v1/moderation/log", query_string={"limit": 50}, headers=old_log)
    entries = response.get_json()["decisions"][::-1]
    assert [(e["action"], e["reason"], e["note"]) for e in entries] == [(a, code, note) for a, _, code, note in ROWS]


def test_downgrade_joins_them_again(app, runner, old_log):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade", BEFORE])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.engine.connect() as conn:
        reasons = conn.execute(text("SELECT reason FROM moderation_decisions ORDER BY id")).scalars().all()
    assert reasons == ["abuse", "abuse: insulting the mayor", "spam: links to a shop", "off_topic",
                       "other: Doxxing", "other: Doxxing: his home address", None, None, "fine after all",
                       "Legal question", "ask legal"]
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
