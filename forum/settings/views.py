"""Pages: /settings (details, password, mail preferences, two-factor sign-in for staff, a link to my
data) and the email-change link."""
import segno
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from forum.accounts import two_factor
from forum.accounts.forms import TwoFactorCodeForm
from forum.accounts.limits import email_change_limited, password_check_limited, two_factor_code_limited
from forum.errors import ApiError, Invalid
from forum.extensions import db
from forum.schemas import DetailsFields, MailFields, PasswordFields, TwoFactorCodeBody, TwoFactorOffBody
from forum.settings.email_change import confirm_email_change, pending_email, pending_email_for_link
from forum.settings.forms import DetailsForm, MailForm, PasswordForm, TwoFactorOffForm
from forum.settings.service import update_account
from forum.validation import parse_form
from forum.views import add_field_error, add_nav_item

bp = Blueprint("settings", __name__)


@bp.get("/settings")
@login_required
def show():
    """Show my account's settings."""
    return _settings_page()


@bp.post("/settings/details")
@login_required
@email_change_limited
def details():
    """Change my display name, or ask to move to a new address."""
    form = DetailsForm()
    try:
        fields = parse_form(DetailsFields)
        link_sent_to = update_account(current_user, display_name=fields.display_name, email=fields.email)
    except ApiError as error:
        return _refused(error, details=form)
    db.session.commit()
    if link_sent_to:
        flash(f"A confirmation link was sent to {link_sent_to}: your address changes when you open it.", "success")
    else:
        flash("Your details are saved.", "success")
    return redirect(url_for("settings.show"))


@bp.post("/settings/password")
@login_required
@password_check_limited
def password():
    """Change my password; every other device and app signed in as me is signed out."""
    form = PasswordForm()
    try:
        fields = parse_form(PasswordFields)
        if fields.confirm_password != fields.password:
            raise Invalid("The two new passwords differ: type the same one twice.", code="passwords_differ",
                          payload={"field": "confirm_password"})
        update_account(current_user, password=fields.password, current_password=fields.current_password)
    except ApiError as error:
        return _refused(error, password=form)
    db.session.commit()
    flash("Your password is changed, and every other device signed in as you is signed out.", "success")
    return redirect(url_for("settings.show"))


@bp.post("/settings/mail")
@login_required
def mail():
    """Choose which mail I get."""
    form = MailForm()
    try:
        update_account(current_user, notifications=parse_form(MailFields).model_dump())
    except ApiError as error:
        return _refused(error, mail=form)
    db.session.commit()
    flash("Your mail preferences are saved.", "success")
    return redirect(url_for("settings.show"))


@bp.post("/settings/two-factor")
@login_required
def start_two_factor():
    """Start turning two-factor sign-in on: a new secret to add to an authenticator app."""
    try:
        two_factor.start_enrolment(current_user)
    except ApiError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("settings.show", _anchor="two-factor"))
    db.session.commit()
    return redirect(url_for("settings.show", _anchor="two-factor"))


@bp.post("/settings/two-factor/confirm")
@login_required
@two_factor_code_limited
def confirm_two_factor():
    """Turn two-factor sign-in on with the app's first code; the recovery codes are shown on this page only."""
    form = TwoFactorCodeForm()
    try:
        codes = two_factor.confirm_enrolment(current_user, parse_form(TwoFactorCodeBody).code)
    except ApiError as error:
        return _refused(error, two_factor_code=form)
    db.session.commit()
    return _settings_page(recovery_codes=codes)


@bp.post("/settings/two-factor/off")
@login_required
@two_factor_code_limited
def turn_off_two_factor():
    """Turn two-factor sign-in off, with the password and a code."""
    form = TwoFactorOffForm()
    try:
        fields = parse_form(TwoFactorOffBody)
        two_factor.turn_off(current_user, fields.password, fields.code)
    except ApiError as error:
        return _refused(error, two_factor_off=form)
    db.session.commit()
    flash("Two-factor sign-in is off: logging in takes only your password.", "success")
    return redirect(url_for("settings.show", _anchor="two-factor"))


@bp.get("/confirm-email-change/<token>")
def confirm_email(token):
    """Show the button that confirms a new address; mail scanners fetch links, so a GET changes nothing."""
    email = pending_email_for_link(token)
    return render_template("settings/confirm_email.html", token=token, email=email), 200 if email else 400


@bp.post("/confirm-email-change/<token>")
def confirm_email_post(token):
    """Confirm the new address of the link."""
    try:
        user = confirm_email_change(token)
    except ApiError as error:
        db.session.rollback()
        return render_template("settings/confirm_email.html", token=token, email=None,
                               error=error.message), error.status
    db.session.commit()
    flash(f"Your email address is now {user.email}.", "success")
    return redirect(url_for("settings.show" if current_user.is_authenticated else "articles.index"))


def _refused(error: ApiError, **posted):
    """Show the settings again with ``error`` under its field of the form that was ``posted``; nothing is kept."""
    db.session.rollback()
    (form,) = posted.values()
    add_field_error(form, error.payload.get("field"), error.message)
    return _settings_page(status=error.status, **posted)


def _settings_page(*, status=200, details=None, password=None, mail=None, two_factor_code=None,
                   two_factor_off=None, recovery_codes=None):
    user = current_user
    # The forms not posted show the account as it is, never what another form sent.
    details = details or DetailsForm(formdata=None, data={"display_name": user.display_name, "email": user.email})
    mail = mail or MailForm(formdata=None, data=user.mail_preferences)
    return render_template("settings/show.html", details=details, password=password or PasswordForm(formdata=None),
                           mail=mail, pending_email=pending_email(user),
                           managed_by_newsroom=user.sso_id is not None,
                           two_factor=_two_factor_section(user, two_factor_code, two_factor_off, recovery_codes)
                           ), status, {"Cache-Control": "no-store"}  # it can show a secret or recovery codes


def _two_factor_section(user, code_form, off_form, recovery_codes) -> dict | None:
    """Return what the two-factor section shows, or None for an account it is not offered to."""
    if not two_factor.is_offered(user):
        return None
    section = {"enabled": user.two_factor_enabled, "recovery_codes": recovery_codes,
               "code_form": code_form or TwoFactorCodeForm(formdata=None),
               "off_form": off_form or TwoFactorOffForm(formdata=None)}
    if user.two_factor_enabled:
        section["recovery_codes_left"] = two_factor.recovery_codes_left(user)
    elif two_factor.is_pending(user):
        uri = two_factor.otpauth_uri(user)
        # Safe to inline: segno draws it from the URI alone (base32, a name of letters, digits and '_').
        qr_svg = Markup(segno.make_qr(uri, error="m").svg_inline(omitsize=True, title="QR code of the secret"))
        section.update(secret=user.totp_secret, otpauth_uri=uri, qr_svg=qr_svg)
    return section


def _settings_link(user) -> dict:
    return {"url": url_for("settings.show"), "label": "Settings"}


def init_app(app) -> None:
    """Register the pages and the header's Settings link."""
    app.register_blueprint(bp)
    add_nav_item(app, _settings_link)
