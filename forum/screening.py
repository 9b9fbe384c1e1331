"""The screening step every new or edited comment goes through, and the seam moderation plugs into.

The forum says what it needs, never how it is done: a ``Submission`` (the text and its context)
goes in, one ``Assessment`` (scores, verdict, hold reason, model version) comes out, all from one
model snapshot. Moderation registers its screen at start-up (``register_screen``, from its
``init_app``); a test registers its own with ``create_app({"SCREEN": screen})`` or
``register_screen(app, screen)``. With no screen, or one that fails, the comment is held for
review: screening never loses a comment and never blocks posting.
"""
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, current_app

from forum.models import CommentStatus, HoldReason, ModerationMode

log = logging.getLogger(__name__)

_KEY = "parley.screen"
#: How a health part that works with less begins (``degraded: why``).
DEGRADED = "degraded"


@dataclass(frozen=True)
class Submission:
    """A comment to screen: its text, the article's text, the parent's, the thread's latest bodies,
    and who posts it where (ids, for rules on the author's history and for what the screen keeps
    of earlier comments; None when screening a bare text)."""

    text: str
    article: str = ""
    parent: str = ""
    context: Sequence[str] = ()
    mode: ModerationMode = ModerationMode.POST
    author_id: int | None = None
    article_id: int | None = None
    #: The comment being edited; None for a new one.
    comment_id: int | None = None
    parent_id: int | None = None
    #: The ids of the ``context`` comments, in the same order.
    context_ids: Sequence[int] = ()


@dataclass(frozen=True)
class Assessment:
    """What the screen decided, and the scores and model version it decided from.

    ``highlights`` are spans with ``start``, ``end``, ``text`` and ``weight``, strongest first;
    ``rule`` says in words which rule held or rejected the comment, when one did.
    """

    status: CommentStatus
    hold_reason: HoldReason | None = None
    abuse: float | None = None
    off_topic: float | None = None
    model_version: str | None = None
    highlights: tuple = field(default_factory=tuple)
    rule: str | None = None


#: What a comment gets when nothing could screen it.
UNSCREENED = Assessment(CommentStatus.PENDING, HoldReason.MODEL_UNAVAILABLE)


class Screen(Protocol):
    """What the forum needs from whoever screens comments."""

    #: How many of the thread's latest published comments ``assess`` wants as ``context``.
    context_size: int

    def assess(self, submission: Submission) -> Assessment:
        """Assess one submission; may raise (the forum then holds the comment)."""

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Return whether screening works, and the parts ``/healthz`` shows (``model``, ...).

        A part whose value starts with ``degraded`` says that comments are screened, with less
        (``/healthz`` then answers 200 with ``"status": "degraded"``).
        """


def register_screen(app: Flask, screen: Screen) -> None:
    """Make ``screen`` the one that screens ``app``'s comments (a later call replaces it)."""
    app.extensions[_KEY] = screen


def current_screen() -> Screen | None:
    """Return the current app's screen, or None when nothing registered one."""
    return current_app.extensions.get(_KEY)


def context_size() -> int:
    """Return how many recent comments of a thread the screen wants to see (0 without a screen)."""
    screen = current_screen()
    return screen.context_size if screen is not None else 0


def assess(submission: Submission) -> Assessment:
    """Screen ``submission``; hold it for review when there is no screen or the screen fails."""
    screen = current_screen()
    if screen is None:
        log.error("No screen is registered; holding the comment for review")
        return UNSCREENED
    try:
        return screen.assess(submission)
    except Exception:  # a broken screen must hold the comment, never lose it
        log.exception("Screening failed; holding the comment for review")
        return UNSCREENED


def is_degraded(parts: dict[str, Any]) -> bool:
    """Return whether a screen's health ``parts`` say that it works with less."""
    return any(isinstance(value, str) and value.startswith(DEGRADED) for value in parts.values())


def health() -> tuple[bool, dict[str, Any]]:
    """Return whether comments are screened, and the parts ``/healthz`` reports about it."""
    screen = current_screen()
    if screen is None:
        return False, {"model": "error: no screen is registered, every comment is held", "model_version": None}
    try:
        return screen.health()
    except Exception as exc:  # a health probe must answer, whatever broke
        log.exception("The screen's health check failed")
        return False, {"model": f"error: {type(exc).__name__}: {exc}", "model_version": None}
