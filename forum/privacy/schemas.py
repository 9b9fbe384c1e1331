"""What the export and deletion endpoints and the /settings/data forms accept and answer."""
from typing import Any, Literal

from forum.privacy.deletion import CONFIRMATION
from forum.schemas import Answer
from forum.validation import OptionalText, Schema, TypedPassword


class DeleteAccountBody(Schema):
    """The password, or for an account that signs in through the newsroom, ``confirm: "DELETE"``."""

    password: TypedPassword | None = None
    confirm: Literal["DELETE"] | None = None
    error_codes = {"password": "invalid_password", "confirm": "invalid_confirm"}
    error_messages = {"confirm": f'confirm must be "{CONFIRMATION}".'}


class DeleteAccountFields(Schema):
    """The delete form: a blank field is an absent one."""

    #: Only an empty field is left out (``parse_form``): a password of spaces is a password, checked as typed.
    password: TypedPassword | None = None
    confirm: OptionalText(Literal["DELETE"]) = None
    error_codes = DeleteAccountBody.error_codes
    error_messages = {"confirm": f"Type {CONFIRMATION} in capitals to confirm."}


class ExportAccount(Answer):
    username: str
    display_name: str
    email: str | None
    role: str
    status: str
    created_at: str
    email_verified_at: str | None
    email_notifications: dict[str, bool]
    signs_in_with_newsroom: bool
    has_password: bool
    two_factor: bool


class AccountExport(Answer):
    """Everything Parley holds about the caller; moderation adds ``reports``, ``sanctions`` and ``decisions``."""

    format: str
    exported_at: str
    about: str
    account: ExportAccount
    comments: list[dict[str, Any]]
    reactions: list[dict[str, Any]]
    follows: dict[str, list[dict[str, Any]]]
    mutes: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
