"""Comment forms. The submission key makes a replayed form harmless."""
import secrets

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from forum.accounts.verification import needs_confirmation


class CommentForm(FlaskForm):
    # What it accepts is decided by forum.schemas.CommentFields, the rules the API applies too.
    body = TextAreaField("Your comment")
    parent_id = IntegerField(validators=[Optional()])
    submission_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: Set when the screen warned that this text may break the guidelines (the next send posts it).
        self.nudged = False
        #: The reader must confirm their address first: the page says how instead of showing the form.
        self.must_confirm_email = current_user.is_authenticated and needs_confirmation(current_user)
        # The page adds "-<parent id>" per form; a re-rendered form keeps the key it was sent with.
        self.submission_key.data = (self.submission_key.data or secrets.token_hex(12)).split("-")[0]


class EditForm(FlaskForm):
    body = TextAreaField("Edit your comment")


class ActionForm(FlaskForm):
    """A button that changes something (delete, like): only the CSRF token."""


class ReportForm(FlaskForm):
    reason = SelectField("Reason", choices=[("abusive", "Abusive"), ("off_topic", "Off-topic"),
                                            ("spam", "Spam"), ("other", "Other")])
    note = StringField("Note (optional)")
