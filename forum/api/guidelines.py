"""The guidelines over JSON: anyone reads them, admins replace them."""
from flask_login import current_user

from forum.api.base import bp
from forum.api.serializers import iso
from forum.extensions import db
from forum.guidelines import service
from forum.guidelines.schemas import GuidelinesBody, GuidelinesOut
from forum.openapi import operation
from forum.security import admin_required


def guidelines_dict(text, updated_at) -> dict:
    return {"text": text, "updated_at": iso(updated_at)}


@bp.get("/guidelines")
@operation(responses={200: GuidelinesOut})
def show_guidelines():
    """Answer the newsroom's community guidelines."""
    return guidelines_dict(*service.current())


@bp.put("/admin/guidelines")
@admin_required
@operation(auth="admin", body=GuidelinesBody, responses={200: GuidelinesOut}, body_characters=service.MAX_LENGTH)
def replace_guidelines(body: GuidelinesBody):
    """Replace the community guidelines (plain text, paragraphs apart by a blank line)."""
    answer = guidelines_dict(*service.replace_text(body.text, current_user))
    db.session.commit()
    return answer
