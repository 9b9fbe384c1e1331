"""The screening seam: what the forum hands a screen, what it does with the assessment, and one
model snapshot per assessment."""
import os
import shutil

import pytest

from forum.models import CommentStatus, HoldReason
from forum.screening import Assessment
from moderation.classifier import Model, load, save
from tests.factories import ANSWER, ARTICLE, OPENING, ApiActions


class RecordingScreen:
    """A screen that returns a fixed assessment and remembers what it was asked."""

    context_size = 5

    def __init__(self, assessment: Assessment):
        self.assessment = assessment
        self.seen = []

    def assess(self, submission):
        self.seen.append(submission)
        return self.assessment

    def health(self):
        return True, {"model": "ok", "model_version": "recording"}


def test_an_injected_screen_decides_and_sees_the_comment_in_its_thread(make_app):
    screen = RecordingScreen(Assessment(CommentStatus.PUBLISHED, model_version="recording"))
    api = ApiActions(make_app(SCREEN=screen))
    api.article()
    alice = api.reader("alice")
    first = api.comment(alice, OPENING)
    assert first["status"] == "published" and screen.seen[-1].context == ()
    screen.assessment = Assessment(CommentStatus.PENDING, HoldReason.OFF_TOPIC, abuse=0.1, off_topic=0.9,
                                   model_version="recording")
    reply = api.comment(alice, ANSWER, parent_id=first["id"])
    assert reply["status"] == "pending" and reply["hold_reason"] == "off_topic"
    seen = screen.seen[-1]
    assert seen.text == ANSWER and seen.parent == OPENING and ARTICLE["body"] in seen.article
    assert seen.mode == "post" and seen.context == ()  # the conversation has no other reply yet
    assert api.client.get("/healthz").get_json()["model_version"] == "recording"


def test_the_thread_context_holds_as_many_published_comments_as_the_screen_asks(make_app):
    screen = RecordingScreen(Assessment(CommentStatus.PUBLISHED))
    api = ApiActions(make_app(SCREEN=screen))
    api.article()
    alice = api.reader("alice")
    bodies = [f"Comment number {n} about the bus routes." for n in range(7)]
    for body in bodies:
        api.comment(alice, body)
    assert list(screen.seen[-1].context) == bodies[-2::-1][:5]


class FailingScreen(RecordingScreen):
    def assess(self, submission):
        raise RuntimeError("the screen fell over")

    def health(self):
        raise RuntimeError("the screen fell over")


def test_a_failing_screen_holds_the_comment_and_fails_the_health_check(make_app):
    api = ApiActions(make_app(SCREEN=FailingScreen(Assessment(CommentStatus.PUBLISHED))))
    api.article()
    comment = api.comment(api.reader("alice"), OPENING)
    assert comment["status"] == "pending" and comment["hold_reason"] == "model_unavailable"
    health = api.client.get("/healthz")
    assert health.status_code == 503 and "fell over" in health.get_json()["model"]


def test_without_moderation_the_forum_holds_every_comment(make_app):
    api = ApiActions(make_app(PLUGINS=[]))
    api.article()
    comment = api.comment(api.reader("alice"), OPENING)
    assert comment["status"] == "pending" and comment["hold_reason"] == "model_unavailable"
    health = api.client.get("/healthz")
    assert health.status_code == 503 and "no screen" in health.get_json()["model"]
    assert api.client.get("/api/v1/moderation/queue").status_code == 404


def _variant(base_model, path, version, thresholds):
    model = Model({**base_model.state, "version": version, "thresholds": {**base_model.thresholds, **thresholds}})
    save(model, path)


@pytest.mark.real_model
def test_one_model_scores_and_judges_even_when_the_file_is_swapped_meanwhile(app, base_model, tmp_path,
                                                                            monkeypatch):
    """`moderation promote` may swap the file between scoring and judging: the verdict still uses
    the thresholds of the model whose scores and version are stored."""
    strict, lenient = tmp_path / "strict.skops", tmp_path / "lenient.skops"
    _variant(base_model, strict, "strict", {"abuse_review": 0.0})
    _variant(base_model, lenient, "lenient", {"abuse_review": 1.01, "abuse_reject": 1.01})
    active = tmp_path / "model.skops"
    shutil.copyfile(strict, active)
    app.config["MODERATION_MODEL_PATH"] = str(active)
    api = ApiActions(app)
    api.article()
    alice = api.reader("alice")
    assert api.client.get("/healthz").get_json()["model_version"] == "strict"

    score, swapped = Model.score, []

    def score_then_promote(self, text, **context):
        scores = score(self, text, **context)
        if not swapped:
            swapped.append(True)
            os.replace(lenient, active)
        return scores

    monkeypatch.setattr(Model, "score", score_then_promote)
    comment = api.comment(alice, OPENING)
    assert swapped and load(active).version == "lenient"
    assert comment["status"] == "pending" and comment["hold_reason"] == "abuse"
    moderator = api.staff("mod")
    seen = api.client.get(f"/api/v1/comments/{comment['id']}", headers=moderator).get_json()["comment"]
    assert seen["model_version"] == "strict" and seen["scores"]["abuse"] is not None
