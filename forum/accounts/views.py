"""Pages: register, log in, log out."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from forum.accounts.forms import LoginForm, RegisterForm
from forum.accounts.service import authenticate, register_user
from forum.errors import ApiError
from forum.extensions import db, limiter
from forum.ratelimits import limit
from forum.security import safe_next

bp = Blueprint("accounts", __name__)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(limit("RATELIMIT_REGISTER"), methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = register_user(form.username.data, form.email.data, form.password.data,
                                 display_name=form.display_name.data or None)
        except ApiError as error:
            db.session.rollback()
            getattr(form, error.payload.get("field", "username")).errors.append(error.message)
        else:
            db.session.commit()
            login_user(user)
            flash(f"Welcome to the conversation, {user.display_name}.", "success")
            return redirect(safe_next(request.args.get("next"), url_for("articles.index")))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(limit("RATELIMIT_LOGIN"), methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user, remember=True)
            return redirect(safe_next(request.args.get("next"), url_for("articles.index")))
        form.password.errors.append("Wrong username or password.")
    return render_template("accounts/login.html", form=form), 401 if form.errors else 200


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Log out; a GET shows a confirmation form, so a link elsewhere cannot log a reader out."""
    if request.method == "POST":  # CSRFProtect has checked the form's token
        logout_user()
        flash("You are logged out.", "info")
        return redirect(url_for("articles.index"))
    if not current_user.is_authenticated:
        return redirect(url_for("articles.index"))
    return render_template("accounts/logout.html")
