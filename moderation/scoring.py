"""Web-side glue: the active model, loaded once per process, and the screen the forum calls.

The artifact at MODERATION_MODEL_PATH is read on first use and again only when the file changes
(``moderation promote`` swaps it atomically), so every worker follows the active version without
sharing memory. A file that cannot be loaded, or whose model cannot score, leaves no model: new
comments are held for review and ``/healthz`` says why, until a good file replaces it. The model
runs with the sentence encoder in MODERATION_ENCODER_DIR (None: the shipped one); without a
working encoder it still screens, with its linear model, and ``/healthz`` says ``degraded``.

A comment is compared with the stored vectors of its article, parent and thread
(``moderation.embeddings``): only the comment itself is encoded.
"""
import logging
import os
import threading
from dataclasses import dataclass

from flask import current_app

from forum.screening import DEGRADED, Assessment, Submission
from moderation import embeddings, policy, rules
from moderation.classifier import MAX_CONTEXT, Model, Scores, load

log = logging.getLogger(__name__)

#: How many of a thread's recent comments the off-topic model compares a comment with: as many
#: as it was trained with (with only 10, its CV ROC-AUC on Fox training threads fell from 0.85 to 0.76).
CONTEXT_SIZE = MAX_CONTEXT

#: Scored once after loading: a file that loads but cannot score is refused there, not on a reader's post.
_PROBE = "A short civil remark about the council's budget."


@dataclass
class _Loaded:
    #: The model file and the encoder directory it was loaded from.
    source: tuple | None = None
    stamp: tuple | None = None
    model: Model | None = None
    error: str | None = None
    #: Why the loaded model last failed to score, cleared by its next success.
    scoring_error: str | None = None


_loaded = _Loaded()
_lock = threading.Lock()


def _stamp(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _load_checked(path: str, encoder_directory: str | None) -> Model:
    """Load the model at ``path`` and make it score once, so a bad inner layout fails here."""
    model = load(path, encoder_directory=encoder_directory)
    model.score(_PROBE, article=_PROBE, parent=_PROBE, context=(_PROBE,))
    model.highlights(_PROBE)
    return model


def active_model() -> Model | None:
    """Return the loaded model, or None (with the reason logged) when it cannot be used."""
    path = current_app.config["MODERATION_MODEL_PATH"]
    source, stamp = (path, current_app.config["MODERATION_ENCODER_DIR"]), _stamp(path)
    if _loaded.source == source and _loaded.stamp == stamp:
        return _loaded.model
    with _lock:
        if _loaded.source == source and _loaded.stamp == stamp:
            return _loaded.model
        try:
            model, error = _load_checked(*source), None
            log.info("Loaded moderation model %s from %s", model.version, path)
        except Exception as exc:  # any failure, not only ArtifactError: never keep the old model silently
            model, error = None, f"{type(exc).__name__}: {exc}"
            log.error("Moderation model unavailable, new comments will be held for review: %s", error)
        _loaded.model, _loaded.error, _loaded.scoring_error = model, error, None
        _loaded.source, _loaded.stamp = source, stamp
        return model


def model_error() -> str | None:
    """Return why the model is unavailable or last failed to score, or None when it works."""
    if active_model() is None:
        return _loaded.error
    return _loaded.scoring_error


def score_submission(model: Model, submission: Submission, stored=None) -> Scores:
    """Score with ``model`` against the stored vectors of the submission's article, parent and
    thread (``stored``: the text's own stored vector, when it has one)."""
    vectors = embeddings.context_vectors(
        model, article_id=submission.article_id, article=submission.article, parent_id=submission.parent_id,
        parent=submission.parent, context_ids=submission.context_ids)
    return model.score(submission.text, article=submission.article, parent=submission.parent,
                       context=submission.context, context_vectors=vectors, stored=stored)


def _score(model: Model, submission: Submission) -> Scores | None:
    """Score as ``score_submission`` does; on failure log it, remember it for ``/healthz`` and return None."""
    try:
        scores = score_submission(model, submission)
    except Exception as exc:
        log.exception("Scoring failed; holding the comment for review")
        _loaded.scoring_error = f"scoring failed: {type(exc).__name__}: {exc}"
        return None
    _loaded.scoring_error = None
    return scores


def score_text(submission: Submission) -> tuple[Scores | None, str | None]:
    """Score the submission's text; return (scores, model version), or (None, None) if there is no
    working model. Nothing is kept: no comment is written."""
    model = active_model()
    if model is None:
        return None, None
    scores = _score(model, submission)
    return (scores, model.version) if scores is not None else (None, None)


class ClassifierScreen:
    """The forum's screen: the active model's scores and the policy, from one model snapshot."""

    context_size = CONTEXT_SIZE

    def assess(self, submission: Submission) -> Assessment:
        """Score the submission, decide it with the thresholds of the very model that scored it,
        then apply the desk's rules (moderation/rules)."""
        return rules.apply(submission, self._model_assessment(submission))

    @staticmethod
    def _model_assessment(submission: Submission) -> Assessment:
        model = active_model()
        scores = None
        if model is not None:
            scores = _score(model, submission)
        if scores is not None:
            embeddings.keep(submission.text, model, scores)
        verdict = policy.decide(scores, submission.mode, policy.thresholds(current_app.config, model))
        if scores is None:
            return Assessment(verdict.status, verdict.reason)
        return Assessment(verdict.status, verdict.reason, abuse=scores.abuse, off_topic=scores.off_topic,
                          model_version=model.version, highlights=tuple(scores.highlights), rule=verdict.rule)

    def health(self) -> tuple[bool, dict]:
        """Report the model: ``ok`` and its version, or the error that holds every new comment; and
        the encoder: ``ok``, or why the model scores without it (``degraded``)."""
        model, error = active_model(), model_error()
        if error is not None:
            return False, {"model": f"error: {error}", "model_version": model.version if model else None}
        encoder = "ok" if model.encoder_error is None else (
            f"{DEGRADED}: comments are screened without the sentence encoder: {model.encoder_error}")
        return True, {"model": "ok", "model_version": model.version, "encoder": encoder}
