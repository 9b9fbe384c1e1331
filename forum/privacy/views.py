"""Pages: /settings/data, where a reader downloads their data or deletes their account."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.accounts.limits import account_deletion_limited
from forum.errors import ApiError
from forum.extensions import db
from forum.privacy import deletion
from forum.privacy.deletion import CONFIRMATION
from forum.privacy.export import as_download, export_account
from forum.privacy.schemas import DeleteAccountFields
from forum.validation import parse_form

bp = Blueprint("privacy", __name__)


@bp.get("/settings/data")
@login_required
def show():
    """Show what the export holds, its download button, and the form that deletes the account."""
    return _page()


@bp.get("/settings/data/export")
@login_required
def export():
    """Download my data: the same document as ``GET /api/v1/me/export``."""
    user = current_user._get_current_object()
    return as_download(user, export_account(user))


@bp.post("/settings/data/delete")
@login_required
@account_deletion_limited
def delete():
    """Delete my account once the form's password (or, without one, the typed confirmation) is right."""
    user = current_user._get_current_object()
    try:
        fields = parse_form(DeleteAccountFields)
        deletion.confirm_identity(user, fields.password, fields.confirm)
        deletion.delete_account(user)
    except ApiError as error:
        db.session.rollback()
        return _page(error=error.message), error.status
    db.session.commit()
    flash("Your account is deleted. Thank you for taking part in the conversation.", "info")
    return redirect(url_for("articles.index"))


def _page(error: str | None = None) -> str:
    return render_template("privacy/data.html", error=error, confirmation=CONFIRMATION)
