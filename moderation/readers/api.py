"""Readers on the desk over JSON: pre-moderation, moderators' notes, and the desk's settings (API.md, Moderation)."""
from flask_login import current_user

from forum.accounts.service import get_user
from forum.api.base import api_blueprint
from forum.extensions import db
from forum.openapi import operation
from forum.pagination import PageQuery
from forum.security import admin_required, moderator_required
from moderation import access, settings
from moderation.readers import service
from moderation.readers.schemas import (
    DeletionList,
    NoteBody,
    NoteEnvelope,
    NoteList,
    PremoderationOut,
    SettingsBody,
    SettingsEnvelope,
)
from moderation.readers.serializers import deletion_dict, note_dict, standing_dict

bp = api_blueprint("readers_api", __name__)


@bp.put("/moderation/users/<username:username>/premoderation")
@moderator_required
@operation(auth="moderator", responses={204: None})
def premoderate(username):
    """Put a reader on pre-moderation: every new comment of theirs waits for a moderator."""
    service.premoderate(get_user(username), current_user)
    db.session.commit()
    return "", 204


@bp.delete("/moderation/users/<username:username>/premoderation")
@moderator_required
@operation(auth="moderator", responses={204: None})
def release(username):
    """Take a reader off pre-moderation."""
    service.release(get_user(username), current_user)
    db.session.commit()
    return "", 204


@bp.get("/moderation/users/<username:username>/premoderation")
@moderator_required
@operation(auth="moderator", responses={200: PremoderationOut})
def premoderation(username):
    """Say whether a reader is on pre-moderation, since when, and who put them on and off it."""
    return standing_dict(service.standing(get_user(username)))


@bp.post("/moderation/users/<username:username>/notes")
@moderator_required
@operation(auth="moderator", body=NoteBody, responses={201: NoteEnvelope})
def add_note(username, body: NoteBody):
    """Write a note on a reader, shown beside their queue items and on their history."""
    note = service.add_note(get_user(username), current_user, body.text)
    answer = note_dict(note, author=current_user)
    db.session.commit()
    return {"note": answer}, 201


@bp.get("/moderation/users/<username:username>/notes")
@moderator_required
@operation(auth="moderator", responses={200: NoteList})
def notes(username):
    """List the moderators' notes on a reader, newest first."""
    return {"notes": [note_dict(note) for note in service.notes_of(get_user(username))]}


@bp.delete("/moderation/users/<username:username>")
@moderator_required
@operation(auth="moderator", responses={204: None})
def delete_account(username):
    """Delete a reader's account as their own deletion does (admins only for staff), with an audit entry."""
    service.delete_account(get_user(username), current_user)
    db.session.commit()
    return "", 204


@bp.get("/moderation/deletions")
@moderator_required
@operation(auth="moderator", query=PageQuery, responses={200: DeletionList})
def deletions(query: PageQuery):
    """List the accounts moderators deleted, newest first: the former username, who, when."""
    page = service.deletions(**query.page())
    return {"deletions": [deletion_dict(entry) for entry in page.items], "next_cursor": page.next_cursor}


@bp.get("/admin/settings")
@admin_required
@operation(auth="admin", responses={200: SettingsEnvelope})
def get_settings():
    """Return the desk's settings."""
    return {"settings": settings.current()}


@bp.patch("/admin/settings")
@admin_required
@operation(auth="admin", body=SettingsBody, responses={200: SettingsEnvelope})
def patch_settings(body: SettingsBody):
    """Change any of the desk's settings; every worker uses the new values from the next request."""
    changes = body.changes()
    access.check_settings_change(current_user, changes)
    values = settings.update(changes)
    db.session.commit()
    return {"settings": values}

