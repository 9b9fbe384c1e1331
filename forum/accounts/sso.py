"""Single sign-on: the newsroom's signed token (a JWT, as Coral Talk takes it) in, a Parley account out.

The token is checked with exactly the one algorithm the configuration names (HS256 with
``SSO_SECRET`` or RS256 with ``SSO_PUBLIC_KEY``), so neither ``alg: none`` nor a token signed with
the public key as an HMAC secret gets through. The account is found by the newsroom's ``user.id``
alone (``users.sso_id``), never by username or email; the token never sets a role or a status.
"""
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import wraps
from typing import Annotated

import jwt
from flask import current_app
from pydantic import BeforeValidator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.accounts import retired
from forum.errors import Conflict, Forbidden, Invalid, Unauthorized
from forum.extensions import db
from forum.models import NO_PASSWORD, User, fold_username, utcnow
from forum.validation import DisplayName, Email, OptionalText, Schema, Text, validate

USERNAME_LENGTH = 30
#: Numbered variants tried, in one query, before a random suffix.
VARIANTS = 50
#: Tries to create an account when a concurrent sign-in takes the name or email first.
CREATE_ATTEMPTS = 5


class InvalidSsoToken(Unauthorized):
    code = "invalid_sso_token"


def _id_as_text(value):
    # The newsroom's ids are strings or numbers; a number is kept as its decimal digits (never a bool).
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class SsoUser(Schema):
    """The token's ``user`` claim."""

    id: Annotated[Text(255, visible=False), BeforeValidator(_id_as_text)]
    email: Email
    username: Text(254)
    display_name: OptionalText(DisplayName) = None


class SsoClaims(Schema):
    user: SsoUser


@dataclass(frozen=True)
class SsoSignIn:
    """The outcome of a sign-in: the account, and whether its email stayed off because another has it."""

    user: User
    email_in_use: bool


def sign_in_with_token(token: str) -> SsoSignIn:
    """Return the account the newsroom's ``token`` names, created on first sign-in, updated after.

    :raise Forbidden: SSO is not configured (``sso_disabled``).
    :raise InvalidSsoToken: a bad signature, an expired token, a missing or ill-typed claim.
    """
    claims = _decode(token)
    fields = _claims(claims)
    user = db.session.scalar(select(User).where(User.sso_id == fields.id))
    if user is None:
        return _create_account(fields)
    return SsoSignIn(user, _update_account(user, fields))


def signing_key() -> tuple[str, str]:
    """Return the key and the one algorithm the newsroom's tokens are checked with.

    :raise Forbidden: SSO is not configured (``sso_disabled``).
    """
    config = current_app.config
    if config.get("SSO_PUBLIC_KEY"):
        return config["SSO_PUBLIC_KEY"], "RS256"
    if config.get("SSO_SECRET"):
        return config["SSO_SECRET"], "HS256"
    raise Forbidden("Single sign-on is not set up on this Parley (SSO_SECRET or SSO_PUBLIC_KEY).",
                    code="sso_disabled")


def sso_enabled(view):
    """Answer 403 ``sso_disabled`` when SSO is off, before the request's body is looked at."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        signing_key()
        return view(*args, **kwargs)

    return wrapped


def _decode(token: str) -> dict:
    config = current_app.config
    key, algorithm = signing_key()
    try:
        return jwt.decode(token, key, algorithms=[algorithm], leeway=config["SSO_LEEWAY_SECONDS"],
                          # The key serves Parley only, so no audience is set: a newsroom's own ``aud`` is ignored.
                          options={"require": ["exp", "iat"], "verify_aud": False})
    except jwt.ExpiredSignatureError:
        raise InvalidSsoToken("The sign-in token has expired; get a new one from the newsroom.") from None
    except jwt.InvalidTokenError as error:
        raise InvalidSsoToken(f"The sign-in token is not valid ({_reason(error)}).") from None


def _reason(error: jwt.InvalidTokenError) -> str:
    if isinstance(error, jwt.InvalidSignatureError):
        return "its signature does not match"
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"it has no '{error.claim}' claim"
    if isinstance(error, jwt.InvalidAlgorithmError):
        return "it is not signed with the algorithm this Parley expects"
    if isinstance(error, jwt.ImmatureSignatureError):
        return "it was issued in the future"
    if isinstance(error, jwt.DecodeError):
        return "it is not a signed JWT"
    return "its claims are not valid"


def _claims(claims: dict) -> SsoUser:
    try:
        return validate(SsoClaims, claims, "json").user
    except Invalid as error:
        raise InvalidSsoToken(f"The sign-in token's claims are not valid: {error.message}",
                              payload={"claim": error.payload.get("field")}) from None


def _create_account(fields: SsoUser) -> SsoSignIn:
    """Create the account linked to ``fields.id``; lost races with concurrent sign-ins are retried."""
    email = fields.email.lower()
    for _ in range(CREATE_ATTEMPTS):
        existing = db.session.scalar(select(User).where(User.sso_id == fields.id))
        if existing is not None:  # another request created it first
            return SsoSignIn(existing, _update_account(existing, fields))
        email_in_use = _email_taken(email, None)
        username = free_username(fields.username)
        # The newsroom vouches for the address: it is confirmed from the first sign-in.
        user = User(sso_id=fields.id, username=username, password_hash=NO_PASSWORD,
                    email=None if email_in_use else email, display_name=fields.display_name or username,
                    email_verified_at=None if email_in_use else utcnow())
        db.session.add(user)
        try:
            db.session.flush()
        except IntegrityError:
            # Nothing else is written before this point in the request, so rolling back loses nothing.
            db.session.rollback()
            continue
        return SsoSignIn(user, email_in_use)
    raise Conflict("Others signed in with the same name at the same moment; send the token again.",
                   code="sso_conflict")


def _update_account(user: User, fields: SsoUser) -> bool:
    """Take the newsroom's current email and display name; return whether the email stayed off."""
    if fields.display_name:
        user.display_name = fields.display_name
    email = fields.email.lower()
    if _email_taken(email, user):
        return True
    if user.email != email or user.email_verified_at is None:
        user.email, user.email_verified_at = email, utcnow()
    return False


def _email_taken(email: str, user: User | None) -> bool:
    """Return whether another account than ``user`` has ``email``."""
    owner = db.session.scalar(select(User.id).where(User.email == email))
    return owner is not None and (user is None or owner != user.id)


def free_username(wanted: str) -> str:
    """Return ``wanted`` as a Parley username (3-30 letters, digits, ``_``), or a free variant of it
    (a deleted account's name is not free during its cooling-off period)."""
    base = _username_base(wanted)
    candidates = [base] + [_with_suffix(base, str(n)) for n in range(2, VARIANTS + 2)]
    taken = set(db.session.scalars(select(User.username_key).where(
        User.username_key.in_([fold_username(c) for c in candidates])))) | retired.held_back(candidates)
    for candidate in candidates:
        if fold_username(candidate) not in taken:
            return candidate
    return _with_suffix(base, "_" + secrets.token_hex(4))


def _username_base(wanted: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", wanted).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9_]+", "_", ascii_name).strip("_")[:USERNAME_LENGTH]
    if len(base) < 3:
        base = f"reader_{base}" if base else "reader"
    return base


def _with_suffix(base: str, suffix: str) -> str:
    return base[:USERNAME_LENGTH - len(suffix)] + suffix
