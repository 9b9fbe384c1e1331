"""The seam through which export and deletion reach what plugins keep about a reader.

The forum cannot import moderation, yet a reader's export must hold the reports they filed and the
sanctions on them, and deleting the account must remove them. So a plugin registers a
``DataHolder`` at start-up (``register_holder``, from its ``init_app``), as it registers its screen
(forum/screening.py): export asks every holder for its sections, deletion asks every holder to
erase, in the deletion's own transaction.
"""
from typing import Any, Protocol

from flask import Flask, current_app

from forum.models import User

_KEY = "parley.data_holders"


class DataHolder(Protocol):
    """What the forum needs from whoever keeps data about readers outside the forum's tables."""

    def export(self, user: User) -> dict[str, Any]:
        """Return the sections of ``user``'s export this holder keeps (JSON-able), by name."""

    def erase(self, user: User) -> None:
        """Delete or empty what this holder keeps about ``user``; add and flush, never commit.

        Called before the forum erases the account's comments and empties its row, so ``user``
        still has its username and its comments still have their text.
        """


def register_holder(app: Flask, holder: DataHolder) -> None:
    """Make ``holder`` one of those that ``app``'s export and deletion ask."""
    app.extensions.setdefault(_KEY, []).append(holder)


def holders() -> list[DataHolder]:
    """Return the current app's holders, in the order they were registered."""
    return current_app.extensions.get(_KEY, [])
