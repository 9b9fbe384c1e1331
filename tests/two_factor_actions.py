"""Helpers for the two-factor tests: enrol over the API, and codes computed with pyotp from the secret it answered."""
import time

import pyotp
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import ApiToken, RecoveryCode, User
from tests.factories import PASSWORD

TWO_FACTOR = "/api/v1/me/two-factor"
CONFIRM = "/api/v1/me/two-factor/confirm"
TOKEN = "/api/v1/auth/token"


def start(api, headers) -> pyotp.TOTP:
    """Ask for a new secret and return the authenticator app that holds it."""
    response = api.client.post(TWO_FACTOR, headers=headers)
    assert response.status_code == 200, response.get_json()
    return pyotp.TOTP(response.get_json()["secret"])


def enrol(api, headers) -> tuple[pyotp.TOTP, list[str]]:
    """Turn two-factor sign-in on; return the app and the recovery codes."""
    app = start(api, headers)
    response = api.client.post(CONFIRM, json={"code": app.now()}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return app, response.get_json()["recovery_codes"]


def next_code(app: pyotp.TOTP) -> str:
    """Return the code of the next time step: within the allowed drift, and never used yet (the
    current one may just have been spent confirming the secret)."""
    return app.at(time.time() + app.interval)


def wrong_code(app: pyotp.TOTP) -> str:
    """Return six digits that are the code of no step near now."""
    near = {app.at(time.time() + offset * app.interval) for offset in range(-3, 4)}
    return next(code for n in range(1_000_000) if (code := f"{n:06d}") not in near)


def sign_in(api, username, **codes):
    return api.client.post(TOKEN, json={"username": username, "password": PASSWORD, **codes})


def two_factor_state(flask_app, username) -> dict:
    """The account's two-factor columns, unused recovery codes and tokens: what a failure must not change."""
    with flask_app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return {"secret": user.totp_secret, "enabled_at": user.totp_enabled_at, "last_step": user.totp_last_step,
                "recovery_codes": db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
                    RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))),
                "tokens": db.session.scalar(select(func.count()).select_from(ApiToken).where(
                    ApiToken.user_id == user.id))}
