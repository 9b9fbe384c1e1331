"""Forum tables: readers, articles, comments and what readers do with them."""
import enum
import hashlib
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
    true,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from forum.extensions import db


def utcnow() -> datetime:
    """Return the current UTC time, naive, as every column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def _enum(cls, name, length=20):
    # Stored as plain strings with a CHECK, so adding a value is a simple migration on both databases.
    return Enum(cls, name=name, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Role(enum.StrEnum):
    READER = "reader"
    MODERATOR = "moderator"
    ADMIN = "admin"


class ModerationMode(enum.StrEnum):
    POST = "post"
    PRE = "pre"
    CLOSED = "closed"


class CommentStatus(enum.StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"
    REJECTED = "rejected"
    DELETED = "deleted"


class HoldReason(enum.StrEnum):
    """Why a comment waits for a moderator, or why the policy rejected it."""

    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    PREMODERATION = "premoderation"
    REPORTED = "reported"
    ESCALATED = "escalated"
    MODEL_UNAVAILABLE = "model_unavailable"
    # Rules a screen applies before its model: the moderators' word lists, links and new readers,
    # repeated or bursting posts.
    BANNED_WORD = "banned_word"
    SUSPECT_WORD = "suspect_word"
    SPAM = "spam"
    NEW_USER = "new_user"
    LINK = "link"


class UserStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    BANNED = "banned"


def fold_username(username: str) -> str:
    """Return the form of ``username`` that must be unique: ``Bob``, ``BOB`` and ``bob`` are one name."""
    return username.lower()


#: The password hash of an account that signs in only through the newsroom (SSO): no hash method
#: produces it, so no password matches it.
NO_PASSWORD = "!"


def url_digest(url: str) -> str:
    """Return the form of an article's ``url`` that must be unique (its SHA-256, in hex)."""
    return hashlib.sha256(url.encode()).hexdigest()


#: The kinds of mail a reader chooses (``email_notifications`` in the API) and the columns that keep them.
MAIL_PREFERENCES = {"reply": "mail_reply", "decision": "mail_decision", "followed": "mail_followed"}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # The database itself keeps the folded name in step, whoever writes the row.
        CheckConstraint("username_key = lower(username)", name="username_key_folded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30), unique=True)
    #: ``lower(username)``, unique: no two readers' names differ only in letter case.
    username_key: Mapped[str] = mapped_column(String(30), unique=True)
    #: None for an SSO account whose newsroom email another Parley account already has.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    #: The newsroom's own id for a reader who signs in with its token (``POST /api/v1/auth/sso``).
    sso_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.READER)
    banned_at: Mapped[datetime | None] = mapped_column(DateTime)
    suspended_until: Mapped[datetime | None] = mapped_column(DateTime)
    sanction_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: When the reader confirmed their address (a local account's link; an SSO account's newsroom
    #: vouches for it at sign-in); None while unconfirmed.
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: What the reader wants mailed: replies to their comments, decisions on them, a daily digest
    #: of the readers they follow (``email_notifications`` in the API).
    mail_reply: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    mail_decision: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    mail_followed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The end of the window the last digest of followed readers covered for this reader (mailed,
    #: or with nothing new, not): the next digest starts there. None: never covered.
    digest_through: Mapped[datetime | None] = mapped_column(DateTime)
    #: When the reader deleted the account (or a moderator did): the row stays, emptied of personal
    #: data, as the author of the placeholders of their comments and of the decision log's rows.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Two-factor sign-in (staff only): the TOTP secret (base32), in force from ``totp_enabled_at``
    #: on; a secret without that date is an enrolment not yet confirmed. ``totp_last_step`` is the
    #: time step of the last code accepted, so that no code is accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(32))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    #: The sign-in this object was loaded for, set by ``forum.security``; never stored as such.
    session_token = None

    # Flask-Login's UserMixin compares users by get_id(), which is now a sign-in's id: two objects
    # are the same reader when they are the same row, which the session's identity map makes them.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    @validates("username")
    def _fold(self, _key, username):
        self.username_key = fold_username(username)
        return username

    def get_id(self) -> str:
        """Return the id of this sign-in, which Flask-Login's session and remember cookies carry.

        It names a ``UserSession`` row, not the user, so that ending the row ends every copy of
        the cookies (Flask-Login's "alternative tokens").
        """
        if self.session_token is None:
            raise RuntimeError("Sign readers in with forum.security.sign_in, which makes their session.")
        return self.session_token

    @property
    def status(self) -> UserStatus:
        """Return banned, suspended (until ``suspended_until``) or active."""
        if self.banned_at is not None:
            return UserStatus.BANNED
        if self.suspended_until is not None and self.suspended_until > utcnow():
            return UserStatus.SUSPENDED
        return UserStatus.ACTIVE

    @property
    def mail_preferences(self) -> dict[str, bool]:
        """Return which kinds of mail the reader wants, by ``MAIL_PREFERENCES`` key."""
        return {kind: getattr(self, column) for kind, column in MAIL_PREFERENCES.items()}

    @property
    def has_password(self) -> bool:
        return self.password_hash != NO_PASSWORD

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak reveals no usable token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")


class UserSession(db.Model):
    """A sign-in on the pages; its id travels in the session and remember cookies, hashed here.

    Logging out deletes the row, so a copy of either cookie stops working everywhere.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")


class AccountTokenPurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"
    EMAIL_CHANGE = "email_change"
    EMAIL_VERIFICATION = "email_verification"


class AccountToken(db.Model):
    """A single-use link mailed to a reader (password reset, a new address, a first address): only
    its SHA-256 is stored, with the address it was sent to."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[AccountTokenPurpose] = mapped_column(_enum(AccountTokenPurpose, "account_token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="raise")


class RecoveryCode(db.Model):
    """A single-use code that stands in for a two-factor code (a lost phone); only its SHA-256 is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class RetiredUsername(db.Model):
    """The name of a deleted account, which nobody may register until ``free_at`` (no one takes
    over a deleted reader's name at once)."""

    __tablename__ = "retired_usernames"

    username_key: Mapped[str] = mapped_column(String(30), primary_key=True)
    free_at: Mapped[datetime] = mapped_column(DateTime)


class Article(db.Model):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: SHA-256 of ``url``, unique: one URL belongs to one article. A digest because an index on the
    #: URL itself could exceed PostgreSQL's limit for an index entry (2,000 characters of UTF-8).
    url_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    moderation_mode: Mapped[ModerationMode] = mapped_column(
        _enum(ModerationMode, "moderation_mode"), default=ModerationMode.POST
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    #: The number of the article's published comments, kept by triggers on comments (migration
    #: c8d9e0f1a2b3). The ORM never writes it: an INSERT leaves it to the server default, and an
    #: UPDATE sends only the attributes set, which this one cannot be (``_kept_by_the_database``).
    #: An instance's value may predate the session's own comments: read it fresh (threads.queries).
    published_count: Mapped[int] = mapped_column(Integer, server_default="0")

    @validates("published_count")
    def _kept_by_the_database(self, _key, _value):
        raise AttributeError("articles.published_count is kept by the database's triggers on comments")

    @validates("url")
    def _hash_url(self, _key, url):
        self.url_hash = url_digest(url)
        return url

    @property
    def text(self) -> str:
        """Return what the off-topic model compares a comment with."""
        return f"{self.title}\n{self.body}"


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        # The thread page: an article's top-level comments in the order of each sort, read from the
        # index a page at a time. By depth, not root_id: PostgreSQL orders by the columns after an
        # equality, and IS NULL is none.
        Index("ix_comments_thread", "article_id", "depth", "created_at", "id"),
        Index("ix_comments_article_top", "article_id", "depth", "reaction_count", "id"),
        # The latest published comments of an article, or of one conversation: what the screen
        # compares a new comment with; and the published count of an article.
        Index("ix_comments_article_status", "article_id", "status", "created_at", "id"),
        Index("ix_comments_root_status", "root_id", "status", "created_at", "id"),
        # A page of one comment's direct replies, oldest first.
        Index("ix_comments_replies", "parent_id", "created_at", "id"),
        # An author's history, profiles and the feed.
        Index("ix_comments_author", "author_id", "status", "created_at", "id"),
        # The moderation queue.
        Index("ix_comments_queue", "status", "created_at", "id"),
        # One per branch of "waits for a moderator" (held or rejected by the policy and undecided,
        # published and escalated, published and reported): each branch reads only its own few rows
        # instead of every published comment.
        Index("ix_comments_status_decided", "status", "decided_at"),
        Index("ix_comments_status_hold", "status", "hold_reason"),
        Index("ix_comments_status_reports", "status", "report_count"),
        UniqueConstraint("author_id", "submission_key", name="uq_comments_author_submission"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    # The top-level comment a reply belongs to, so a page's replies come in one query.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    # 0 for a top-level comment, the parent's depth + 1 for a reply; capped by THREAD_MAX_DEPTH at posting.
    depth: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus, "comment_status"))
    # Why a comment waits or was rejected; on a published comment, why it is queued (escalated).
    hold_reason: Mapped[HoldReason | None] = mapped_column(_enum(HoldReason, "hold_reason", length=30))
    # The rule behind a hold, in words a moderator reads on the item ("banned word: ..."), or the
    # auto-approval that published a comment its story would have held.
    hold_rule: Mapped[str | None] = mapped_column(String(200))
    # The author was told it may break the guidelines and posted it anyway.
    posted_after_nudge: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    abuse_score: Mapped[float | None] = mapped_column(Float)
    off_topic_score: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(80))
    reaction_count: Mapped[int] = mapped_column(Integer, default=0)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    # A form's one-time key: a replayed submission finds the comment it already made.
    submission_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    article: Mapped[Article] = relationship(lazy="raise")
    author: Mapped[User] = relationship(lazy="raise")
    parent: Mapped["Comment | None"] = relationship(remote_side=[id], foreign_keys=[parent_id], lazy="raise")

    @property
    def is_published(self) -> bool:
        return self.status == CommentStatus.PUBLISHED

    @hybrid_property
    def is_awaiting_review(self) -> bool:
        """Held, or rejected by the policy with no moderator's decision yet: the queue's rule."""
        return self.status == CommentStatus.PENDING or (
            self.status == CommentStatus.REJECTED and self.decided_at is None)

    @is_awaiting_review.inplace.expression
    @classmethod
    def _is_awaiting_review_expression(cls):
        return or_(cls.status == CommentStatus.PENDING,
                   and_(cls.status == CommentStatus.REJECTED, cls.decided_at.is_(None)))


class Follow(db.Model):
    __tablename__ = "follows"
    __table_args__ = (
        CheckConstraint("follower_id <> followed_id", name="not_self"),
        Index("ix_follows_followed", "followed_id", "created_at"),
        Index("ix_follows_follower_created", "follower_id", "created_at"),
    )

    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    followed_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Mute(db.Model):
    __tablename__ = "mutes"
    __table_args__ = (CheckConstraint("muter_id <> muted_id", name="not_self"),)

    muter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    muted_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Reaction(db.Model):
    __tablename__ = "reactions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient", "recipient_id", "id"),
        Index("ix_notifications_unread", "recipient_id", "read_at"),
        # The daily digest: a reader's notifications of one day.
        Index("ix_notifications_recipient_created", "recipient_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # reply, followed_comment, decision
    kind: Mapped[str] = mapped_column(String(30))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # For a decision: why, in the words the author reads ("Abusive or insulting").
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)

    comment: Mapped[Comment] = relationship(lazy="raise")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="raise")
