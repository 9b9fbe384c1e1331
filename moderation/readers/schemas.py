"""What the readers' endpoints and the settings endpoint accept and answer."""
from typing import Annotated

from pydantic import ConfigDict, Field

from forum.schemas import Answer
from forum.validation import Integer, Schema, Text
from moderation import settings
from moderation.readers.models import NOTE_MAX_LENGTH

MAX_THRESHOLD = 1000
MAX_DAYS = 3650
MAX_ALERT_QUEUE_SIZE = 100_000
MAX_ALERT_WAIT_MINUTES = 30 * 24 * 60
#: Auto-approval is for what the model finds clean: above 0.5 it finds a comment more likely bad than not.
MAX_AUTO_APPROVE = 0.5


class NoteBody(Schema):
    text: Text(NOTE_MAX_LENGTH, multiline=True)


class SettingsBody(Schema):
    """Any of the desk's settings; a name that is not one of them is an error, not ignored."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    report_hide_threshold: Integer(1, MAX_THRESHOLD) | None = None
    new_user_premoderation_count: Integer(0, MAX_THRESHOLD) | None = None
    new_user_link_hold: bool | None = None
    repeat_post_hold: bool | None = None
    auto_premoderation_rejections: Integer(0, MAX_THRESHOLD) | None = None
    auto_premoderation_days: Integer(1, MAX_DAYS) | None = None
    alert_queue_size: Integer(0, MAX_ALERT_QUEUE_SIZE) | None = None
    alert_wait_minutes: Integer(0, MAX_ALERT_WAIT_MINUTES) | None = None
    auto_approve_below: Annotated[float, Field(ge=0.0, le=MAX_AUTO_APPROVE, allow_inf_nan=False)] | None = None
    require_staff_two_factor: bool | None = None
    require_verified_email: bool | None = None
    error_codes = dict.fromkeys(settings.DEFAULTS, "invalid_setting")

    def changes(self) -> dict:
        """Return the settings the request names (null is not a value: it is the same as leaving one out)."""
        return {name: value for name, value in self.model_dump().items() if value is not None}


class Settings(Answer):
    report_hide_threshold: int
    new_user_premoderation_count: int
    new_user_link_hold: bool
    repeat_post_hold: bool
    auto_premoderation_rejections: int
    auto_premoderation_days: int
    alert_queue_size: int
    alert_wait_minutes: int
    #: 0 is off; else a comment its story would hold is published when both scores are below it.
    auto_approve_below: float
    #: Moderators and admins without two-factor sign-in get 403 ``two_factor_required`` from the desk.
    require_staff_two_factor: bool
    #: Local accounts with an unconfirmed address get 403 ``email_unverified`` when they comment.
    require_verified_email: bool


class SettingsEnvelope(Answer):
    settings: Settings


class NoteOut(Answer):
    id: int
    author: str | None
    text: str
    created_at: str


class NoteEnvelope(Answer):
    note: NoteOut


class NoteList(Answer):
    notes: list[NoteOut]


class AuditOut(Answer):
    action: str
    moderator: str | None
    automatic: bool
    detail: str | None
    created_at: str


class PremoderationOut(Answer):
    premoderated: bool
    automatic: bool
    since: str | None
    audit: list[AuditOut]


class DeletionOut(Answer):
    #: What the account is called now (``deleted-<id>``), and what it was called.
    account: str
    former_username: str | None
    moderator: str | None
    created_at: str


class DeletionList(Answer):
    deletions: list[DeletionOut]
    next_cursor: str | None
