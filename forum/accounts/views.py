"""Pages: register, log in, log out."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forum.accounts.forms import LoginForm, RegisterForm
from forum.accounts.limits import login_limited, register_limited
from forum.accounts.service import AccountExists, authenticate, register_user
from forum.errors import ApiError
from forum.extensions import db
from forum.schemas import LoginFields, RegisterBody
from forum.security import sign_in, sign_out
from forum.validation import parse_form
from forum.views import add_field_error, next_url

bp = Blueprint("accounts", __name__)


@bp.route("/register", methods=["GET", "POST"])
@register_limited
def register():
    form = RegisterForm()
    status, form_error = 200, None
    if request.method == "POST":
        try:
            fields = parse_form(RegisterBody)
            user = register_user(fields.username, fields.email, fields.password, display_name=fields.display_name)
        except AccountExists as error:
            # Said above the form, not on a field: which of the two is taken stays unsaid.
            db.session.rollback()
            status, form_error = error.status, error.message
        except ApiError as error:
            db.session.rollback()
            add_field_error(form, error.payload.get("field"), error.message)
        else:
            sign_in(user, remember=False)
            db.session.commit()
            flash(f"Welcome to the conversation, {user.display_name}.", "success")
            return redirect(next_url(url_for("articles.index")))
    if form.errors:
        status = 422
    return render_template("accounts/register.html", form=form, form_error=form_error), status


@bp.route("/login", methods=["GET", "POST"])
@login_limited
def login():
    form = LoginForm()
    status = 200
    if request.method == "POST":
        try:
            fields = parse_form(LoginFields)
        except ApiError as error:
            add_field_error(form, error.payload.get("field"), error.message)
            return render_template("accounts/login.html", form=form), error.status
        user = authenticate(fields.username, fields.password)
        if user is not None:
            sign_in(user, remember=True)
            db.session.commit()
            return redirect(next_url(url_for("articles.index")))
        add_field_error(form, "password", "Wrong username or password.")
        status = 401
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Log out; a GET shows a confirmation form, so a link elsewhere cannot log a reader out."""
    if request.method == "POST":  # CSRFProtect has checked the form's token
        sign_out()
        db.session.commit()
        flash("You are logged out.", "info")
        return redirect(url_for("articles.index"))
    if not current_user.is_authenticated:
        return redirect(url_for("articles.index"))
    return render_template("accounts/logout.html")
