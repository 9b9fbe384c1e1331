"""``/guidelines``: the rules every hold and rejection notice links to, and the admins' editor."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.errors import ApiError
from forum.extensions import csrf, db
from forum.guidelines import service
from forum.guidelines.schemas import GuidelinesBody
from forum.security import admin_required
from forum.validation import allow_body, parse_form

bp = Blueprint("guidelines", __name__)


@bp.get("/guidelines")
def show():
    """Show the newsroom's community guidelines."""
    text, updated_at = service.current()
    return render_template("guidelines/show.html", text=text, updated_at=updated_at,
                           can_edit=current_user.is_authenticated and current_user.is_admin)


@bp.get("/guidelines/edit")
@login_required
@admin_required
def edit():
    """Show the admins' editor with the guidelines in force."""
    text, _ = service.current()
    return render_template("guidelines/edit.html", text=text)


@bp.post("/guidelines/edit")
@csrf.exempt  # from the check before every view, which would read the body under the usual limit: see below
@login_required
@admin_required
def save():
    """Save an admin's new guidelines, or show the editor again with what was wrong."""
    # The guidelines in another alphabet are larger than MAX_CONTENT_LENGTH as a form sends them:
    # raise the limit for this request, then check the CSRF token as every other form does.
    allow_body(service.MAX_LENGTH)
    csrf.protect()
    try:
        body = parse_form(GuidelinesBody)
    except ApiError as error:
        flash(error.message, "error")
        return render_template("guidelines/edit.html", text=request.form.get("text", "")), error.status
    service.replace_text(body.text, current_user)
    db.session.commit()
    flash("The guidelines are updated.", "success")
    return redirect(url_for("guidelines.show"))
