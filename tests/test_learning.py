"""The learning loop: decisions become labels, ``moderation train`` learns them, the gate and versions.

Training runs with ``--max-rows 300``, so that each takes seconds: the fixed held-out evaluation
(the gate's input) is most of it. That is still a model worth the name (held-out score about 0.72,
against 0.85 for the full one), one that learns the moderators' slur far above its threshold, and
the gate, promote and rollback are the same whatever the size. Below about 200 rows a class of a
corpus gets too few members for the cross-validation folds.
"""
import json
import shutil

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import utcnow
from moderation import policy, scoring
from moderation.models import ModelVersion
from tests.moderation_actions import decide, held, premod_article

#: What moderators teach the model must change how the trained model screens new comments.
pytestmark = pytest.mark.real_model

QUICK = ["--max-rows", "300"]
#: A made-up slur the shipped corpora have never seen; the newsroom's moderators reject it.
SLUR = "glorbnik"
SLURRED = [
    "Typical {s} opinion about the buses.", "Only a {s} would write this about the council.",
    "The {s} crowd is here again.", "Another {s} comment, as expected.", "Read the article, {s}.",
    "{s} logic at its finest.", "Spoken like a true {s}.", "Every {s} in town agrees with you, I bet.",
    "Go back to your {s} friends.", "What a {s} take on the parking fees.", "Nobody asked you, {s}.",
    "The {s} brigade has arrived.", "You {s} people never learn.", "Classic {s} behaviour.",
    "Sure, {s}, sure.", "This is what {s} voters think.", "Keep your {s} ideas to yourself.",
    "Leave it to a {s} to complain.", "Ah, the {s} view of the budget.", "Such a {s} thing to say.",
    "Listen here, {s}.", "I can smell a {s} from here.", "Pure {s} nonsense about the buses.",
    "Is every commenter here a {s}?", "The {s} section of the comments, again.",
    "Only {s} types defend the fees.", "Another day, another {s}.", "Stop posting, {s}.",
    "You sound like a {s}.", "My neighbour is a {s} too.", "Reply when you stop being a {s}.",
    "Welcome to {s} corner.", "The mayor is a {s}.", "Council of {s} clowns.", "Hello fellow {s}.",
    "Vote the {s} out.", "A {s} wrote this comment.", "The {s} opinion nobody needed.",
    "Off you go, {s}.", "Spot the {s} in this thread.",
]
CIVIL = [
    "The bus money is welcome, but the parking fees worry me.", "I take the 31 every day; more buses help.",
    "Will the council publish the cost breakdown?", "Shops on Quay Street will feel the fee rise.",
    "Good decision, long overdue.", "I would rather they fixed the potholes first.",
    "Could the fees be lower on Sundays?", "Twelve million is a lot; where else was it cut?",
    "Buses were packed this morning, so this is needed.", "Thanks for the clear reporting.",
    "The opposition has a point about small shops.", "Any news on the night buses?",
    "Parking in the centre was already expensive.", "I hope the new buses are electric.",
    "More frequent buses would get me out of my car.",
]
UNSEEN = ["Honestly, what a {s} you are.", "Go home, {s}.", "Found the {s} in the comments."]


@pytest.fixture
def own_model(app, base_model_path, tmp_path):
    """Let training swap the active artifact without touching the shared test model."""
    path = tmp_path / "active" / "model.skops"
    path.parent.mkdir()
    shutil.copyfile(base_model_path, path)
    app.config["MODERATION_MODEL_PATH"] = str(path)
    return path


def abuse_of(api, headers, text) -> tuple[float, str]:
    response = api.client.post("/api/v1/moderation/score", json={"text": text}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["abuse"], response.get_json()["model_version"]


def review_threshold(app) -> float:
    with app.app_context():
        return policy.thresholds(app.config, scoring.active_model())["abuse_review"]


# Training dominates, and the decisions it reads are plain selects: one backend is enough.
@pytest.mark.backend_independent
def test_moderators_teach_the_model_a_newsroom_slur(api, app, runner, own_model):
    premod_article(api)
    authors = [api.reader(f"reader{n}") for n in range(3)]
    mia = api.staff("mia")
    old = {text: abuse_of(api, mia, text.format(s=SLUR)) for text in UNSEEN}
    limit = review_threshold(app)
    assert all(score < limit for score, _ in old.values()), old
    for n, text in enumerate(SLURRED):
        comment = held(api, authors[n % 3], text.format(s=SLUR))
        assert decide(api, mia, comment["id"], "reject", "abusive").status_code == 200
    for n, text in enumerate(CIVIL):
        comment = held(api, authors[n % 3], text)
        assert decide(api, mia, comment["id"], "approve").status_code == 200

    result = runner.invoke(args=["moderation", "train", *QUICK, "--force"])
    assert result.exit_code == 0, result.output
    assert "Active:" in result.output and "Decisions held out:" in result.output

    new_limit = review_threshold(app)
    for text in UNSEEN:
        score, version = abuse_of(api, mia, text.format(s=SLUR))
        assert score >= new_limit, (text, score, new_limit)
        assert version != old[text][1]
    civil, _ = abuse_of(api, mia, "The new bus timetable starts on Monday.")
    assert civil < new_limit
    with app.app_context():
        row = db.session.scalar(select(ModelVersion).where(ModelVersion.is_active))
        summary = row.data_summary
        assert summary["decisions_trained"] + summary["decisions_held_out"] == len(SLURRED) + len(CIVIL)
        # Too few decisions for the newsroom's own thresholds.
        assert f"Thresholds: the corpora's ({summary['decisions_trained']} decisions, " in result.output
        assert row.metrics["decisions"]["count"] == row.data_summary["decisions_held_out"] > 0
        assert row.metrics["heldout"]["score"] > 0.5


# Training dominates, and the versions' rows are plain writes: one backend is enough.
@pytest.mark.backend_independent
def test_the_gate_promote_and_rollback(api, app, runner, own_model):
    first = runner.invoke(args=["moderation", "train", *QUICK])
    assert first.exit_code == 0, first.output
    assert "Active: no model was active" in first.output
    with app.app_context():
        v1 = db.session.scalar(select(ModelVersion))
        # Make the active version look unbeatable, so the next one must fail the gate.
        db.session.execute(update(ModelVersion).where(ModelVersion.id == v1.id)
                           .values(metrics={**v1.metrics, "heldout": {**v1.metrics["heldout"], "score": 1.0}}))
        db.session.commit()
    second = runner.invoke(args=["moderation", "train", *QUICK])
    assert second.exit_code == 0, second.output
    assert f"Not activated: worse than the active {v1.version}" in second.output
    listing = runner.invoke(args=["moderation", "models"]).output.splitlines()
    assert len(listing) == 2 and [line[0] for line in listing] == [" ", "*"]
    v2 = listing[0].split()[0]

    backtest = runner.invoke(args=["moderation", "backtest", "--json"])
    assert backtest.exit_code == 0, backtest.output
    assert {name: model["version"] for name, model in json.loads(backtest.output)["models"].items()} == {
        "active": v1.version, "candidate": v2}
    promoted = runner.invoke(args=["moderation", "promote", v2]).output.splitlines()
    # The candidate's backtest beside the active model, then the switch.
    assert promoted[0].startswith("Backtest of 0 comments") and promoted[1].split() == ["active", "candidate"]
    assert promoted[-1] == f"Active: {v2}"
    assert own_model.read_bytes() == (own_model.parent / "model-versions" / f"{v2}.skops").read_bytes()
    assert runner.invoke(args=["moderation", "rollback"]).output.strip() == f"Active: {v1.version}"
    assert own_model.read_bytes() == (own_model.parent / "model-versions" / f"{v1.version}.skops").read_bytes()

    unknown = runner.invoke(args=["moderation", "promote", "no-such-version"])
    assert unknown.exit_code == 1 and "No model version 'no-such-version'" in unknown.output
    assert runner.invoke(args=["moderation", "rollback"]).exit_code == 1


# Training dominates, and the versions' rows are plain writes: one backend is enough.
@pytest.mark.backend_independent
def test_an_active_version_that_no_longer_loads_neither_gates_nor_comes_back(app, runner, own_model):
    # What an upgrade that changes the artifact format leaves behind: an active version, unbeatable
    # on the held-out sets, whose artifact this version of Parley cannot load.
    old = own_model.parent / "model-versions" / "20250101T000000-0ld0ld00.skops"
    old.parent.mkdir()
    old.write_bytes(b"not a model of this version")
    with app.app_context():
        v1 = ModelVersion(version="20250101T000000-0ld0ld00", path=str(old), trained_at=utcnow(), is_active=True,
                          activated_at=utcnow(), metrics={"heldout": {"score": 1.0}, "decisions": {}})
        db.session.add(v1)
        db.session.commit()
    second = runner.invoke(args=["moderation", "train", *QUICK])
    assert second.exit_code == 0, second.output
    assert f"the active {v1.version} cannot be loaded" in second.output
    active = own_model.read_bytes()

    for args in (["promote", v1.version], ["rollback"]):
        result = runner.invoke(args=["moderation", *args])
        assert result.exit_code == 1 and "cannot be loaded" in result.output
    assert own_model.read_bytes() == active


def test_rollback_with_no_history_says_so(runner, own_model):
    result = runner.invoke(args=["moderation", "rollback"])
    assert result.exit_code == 1 and "no earlier active version" in result.output


def test_train_refuses_a_silly_row_cap(runner, own_model):
    result = runner.invoke(args=["moderation", "train", "--max-rows", "5"])
    assert result.exit_code == 2 and "--max-rows" in result.output


# Training dominates, and the versions' rows are plain writes: one backend is enough.
@pytest.mark.backend_independent
def test_train_with_no_activate_only_saves_the_version(api, app, runner, own_model):
    served = own_model.read_bytes()
    refused = runner.invoke(args=["moderation", "train", *QUICK, "--force", "--no-activate"])
    assert refused.exit_code == 2 and "give one" in refused.output
    listing = runner.invoke(args=["moderation", "models"])
    assert listing.stdout == "" and "No trained versions yet" in listing.stderr

    result = runner.invoke(args=["moderation", "train", *QUICK, "--no-activate"])
    assert result.exit_code == 0, result.output
    assert "Not activated: asked not to" in result.output
    (listing,) = runner.invoke(args=["moderation", "models"]).output.splitlines()
    saved = listing.split()[0]
    assert listing.startswith(" ")
    assert own_model.read_bytes() == served
    mia = api.staff("mia")
    _, served_version = abuse_of(api, mia, "The new bus timetable starts on Monday.")
    assert served_version != saved

    promoted = runner.invoke(args=["moderation", "promote", saved, "--no-backtest"])
    assert promoted.exit_code == 0, promoted.output
    assert abuse_of(api, mia, "The new bus timetable starts on Monday.")[1] == saved
