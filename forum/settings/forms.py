"""The /settings forms (CSRF-protected by Flask-WTF), for rendering.

What they accept is decided by the schemas in forum.schemas (DetailsFields, PasswordFields,
MailFields) and by the service, the same rules as ``PATCH /api/v1/me``; the attributes here only
help the browser say so before a round trip.
"""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField

from forum.validation import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH


class DetailsForm(FlaskForm):
    display_name = StringField("Display name", render_kw={"required": True, "maxlength": 60})
    email = EmailField("Email", render_kw={"required": True, "maxlength": 254})


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", render_kw={"required": True})
    password = PasswordField("New password", render_kw={"required": True, "minlength": PASSWORD_MIN_LENGTH,
                                                        "maxlength": PASSWORD_MAX_LENGTH})
    confirm_password = PasswordField("New password again", render_kw={"required": True})


class MailForm(FlaskForm):
    reply = BooleanField("Replies to my comments")
    decision = BooleanField("Moderators' decisions on my comments")
    followed = BooleanField("A daily digest of the readers I follow")


class TwoFactorOffForm(FlaskForm):
    password = PasswordField("Password", render_kw={"required": True})
    code = StringField("Code from your app, or a recovery code",
                       render_kw={"required": True, "maxlength": 100, "autocomplete": "one-time-code"})
