"""The sign-up and sign-in forms (CSRF-protected by Flask-WTF), for rendering.

What they accept is decided by the schemas in forum.schemas (RegisterBody, LoginFields), the same
as the API's; the attributes here only help the browser say so before a round trip.
"""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField

from forum.validation import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH


class RegisterForm(FlaskForm):
    username = StringField("Username", render_kw={"required": True, "maxlength": 30,
                                                  "pattern": "[A-Za-z0-9_]{3,30}"})
    display_name = StringField("Display name (optional)", render_kw={"maxlength": 60})
    email = EmailField("Email", render_kw={"required": True, "maxlength": 254})
    password = PasswordField("Password", render_kw={"required": True, "minlength": PASSWORD_MIN_LENGTH,
                                                    "maxlength": PASSWORD_MAX_LENGTH})


class LoginForm(FlaskForm):
    username = StringField("Username", render_kw={"required": True})
    password = PasswordField("Password", render_kw={"required": True})


class PasswordResetForm(FlaskForm):
    email = EmailField("Email", render_kw={"required": True, "maxlength": 254})


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", render_kw={"required": True, "minlength": PASSWORD_MIN_LENGTH,
                                                        "maxlength": PASSWORD_MAX_LENGTH})
    password_again = PasswordField("The same password again", render_kw={"required": True})


class TwoFactorCodeForm(FlaskForm):
    """The second step of logging in, and the first code of a new secret on /settings."""

    code = StringField("Code", render_kw={"required": True, "maxlength": 100, "autocomplete": "one-time-code",
                                          "autocapitalize": "off", "spellcheck": "false"})
