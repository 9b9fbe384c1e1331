"""Accounts over JSON: register, tokens, and who am I."""
from flask import g

from forum.accounts import recovery, two_factor, verification
from forum.accounts.limits import (
    account_mail_limited,
    email_change_limited,
    login_limited,
    password_check_limited,
    password_reset_limited,
    register_limited,
    sso_limited,
    two_factor_code_limited,
)
from forum.accounts.recovery import RESET_REQUESTED
from forum.accounts.service import authenticate, register_user
from forum.accounts.sso import sign_in_with_token, sso_enabled
from forum.api.base import bp
from forum.api.serializers import user_dict
from forum.errors import Unauthorized
from forum.extensions import db
from forum.openapi import operation
from forum.schemas import (
    Accepted,
    AccountChanges,
    EmailConfirmBody,
    PasswordResetBody,
    PasswordResetConfirmBody,
    RecoveryCodes,
    RegisterBody,
    SsoBody,
    SsoTokenOut,
    TokenBody,
    TokenOut,
    TwoFactorCodeBody,
    TwoFactorOffBody,
    TwoFactorSecret,
    UserEnvelope,
)
from forum.security import authenticated_user, issue_token, sign_out_everywhere
from forum.settings.email_change import confirm_email_change
from forum.settings.service import update_account


@bp.post("/auth/register")
@register_limited
@operation(body=RegisterBody, responses={201: UserEnvelope}, errors=(409, 429))
def register(body: RegisterBody):
    """Create a reader account."""
    user = register_user(body.username, body.email, body.password, display_name=body.display_name)
    verification.send_confirmation(user)
    db.session.commit()
    return {"user": user_dict(user, private=True)}, 201


@bp.post("/auth/token")
@login_limited
@operation(body=TokenBody, responses={200: TokenOut}, errors=(429,))
def create_token(body: TokenBody):
    """Exchange a username and password (and, with two-factor sign-in on, a code) for a bearer token."""
    user = authenticate(body.username, body.password)
    if user is None:
        raise Unauthorized("Wrong username or password.", code="invalid_credentials")
    two_factor.check_second_factor(user, otp=body.otp, recovery_code=body.recovery_code)
    token = issue_token(user)
    db.session.commit()
    return {"token": token, "user": user_dict(user, private=True)}


@bp.post("/auth/sso")
@sso_limited
@sso_enabled
@operation(body=SsoBody, responses={200: SsoTokenOut}, errors=(403, 409, 429))
def sso(body: SsoBody):
    """Exchange the newsroom's signed sign-in token (JWT) for a bearer token."""
    signed_in = sign_in_with_token(body.token)
    token = issue_token(signed_in.user)
    db.session.commit()
    return {"token": token, "user": user_dict(signed_in.user, private=True), "email_in_use": signed_in.email_in_use}


@bp.delete("/auth/token")
@operation(auth="user", responses={204: None})
def revoke_token():
    """Revoke the bearer token this request is sent with."""
    authenticated_user()
    token = getattr(g, "api_token", None)
    if token is None:
        raise Unauthorized("Send the token to revoke as Authorization: Bearer TOKEN.", code="no_token")
    db.session.delete(token)
    db.session.commit()
    return "", 204


@bp.delete("/auth/tokens")
@operation(auth="user", responses={204: None})
def revoke_everything():
    """Sign out everywhere: end every bearer token and page session of the caller."""
    sign_out_everywhere(authenticated_user())
    db.session.commit()
    return "", 204


@bp.get("/me")
@operation(auth="user", responses={200: UserEnvelope})
def me():
    """Answer the signed-in reader's account."""
    return {"user": user_dict(authenticated_user(), private=True)}


@bp.patch("/me")
@password_check_limited
@email_change_limited
@operation(auth="user", body=AccountChanges, responses={200: UserEnvelope}, errors=(409, 429))
def update_me(body: AccountChanges):
    """Change my display name, email (confirmed by a mailed link), password or mail preferences."""
    user = authenticated_user()
    notifications = body.email_notifications
    update_account(user, display_name=body.display_name, email=body.email, password=body.password,
                   current_password=body.current_password,
                   notifications=notifications.model_dump(exclude_unset=True) if notifications else None)
    db.session.commit()
    return {"user": user_dict(user, private=True)}


@bp.post("/me/two-factor")
@operation(auth="user", responses={200: TwoFactorSecret}, errors=(403, 409))
def start_two_factor():
    """Start turning two-factor sign-in on (staff only): a new secret, in force once a code from it is confirmed."""
    secret, uri = two_factor.start_enrolment(authenticated_user())
    db.session.commit()
    return {"secret": secret, "otpauth_uri": uri}


@bp.post("/me/two-factor/confirm")
@two_factor_code_limited
@operation(auth="user", body=TwoFactorCodeBody, responses={200: RecoveryCodes}, errors=(400, 409, 429))
def confirm_two_factor(body: TwoFactorCodeBody):
    """Turn two-factor sign-in on with the first code of the new secret; answer the recovery codes, once."""
    codes = two_factor.confirm_enrolment(authenticated_user(), body.code)
    db.session.commit()
    return {"recovery_codes": codes}


@bp.delete("/me/two-factor")
@two_factor_code_limited
@operation(auth="user", body=TwoFactorOffBody, responses={204: None}, errors=(400, 403, 409, 429))
def turn_off_two_factor(body: TwoFactorOffBody):
    """Turn two-factor sign-in off, with my password and a current code or a recovery code."""
    two_factor.turn_off(authenticated_user(), body.password, body.code)
    db.session.commit()
    return "", 204


@bp.post("/auth/email-change/confirm")
@operation(body=EmailConfirmBody, responses={204: None}, errors=(409,))
def confirm_email(body: EmailConfirmBody):
    """Confirm a new email address with the token of the link mailed to it."""
    confirm_email_change(body.token)
    db.session.commit()
    return "", 204


@bp.post("/auth/password-reset")
@password_reset_limited
@operation(body=PasswordResetBody, responses={202: Accepted}, errors=(429,))
def request_password_reset(body: PasswordResetBody):
    """Mail a link to set a new password, if an account has this address (the answer is the same if not)."""
    recovery.request_password_reset(body.email)
    db.session.commit()
    return {"message": RESET_REQUESTED}, 202


@bp.post("/auth/password-reset/confirm")
@operation(body=PasswordResetConfirmBody, responses={204: None}, errors=(400,))
def confirm_password_reset(body: PasswordResetConfirmBody):
    """Set a new password with the token of a reset link; every session and token of the account ends."""
    recovery.reset_password(body.token, body.password)
    db.session.commit()
    return "", 204


@bp.post("/auth/email/confirm")
@operation(body=EmailConfirmBody, responses={204: None}, errors=(400,))
def confirm_address(body: EmailConfirmBody):
    """Confirm my address with the token of the link mailed to it at registration."""
    verification.confirm_email(body.token)
    db.session.commit()
    return "", 204


@bp.post("/me/email/verification")
@account_mail_limited
@operation(auth="user", responses={204: None}, errors=(409, 429))
def send_email_verification():
    """Mail the signed-in reader a new link to confirm their address (409 when it is confirmed already)."""
    verification.send_new_confirmation(authenticated_user())
    db.session.commit()
    return "", 204
