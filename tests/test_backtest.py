"""``moderation backtest``: the window's comments replayed through a candidate model, beside the active one."""
import json

import pytest

from tests.moderation_actions import decide

#: The backtest replays the trained model's scores.
pytestmark = pytest.mark.real_model

CIVIL = [
    "The bus money is welcome, but the parking fees worry me.",
    "Will the council publish the cost breakdown?",
    "I take the 31 every day; more buses would help.",
    "Shops on Quay Street will feel the fee rise.",
    "Thanks for the clear reporting on the budget.",
]
#: Rude enough to be held for review, not enough to be rejected at once (0.7 on the base model).
RUDE = ["What a dumb idea, honestly", "Typical idiotic decision from the council"]
INSULTS = ["you are a stupid idiot", "shut up you worthless moron"]


def backtest(runner, *args) -> dict:
    result = runner.invoke(args=["moderation", "backtest", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_replaying_the_active_model_gives_back_its_own_verdicts(api, runner, base_model_path):
    api.article()
    authors = [api.reader(f"reader{n}") for n in range(3)]
    mia = api.staff("mia")
    posted = [api.comment(authors[n % 3], text) for n, text in enumerate(CIVIL + RUDE + INSULTS)]
    held = [c for c in posted if c["status"] == "pending"]
    rejected = [c for c in posted if c["status"] == "rejected"]
    assert len(held) == len(RUDE) and len(rejected) == len(INSULTS), posted
    # The desk rejects all but one of the held comments; it approves the last.
    for comment in held[:-1]:
        assert decide(api, mia, comment["id"], "reject", "abusive").status_code == 200
    assert decide(api, mia, held[-1]["id"], "approve").status_code == 200

    figures = backtest(runner, "--model", str(base_model_path), "--days", "1")
    assert figures["comments"] == len(posted) and figures["days"] == 1
    # The model was trained before any of these decisions: every one of them can judge it.
    assert figures["decided"] == figures["judged"] == len(held)
    active, candidate = figures["models"]["active"], figures["models"]["candidate"]
    assert active == candidate
    assert active["held_per_day"] == len(held) and active["rejected_per_day"] == len(rejected)
    assert active["precision"] == pytest.approx((len(held) - 1) / len(held)) and active["recall"] == 1.0
    assert active["rejected_decided"] == 0 and active["rejected_precision"] is None


def test_the_table_names_both_models_and_each_figure(api, runner, base_model_path):
    api.article()
    api.comment(api.reader("alice"), CIVIL[0])
    result = runner.invoke(args=["moderation", "backtest", "--model", str(base_model_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Backtest of 1 comments") and "30.0 days" in lines[0]
    assert lines[1].split() == ["active", "candidate"]
    assert [line.split("  ")[0] for line in lines[2:]] == [
        "model", "review threshold", "reject threshold", "held for review per day", "rejected per day",
        "precision (held or rejected)", "recall (held or rejected)", "precision of rejections",
        "decided comments it rejects"]
    assert "n/a" in lines[7]  # no decision: no precision


@pytest.mark.parametrize("args, code, message", [
    (["--model", "/no/such/model.skops"], 1, "no model file at /no/such/model.skops"),
    ([], 1, "There is no trained version besides the active one"),
    (["--days", "0"], 2, "Invalid value for '--days'"),
    (["--days", "ten"], 2, "Invalid value for '--days'"),
])
def test_a_backtest_without_a_candidate_or_with_a_bad_window_says_why(runner, args, code, message):
    result = runner.invoke(args=["moderation", "backtest", *args])
    assert result.exit_code == code and message in result.output, result.output
