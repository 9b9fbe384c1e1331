"""The sign-up and sign-in forms (CSRF-protected by Flask-WTF)."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from forum.validation import EMAIL_RE, PASSWORD_MIN_LENGTH, USERNAME_RE


class RegisterForm(FlaskForm):
    username = StringField("Username", validators=[
        DataRequired(), Regexp(USERNAME_RE, message="3 to 30 letters, digits or underscores.")])
    display_name = StringField("Display name (optional)", validators=[Length(max=60)])
    email = EmailField("Email", validators=[
        DataRequired(), Regexp(EMAIL_RE, message="Enter a valid email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=PASSWORD_MIN_LENGTH, max=200)])


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
