"""Notes and a reader's pre-moderation as JSON-able dicts."""
from forum.api.serializers import iso
from forum.models import User
from moderation.readers.models import ReaderAudit, ReaderNote


def note_dict(note: ReaderNote, author: User | None = None) -> dict:
    """Return a note as the API shows it (``author``: its writer, when the note's own is not loaded)."""
    author = author if author is not None else note.author
    return {"id": note.id, "author": author.username if author is not None else None,
            "text": note.text, "created_at": iso(note.created_at)}


def audit_dict(entry: ReaderAudit) -> dict:
    """Return an audit entry: what was done, by whom (None for the desk's rule), and why."""
    return {"action": entry.action, "moderator": entry.moderator.username if entry.moderator is not None else None,
            "automatic": entry.automatic, "detail": entry.detail, "created_at": iso(entry.created_at)}


def standing_dict(standing: dict) -> dict:
    """Return a reader's pre-moderation and its audit trail."""
    return {"premoderated": standing["premoderated"], "automatic": standing["automatic"],
            "since": iso(standing["since"]) if standing["since"] else None,
            "audit": [audit_dict(entry) for entry in standing["audit"]]}


def deletion_dict(entry: ReaderAudit) -> dict:
    """Return a moderator's deletion of an account: the account as it is now, its former name, who, when."""
    return {"account": entry.user.username, "former_username": entry.detail,
            "moderator": entry.moderator.username if entry.moderator is not None else None,
            "created_at": iso(entry.created_at)}
