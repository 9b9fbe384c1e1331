"""The forum's declared schemas: what each endpoint, page and form accepts, and what the API answers.

Request schemas validate (strict types, the text rules of ``forum.validation``); answer schemas
only document, for the OpenAPI document, what the serializers produce.
"""
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from forum.models import CommentStatus, ModerationMode, Role
from forum.pagination import PageQuery
from forum.validation import (
    CommentBody,
    DisplayName,
    Email,
    Flag,
    Id,
    OptionalText,
    Password,
    Schema,
    Text,
    TypedPassword,
    Username,
    normalise_url,
)

#: An http(s) address; the scheme in any case (RFC 3986: ``HTTPS://`` is ``https://``). The host's
#: first character, then any: ``[^\s/]+\S*`` says the same but backtracks over a long URL with a space.
URL_RE = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/]\S*\Z")
MARK_READ_MAX = 100
COUNTS_MAX_IDS = 100
#: ``a,b,c``: one to COUNTS_MAX_IDS article ids, each by the article-id rule.
ARTICLE_IDS_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}(,[A-Za-z0-9_-]{1,100}){0,%d}\Z" % (COUNTS_MAX_IDS - 1))

# Requests -----------------------------------------------------------------------------------------


class RegisterBody(Schema):
    username: Username
    email: Email
    password: Password
    display_name: OptionalText(DisplayName) = None
    error_codes = {"username": "invalid_username", "email": "invalid_email", "password": "invalid_password",
                   "display_name": "invalid_display_name"}


#: What a sign-in form takes: any name (an unknown one is simply wrong), never a control character.
LoginName = Text(254, visible=False)


#: A two-factor code as typed: six digits from the app or a recovery code, checked by the service
#: (a wrong one of any content is its answer, ``invalid_code``); bounded in size here.
TwoFactorCode = Annotated[str, Field(min_length=1, max_length=100)]
TWO_FACTOR_CODE_MESSAGE = "Type the six-digit code from your authenticator app, or one of your recovery codes."


class TokenBody(Schema):
    username: LoginName
    password: TypedPassword
    #: With two-factor sign-in on: the app's current code, or else a recovery code.
    otp: TwoFactorCode | None = None
    recovery_code: TwoFactorCode | None = None
    error_codes = {"otp": "invalid_code", "recovery_code": "invalid_code"}
    error_messages = {"otp": TWO_FACTOR_CODE_MESSAGE, "recovery_code": TWO_FACTOR_CODE_MESSAGE}


#: A mailed link's token as pasted: any string, whose hash is looked up (so a wrong one of any
#: length or content is the endpoint's 400, never stored); MAX_CONTENT_LENGTH bounds it.
LinkToken = Annotated[str, Field(strict=True)]


class PasswordResetBody(Schema):
    email: Email
    error_codes = {"email": "invalid_email"}


class PasswordResetConfirmBody(Schema):
    token: LinkToken
    password: Password
    error_codes = {"token": ("invalid_reset_token", 400), "password": "invalid_password"}


class EmailConfirmBody(Schema):
    token: LinkToken
    error_codes = {"token": ("invalid_email_token", 400)}


#: A JWT of a few claims is well under a kilobyte; this bounds what the decoder is handed.
SSO_TOKEN_MAX_LENGTH = 8000


class SsoBody(Schema):
    token: Text(SSO_TOKEN_MAX_LENGTH, visible=False)
    error_codes = {"token": "invalid_sso_token"}


def _partial_update_schema(schema: dict, _model) -> None:
    schema["minProperties"] = 1
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class PartialUpdate(Schema):
    """A request that changes only the fields it sends: unknown fields are refused, and so is null.

    Each field defaults to None for "not sent", but None is not a value of its type, so an explicit
    null fails validation; the document shows no default, as there is none to send. At least one
    field is needed (each subclass says so with ``nothing_to_change``).
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_partial_update_schema)


class EmailNotifications(PartialUpdate):
    """Which mail the reader wants; a key left out stays as it is."""

    #: Replies to my comments.
    reply: bool = None
    #: Moderators' decisions on my comments.
    decision: bool = None
    #: A daily digest of the readers I follow.
    followed: bool = None

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.model_fields_set:
            raise PydanticCustomError("nothing_to_change",
                                      "is empty: send any of reply, decision and followed")
        return self


class AccountChanges(PartialUpdate):
    """``PATCH /api/v1/me``: any of these; a field left out stays as it is."""

    display_name: DisplayName = None
    #: Takes effect when the link mailed to the new address is opened; until then ``pending_email``.
    email: Email = None
    #: The new password, with ``current_password``.
    password: Password = None
    current_password: TypedPassword = None
    email_notifications: EmailNotifications = None
    error_codes = {"display_name": "invalid_display_name", "email": "invalid_email", "password": "invalid_password"}

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.model_fields_set:
            raise PydanticCustomError("nothing_to_change", "Nothing to change: send any of display_name, email, "
                                                           "password (with current_password) and email_notifications.")
        return self


class TwoFactorCodeBody(Schema):
    """Confirming a new secret (its first code), or the second step of /login (a code or a recovery code)."""

    code: TwoFactorCode
    error_codes = {"code": "invalid_code"}
    error_messages = {"code": TWO_FACTOR_CODE_MESSAGE}


class TwoFactorOffBody(Schema):
    """Turning two-factor sign-in off: the password, and a current code or a recovery code."""

    password: TypedPassword
    code: TwoFactorCode
    error_codes = {"password": "invalid_password", "code": "invalid_code"}
    error_messages = {"code": TWO_FACTOR_CODE_MESSAGE}


ARTICLE_URL_MAX_LENGTH, ARTICLE_TITLE_MAX_LENGTH, ARTICLE_BODY_MAX_LENGTH = 2000, 500, 200_000


class ArticleBody(Schema):
    #: Stored with its scheme and host in lower case: one article URL, however its case is sent.
    url: Annotated[Text(ARTICLE_URL_MAX_LENGTH, pattern=URL_RE, rule="must be an http or https address"),
                   AfterValidator(normalise_url)]
    title: Text(ARTICLE_TITLE_MAX_LENGTH)
    body: OptionalText(Text(ARTICLE_BODY_MAX_LENGTH, multiline=True, visible=False)) = None
    moderation_mode: ModerationMode | None = Field(default=None, strict=False)
    error_codes = {"url": "invalid_url", "moderation_mode": "invalid_moderation_mode"}


class ModerationModeBody(Schema):
    """A moderator's switch of a story: post-moderation, pre-moderation or closed (API and thread page)."""

    moderation_mode: ModerationMode = Field(strict=False)
    error_codes = {"moderation_mode": "invalid_moderation_mode"}
    error_messages = {"moderation_mode": "moderation_mode must be post, pre or closed."}


#: Ask first whether a comment may break the guidelines (``check``), or post it after that warning.
Nudge = Literal["check", "post_anyway"]


class NewComment(Schema):
    body: CommentBody
    parent_id: Id | None = None
    #: Opt-in: with ``check``, a likely abusive comment is not posted but answered 409 ``may_break_guidelines``.
    nudge: Nudge | None = None
    error_codes = {"body": "invalid_body"}


class CommentEdit(Schema):
    body: CommentBody
    error_codes = {"body": "invalid_body"}


class MarkRead(Schema):
    """``{"ids": [...]}`` or ``{"all": true}``, not both."""

    ids: Annotated[list[Id], Field(min_length=1, max_length=MARK_READ_MAX)] | None = None
    all: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_of(self):
        if (self.ids is None) == (self.all is None):
            raise PydanticCustomError("missing_field", 'Send either {"ids": [...]} or {"all": true}.')
        return self


class ThreadQuery(PageQuery):
    sort: Literal["newest", "oldest", "top"] | None = None
    error_codes = {**PageQuery.error_codes, "sort": "invalid_sort"}


class NotificationsQuery(PageQuery):
    unread: Flag | None = None
    error_codes = {**PageQuery.error_codes, "unread": "invalid_unread"}


class CountsQuery(Schema):
    article_ids: Text(COUNTS_MAX_IDS * 101, visible=False, pattern=ARTICLE_IDS_RE,
                      rule=f"is 1 to {COUNTS_MAX_IDS} article ids separated by commas (letters, digits, "
                           "'-' or '_', at most 100 each)")
    error_codes = {"article_ids": "invalid_article_ids"}

    def ids(self) -> list[str]:
        return self.article_ids.split(",")


# Forms --------------------------------------------------------------------------------------------


class CommentFields(Schema):
    body: CommentBody
    parent_id: Id | None = None
    submission_key: OptionalText(Text(64, visible=False)) = None
    nudge: Nudge | None = None
    error_codes = {"body": "invalid_body", "submission_key": "invalid_submission_key"}


class EditFields(Schema):
    body: CommentBody
    error_codes = {"body": "invalid_body"}


class LoginFields(Schema):
    username: LoginName
    password: TypedPassword


class NewPasswordFields(Schema):
    """The form a reset link opens: the new password, typed twice (the page compares the two)."""

    password: Password
    password_again: TypedPassword
    error_codes = {"password": "invalid_password", "password_again": "invalid_password"}


class NotificationReadFields(Schema):
    id: Id | None = None
    all: Flag | None = None


class DetailsFields(Schema):
    """The /settings form of a reader's name and address."""

    display_name: DisplayName
    email: Email
    error_codes = {"display_name": "invalid_display_name", "email": "invalid_email"}


class PasswordFields(Schema):
    """The /settings form of a new password: the current one, the new one twice."""

    current_password: TypedPassword
    password: Password
    confirm_password: TypedPassword
    error_codes = {"password": "invalid_password"}


class MailFields(Schema):
    """The /settings form of mail preferences: a box left unticked is not sent, so it means no."""

    reply: Flag = False
    decision: Flag = False
    followed: Flag = False


class NextQuery(Schema):
    """Where to go after a form: checked again by ``safe_next``, but never a control character."""

    next: OptionalText(Text(2000, visible=False)) = None


# Answers ------------------------------------------------------------------------------------------


class Answer(BaseModel):
    """An answer schema: documents a shape; keys beyond those listed may be added later."""

    model_config = ConfigDict(extra="allow")


class ErrorDetail(Answer):
    code: str
    message: str
    field: str | None = None


class ErrorBody(Answer):
    error: ErrorDetail


class Author(Answer):
    username: str
    display_name: str


class Scores(Answer):
    abuse: float | None
    off_topic: float | None


class CommentOut(Answer):
    id: int
    article_id: str
    parent_id: int | None
    author: Author | None
    body: str
    #: ``hidden``: a held or rejected comment kept in a tree only for the replies the viewer may see.
    status: CommentStatus | Literal["hidden"]
    created_at: str
    edited_at: str | None
    reaction_count: int
    reply_count: int
    hold_reason: str | None = None
    #: The desk's rule behind the hold in words ("repeated text: like comment #12"), when a rule held it;
    #: moderators also see it on other comments (a rejection's rule, "auto-approved: ...").
    hold_rule: str | None = None
    scores: Scores | None = None
    model_version: str | None = None
    #: Moderators only: the author was warned that it may break the guidelines and posted it anyway.
    posted_after_nudge: bool | None = None


class ThreadComment(CommentOut):
    replies: list["ThreadComment"]
    liked: bool
    author_muted: bool
    #: Replies not shown here continue at ``GET /comments/{id}/replies?cursor=replies_cursor``.
    more_replies: bool
    replies_cursor: str | None


class CommentEnvelope(Answer):
    comment: CommentOut


class ThreadPage(Answer):
    comments: list[ThreadComment]
    next_cursor: str | None


class UserOut(Answer):
    username: str
    display_name: str
    created_at: str


class EmailNotificationsOut(Answer):
    reply: bool
    decision: bool
    followed: bool


class PrivateUser(UserOut):
    email: str | None
    #: The new address a confirmation link was mailed to, until it is opened (or expires).
    pending_email: str | None
    email_notifications: EmailNotificationsOut
    role: Role
    status: str
    suspended_until: str | None
    email_verified: bool
    #: Two-factor sign-in is on: signing in takes a code as well as the password.
    two_factor: bool


class Accepted(Answer):
    """A request taken in (202): what happens next, in words."""

    message: str


class UserEnvelope(Answer):
    user: PrivateUser


class TokenOut(Answer):
    token: str
    user: PrivateUser


class TwoFactorSecret(Answer):
    #: Base32, for typing into an authenticator app; not in force until a code from it is confirmed.
    secret: str
    otpauth_uri: str


class RecoveryCodes(Answer):
    #: Shown this once: each signs in once in place of a code.
    recovery_codes: list[str]


class SsoTokenOut(TokenOut):
    #: True when the newsroom's email belongs to another Parley account: it stays off this one.
    email_in_use: bool


class ArticleOut(Answer):
    id: str
    url: str
    title: str
    moderation_mode: ModerationMode
    comment_count: int


class CountsOut(Answer):
    counts: dict[str, int]


class ArticleRef(Answer):
    id: str
    title: str


class InReplyTo(Answer):
    id: int
    author: Author | None
    excerpt: str | None


class ListedComment(CommentOut):
    article: ArticleRef
    in_reply_to: InReplyTo | None


class ListedComments(Answer):
    comments: list[ListedComment]
    next_cursor: str | None


class ProfileOut(UserOut):
    status: str
    follower_count: int
    following_count: int
    is_following: bool
    is_muted: bool
    banned_at: str | None


class UserList(Answer):
    users: list[UserOut]
    next_cursor: str | None


class NotifiedComment(Answer):
    id: int
    parent_id: int | None
    excerpt: str
    article: ArticleRef


class NotificationOut(Answer):
    id: int
    kind: str
    created_at: str
    read_at: str | None
    actor: Author | None
    comment: NotifiedComment
    decision: str | None = None
    #: Why a rejected comment was rejected, in words (a decision notification only).
    reason: str | None = None


class NotificationsPage(Answer):
    notifications: list[NotificationOut]
    unread_count: int
    next_cursor: str | None


class ReactionCount(Answer):
    reaction_count: int


class OpenApiDocument(Answer):
    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]
