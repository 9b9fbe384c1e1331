"""Pages: register, log in, log out."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forum.accounts.forms import LoginForm, RegisterForm
from forum.accounts.limits import login_limited, register_limited
from forum.accounts.service import AccountExists, authenticate, register_user
from forum.errors import ApiError
from forum.extensions import db
from forum.security import safe_next, sign_in, sign_out

bp = Blueprint("accounts", __name__)


@bp.route("/register", methods=["GET", "POST"])
@register_limited
def register():
    form = RegisterForm()
    status, form_error = 200, None
    if form.validate_on_submit():
        try:
            user = register_user(form.username.data, form.email.data, form.password.data,
                                 display_name=form.display_name.data or None)
        except AccountExists as error:
            # Said above the form, not on a field: which of the two is taken stays unsaid.
            db.session.rollback()
            status, form_error = error.status, error.message
        except ApiError as error:
            db.session.rollback()
            getattr(form, error.payload.get("field", "username")).errors.append(error.message)
        else:
            sign_in(user, remember=False)
            db.session.commit()
            flash(f"Welcome to the conversation, {user.display_name}.", "success")
            return redirect(safe_next(request.args.get("next"), url_for("articles.index")))
    if form.errors:
        status = 422
    return render_template("accounts/register.html", form=form, form_error=form_error), status


@bp.route("/login", methods=["GET", "POST"])
@login_limited
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            sign_in(user, remember=True)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), url_for("articles.index")))
        form.password.errors.append("Wrong username or password.")
    return render_template("accounts/login.html", form=form), 401 if form.errors else 200


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
