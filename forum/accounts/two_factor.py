"""Two-factor sign-in for staff: TOTP codes (RFC 6238) from an authenticator app, and recovery codes.

A secret is pending until the first code from it is confirmed; only then does sign-in ask for a
code. A code is accepted once (its time step is remembered) within one step of drift either way;
a recovery code is accepted once, and only its SHA-256 is stored. Accounts that sign in through
the newsroom (SSO) are not offered it: the newsroom's own sign-in vouches for them.
"""
import hmac
import re
import secrets
import time

import pyotp
from sqlalchemy import delete, func, or_, select, update

from forum.errors import ApiError, Conflict, Forbidden, Unauthorized
from forum.extensions import db
from forum.models import RecoveryCode, User, utcnow
from forum.security import check_password, digest

ISSUER = "Parley"
RECOVERY_CODE_COUNT = 10
#: Codes from one step before and one after the current one still count (a clock a little off).
DRIFT_STEPS = 1
CODE_RE = re.compile(r"[0-9]{6}")
#: How long the /login page waits, after a right password, for the code.
PENDING_SIGN_IN_SECONDS = 300


class InvalidCode(ApiError):
    status, code = 400, "invalid_code"

    def __init__(self, message="That code is not right: type the current code from your app, or a recovery code "
                               "you have not used.", *, status=None):
        super().__init__(message, status=status, payload={"field": "code"})


class TwoFactorRequired(Unauthorized):
    code = "two_factor_required"

    def __init__(self):
        super().__init__("This account has two-factor sign-in: send the current code from your app as 'otp', "
                         "or a recovery code as 'recovery_code'.", payload={"field": "otp"})


def is_offered(user: User) -> bool:
    """Return whether ``user`` may turn two-factor sign-in on: staff with a Parley password."""
    return user.is_moderator and user.has_password


def start_enrolment(user: User) -> tuple[str, str]:
    """Give ``user`` a new pending secret, not yet in force; return it and its ``otpauth://`` URI.

    :raise Forbidden: ``two_factor_not_offered`` to readers and newsroom (SSO) accounts.
    :raise Conflict: ``two_factor_on`` while it is on (turn it off first).
    """
    if not is_offered(user):
        raise Forbidden("Two-factor sign-in is for moderators and admins with a Parley password.",
                        code="two_factor_not_offered")
    if user.two_factor_enabled:
        raise Conflict("Two-factor sign-in is already on; turn it off first to use a new secret.",
                       code="two_factor_on")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    return user.totp_secret, otpauth_uri(user)


def otpauth_uri(user: User) -> str:
    """Return the URI an authenticator app reads (typed in, or from the QR code) for ``user``'s secret."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def is_pending(user: User) -> bool:
    """Return whether ``user`` has a secret waiting for its first code."""
    return user.totp_secret is not None and not user.two_factor_enabled


def confirm_enrolment(user: User, code) -> list[str]:
    """Turn two-factor sign-in on with the first ``code`` of the pending secret; return new recovery codes.

    The codes are shown this once: only their digests are kept.

    :raise Conflict: ``two_factor_on`` when it is on already, ``no_pending_two_factor`` with no secret to confirm.
    :raise InvalidCode: the code is not the secret's current one.
    """
    if user.two_factor_enabled:
        raise Conflict("Two-factor sign-in is already on.", code="two_factor_on")
    if user.totp_secret is None:
        raise Conflict("Start turning two-factor sign-in on first (POST /api/v1/me/two-factor).",
                       code="no_pending_two_factor")
    if not _use_totp_code(user, code):
        raise InvalidCode("That is not the current code of the new secret: check the time on your phone and "
                          "type the code your app shows now.")
    user.totp_enabled_at = utcnow()
    return _new_recovery_codes(user)


def turn_off(user: User, password, code) -> None:
    """Turn two-factor sign-in off, with the account's password and a current code or a recovery code.

    :raise Conflict: ``two_factor_off`` when it is not on.
    :raise Forbidden: ``wrong_password``.
    :raise InvalidCode: the code is neither a current code nor an unused recovery code.
    """
    if not user.two_factor_enabled:
        raise Conflict("Two-factor sign-in is not on.", code="two_factor_off")
    if not check_password(user, password):
        raise Forbidden("That is not your password; two-factor sign-in stays on.", code="wrong_password",
                        payload={"field": "password"})
    if not use_code(user, code):
        raise InvalidCode()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None


def check_second_factor(user: User, *, otp=None, recovery_code=None) -> None:
    """Let a sign-in of ``user`` through if two-factor is off, or with a current code or a recovery code.

    :raise TwoFactorRequired: it is on and neither was given (401).
    :raise InvalidCode: the one given is wrong or used already (401).
    """
    if not user.two_factor_enabled:
        return
    if otp is None and recovery_code is None:
        raise TwoFactorRequired()
    accepted = _use_totp_code(user, otp) if otp is not None else _use_recovery_code(user, recovery_code)
    if not accepted:
        raise InvalidCode(status=401)


def use_code(user: User, code) -> bool:
    """Spend ``code``, six digits from the app or else a recovery code; return whether it was accepted."""
    if isinstance(code, str) and CODE_RE.fullmatch(code.strip()):
        return _use_totp_code(user, code)
    return _use_recovery_code(user, code)


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def _use_totp_code(user: User, code) -> bool:
    """Accept ``code`` if it is the code of a step within the drift and later than the last one used."""
    if not isinstance(code, str) or not CODE_RE.fullmatch(code := code.strip()):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now_step = totp.timecode(time.time())
    matched = None
    # Every step is compared, in constant time, so timing tells nothing of which one matched.
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and matched is None:
            matched = step
    if matched is None:
        return False
    # A conditional update, so of two sign-ins racing with one code only one wins.
    spent = db.session.execute(update(User).where(
        User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < matched))
        .values(totp_last_step=matched).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        return False
    user.totp_last_step = matched
    return True


def _normalised_recovery_code(code: str) -> str:
    # Typed as shown (``abcd-ef01-...``), or without dashes or in capitals.
    return re.sub(r"[\s-]", "", code).lower()


def _use_recovery_code(user: User, code) -> bool:
    # Far longer than a code (19 characters as shown): not even hashed.
    if not isinstance(code, str) or len(code) > 100 or not code.isascii():
        return False
    row_id = db.session.scalar(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == digest(_normalised_recovery_code(code)),
        RecoveryCode.used_at.is_(None)))
    if row_id is None:
        return False
    spent = db.session.execute(update(RecoveryCode).where(RecoveryCode.id == row_id, RecoveryCode.used_at.is_(None))
                               .values(used_at=utcnow()))
    return spent.rowcount == 1


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    # 64 random bits each, shown in four groups of four hex digits.
    codes = ["-".join(secrets.token_hex(2) for _ in range(4)) for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=digest(_normalised_recovery_code(code)))
                       for code in codes)
    return codes
