"""Pages: register, log in, log out, and a forgotten password."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forum.accounts import recovery, two_factor, verification
from forum.accounts.forms import LoginForm, NewPasswordForm, PasswordResetForm, RegisterForm, TwoFactorCodeForm
from forum.accounts.limits import (
    account_mail_limited,
    login_limited,
    password_reset_limited,
    register_limited,
    two_factor_code_limited,
)
from forum.accounts.pending import drop_sign_in, held_user, hold_sign_in
from forum.accounts.service import AccountExists, authenticate, register_user
from forum.accounts.tokens import TOKEN_MAX_LENGTH
from forum.errors import ApiError, Invalid
from forum.extensions import db
from forum.schemas import LoginFields, NewPasswordFields, PasswordResetBody, RegisterBody, TwoFactorCodeBody
from forum.security import authenticated_user, sign_in, sign_out
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
            verification.send_confirmation(user)
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
            flash(f"Welcome to the conversation, {user.display_name}. We mailed you a link to confirm your address.",
                  "success")
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
        if user is not None and user.two_factor_enabled:
            hold_sign_in(user)
            return redirect(url_for("accounts.login_code", next=request.args.get("next")))
        if user is not None:
            sign_in(user, remember=True)
            db.session.commit()
            return redirect(next_url(url_for("articles.index")))
        add_field_error(form, "password", "Wrong username or password.")
        status = 401
    return render_template("accounts/login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
@two_factor_code_limited
def login_code():
    """Finish logging in with a two-factor code, after the right password (within five minutes of it)."""
    user = held_user()
    if user is None:
        flash("Log in with your password first: after it, the code is asked for within five minutes.", "info")
        return redirect(url_for("accounts.login", next=request.args.get("next")))
    form = TwoFactorCodeForm()
    if request.method == "POST":
        try:
            fields = parse_form(TwoFactorCodeBody)
            if not two_factor.use_code(user, fields.code):
                raise two_factor.InvalidCode(status=401)
        except ApiError as error:
            db.session.rollback()
            add_field_error(form, "code", error.message)
            return render_template("accounts/login_code.html", form=form), error.status
        drop_sign_in()
        sign_in(user, remember=True)
        db.session.commit()
        return redirect(next_url(url_for("articles.index")))
    return render_template("accounts/login_code.html", form=form)


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


@bp.route("/password-reset", methods=["GET", "POST"])
@password_reset_limited
def password_reset():
    """Ask for a reset link; the page says the same whether or not the address has an account."""
    form = PasswordResetForm()
    if request.method == "POST":
        try:
            fields = parse_form(PasswordResetBody)
        except ApiError as error:
            add_field_error(form, error.payload.get("field"), error.message)
            return render_template("accounts/password_reset.html", form=form), error.status
        recovery.request_password_reset(fields.email)
        db.session.commit()
        return render_template("accounts/password_reset.html", form=None, sent=recovery.RESET_REQUESTED)
    return render_template("accounts/password_reset.html", form=form)


@bp.route(f"/password-reset/<string(maxlength={TOKEN_MAX_LENGTH}):token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password with a mailed link; then every sign-in of the account has ended."""
    recovery.reset_account(token)  # a dead link shows the error page at once, not after typing
    form = NewPasswordForm()
    if request.method == "POST":
        try:
            fields = parse_form(NewPasswordFields)
            if fields.password != fields.password_again:
                raise Invalid("The two passwords differ: type the same one twice.",
                              payload={"field": "password_again"})
            recovery.reset_password(token, fields.password)
        except recovery.InvalidResetToken:
            raise  # the link died meanwhile: the error page, not a message under a field
        except ApiError as error:
            db.session.rollback()
            add_field_error(form, error.payload.get("field"), error.message)
            return render_template("accounts/new_password.html", form=form), error.status
        db.session.commit()
        flash("Your new password is set, and every device that was signed in is signed out. Log in with it.",
              "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/new_password.html", form=form)


@bp.route(f"/confirm-email/<string(maxlength={TOKEN_MAX_LENGTH}):token>", methods=["GET", "POST"])
def confirm_email(token):
    """Confirm an address from its mailed link: a button first, so a mail scanner's visit confirms nothing."""
    if request.method == "POST":  # CSRFProtect has checked the form's token
        user = verification.confirm_email(token)
        db.session.commit()
        return render_template("accounts/confirm_email.html", confirmed=user.email)
    return render_template("accounts/confirm_email.html", pending=verification.account_to_confirm(token).email)


@bp.route("/confirm-email", methods=["GET", "POST"])
@account_mail_limited
def new_confirmation():
    """Let a signed-in reader whose address is not confirmed ask for a new link."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    user = authenticated_user()
    if request.method == "POST":
        verification.send_new_confirmation(user)
        db.session.commit()
        return render_template("accounts/new_confirmation.html", sent=user.email)
    return render_template("accounts/new_confirmation.html")
