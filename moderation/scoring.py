"""Web-side glue: the active model, loaded once per process, and scoring that never blocks posting.

The artifact at MODERATION_MODEL_PATH is read on first use and again only when the file changes
(``moderation promote`` swaps it atomically), so every worker follows the active version without
sharing memory.
"""
import logging
import os
import threading
from dataclasses import dataclass

from flask import current_app

from moderation.classifier import MAX_CONTEXT, ArtifactError, Model, Scores, load

log = logging.getLogger(__name__)


@dataclass
class _Loaded:
    path: str | None = None
    stamp: tuple | None = None
    model: Model | None = None
    error: str | None = None


#: How many of a thread's recent comments the off-topic model compares a comment with: as many
#: as it was trained with (with only 10, its CV ROC-AUC on Fox training threads fell from 0.85 to 0.76).
CONTEXT_SIZE = MAX_CONTEXT

_loaded = _Loaded()
_lock = threading.Lock()


def _stamp(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def active_model() -> Model | None:
    """Return the loaded model, or None (with the reason logged) when it cannot be used."""
    path = current_app.config["MODERATION_MODEL_PATH"]
    stamp = _stamp(path)
    if _loaded.path == path and _loaded.stamp == stamp:
        return _loaded.model
    with _lock:
        if _loaded.path == path and _loaded.stamp == stamp:
            return _loaded.model
        _loaded.path, _loaded.stamp = path, stamp
        try:
            _loaded.model, _loaded.error = load(path), None
            log.info("Loaded moderation model %s from %s", _loaded.model.version, path)
        except ArtifactError as exc:
            _loaded.model, _loaded.error = None, str(exc)
            log.error("Moderation model unavailable, new comments will be held for review: %s", exc)
        return _loaded.model


def model_error() -> str | None:
    """Return why the model is unavailable, or None when it is loaded."""
    return None if active_model() is not None else _loaded.error


def score_text(text: str, *, article: str = "", parent: str = "", context=()) -> tuple[Scores | None, str | None]:
    """Score ``text``; return (scores, model version), or (None, None) if the model failed.

    A failure is logged and never raised: the policy then holds the comment for review.
    """
    model = active_model()
    if model is None:
        return None, None
    try:
        return model.score(text, article=article, parent=parent, context=context), model.version
    except Exception:
        log.exception("Scoring failed; holding the comment for review")
        return None, None
