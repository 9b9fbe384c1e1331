"""The screening seam: what the forum hands a screen, what it does with the assessment, one model
snapshot per assessment, and the deterministic screen the web tests use (tests/screens.py)."""
import os
import shutil

import pytest

from forum.models import CommentStatus, HoldReason
from forum.screening import Assessment, Submission
from moderation.classifier import Highlight, Model, load, save
from tests.factories import ANSWER, ARTICLE, OPENING, ApiActions
from tests.moderation_actions import PREMOD, premod_article
from tests.screens import OFF_TOPIC, WORD, WordScreen, abuse_score


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
    api = ApiActions(make_app(PLUGINS=[], SCREEN=None))
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


@pytest.mark.backend_independent
@pytest.mark.parametrize("article, body, status, hold_reason", [
    ("council-budget", OPENING, "published", None),
    ("council-budget", "You idiot, nobody reads surveys.", "pending", "abuse"),
    ("council-budget", "You are a pathetic idiot and everybody here knows it.", "rejected", None),
    (PREMOD, OPENING, "pending", "premoderation"),
    (PREMOD, "You are a pathetic idiot and everybody here knows it.", "pending", "premoderation"),
])
def test_the_web_tests_screen_decides_by_its_words_and_moderations_policy(api, article, body, status, hold_reason):
    api.article()
    premod_article(api)
    comment = api.comment(api.reader("alice"), body, article_id=article)
    assert (comment["status"], comment.get("hold_reason")) == (status, hold_reason)  # only a pending one says why
    seen = api.client.get(f"/api/v1/comments/{comment['id']}", headers=api.staff("mod")).get_json()["comment"]
    words = len(WORD.findall(body))
    assert seen["model_version"] == "test-screen" == api.client.get("/healthz").get_json()["model_version"]
    assert seen["scores"] == {"abuse": abuse_score(words), "off_topic": OFF_TOPIC}


@pytest.mark.backend_independent
def test_the_web_tests_screen_follows_the_configured_thresholds(app, api):
    api.article()
    alice = api.reader("alice")
    app.config["MODERATION_ABUSE_REJECT_THRESHOLD"] = 0.0
    assert api.comment(alice, OPENING)["status"] == "rejected"
    app.config["MODERATION_ABUSE_REJECT_THRESHOLD"] = 1.01
    app.config["MODERATION_OFF_TOPIC_REVIEW_THRESHOLD"] = 0.0
    assert api.comment(alice, OPENING)["hold_reason"] == "off_topic"


@pytest.mark.backend_independent
def test_the_web_tests_screen_highlights_its_words_as_the_classifier_does(app):
    text = "Only a Moron or an idiot would say so."
    with app.app_context():
        highlights = WordScreen().assess(Submission(text)).highlights
    assert [(h.start, h.end, h.text, h.weight) for h in highlights] == [(7, 12, "Moron", 1.0), (19, 24, "idiot", 1.0)]
    assert all(isinstance(h, Highlight) and text[h.start:h.end] == h.text for h in highlights)
