"""What staff see under each comment of a thread page, and the seam that fills it.

The forum lists a thread's comments and knows who may moderate (``forum.security.can_moderate``);
what a moderator needs beside each comment (its status and scores, the decisions they can take
in place) belongs to whoever plugged in a provider with ``register_staff_view``, from its
``init_app``. Readers get nothing from here: their pages stay as they are.
"""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app

from forum.models import Comment, CommentStatus, User
from forum.threads.queries import sees_every_status

_KEY = "parley.staff_view"


class StaffViewProvider(Protocol):
    """Annotates the comments of a thread page for a viewer who can moderate."""

    #: The Jinja partial shown under each annotated comment; it gets ``comment`` and ``annotation``.
    template: str

    def annotate(self, comments: Sequence[Comment], viewer: User) -> Mapping[int, Any]:
        """Return {comment id: what the partial shows for it}; a comment left out gets nothing."""

    def history_url(self, author: User) -> str:
        """Return the page of ``author``'s history, where their name leads staff."""


@dataclass(frozen=True)
class StaffView:
    """The annotations of a page's comments, and the provider whose partial shows each."""

    provider: StaffViewProvider
    annotations: Mapping[int, Any]

    @property
    def template(self) -> str:
        return self.provider.template

    def author_url(self, comment: Comment) -> str:
        return self.provider.history_url(comment.author)


def register_staff_view(app: Flask, provider: StaffViewProvider) -> None:
    """Make ``provider`` annotate ``app``'s thread pages for staff (a later call replaces it)."""
    app.extensions[_KEY] = provider


def staff_view(comments: Sequence[Comment], viewer: User | None) -> StaffView | None:
    """Return the staff's view of ``comments`` (deleted ones left out), or None for readers or without a provider."""
    provider = current_app.extensions.get(_KEY)
    if provider is None or not sees_every_status(viewer):
        return None
    shown = [c for c in comments if c.status != CommentStatus.DELETED]
    return StaffView(provider, provider.annotate(shown, viewer) if shown else {})
