"""Accounts over JSON: register, tokens, and who am I."""
from flask import g

from forum.accounts.service import authenticate, register_user
from forum.api.base import bp
from forum.api.serializers import user_dict
from forum.errors import Unauthorized
from forum.extensions import db, limiter
from forum.ratelimits import limit
from forum.security import authenticated_user, issue_token
from forum.validation import json_body


@bp.post("/auth/register")
@limiter.limit(limit("RATELIMIT_REGISTER"))
def register():
    data = json_body()
    user = register_user(data.get("username"), data.get("email"), data.get("password"),
                         display_name=data.get("display_name") if isinstance(data.get("display_name"), str) else None)
    db.session.commit()
    return {"user": user_dict(user, private=True)}, 201


@bp.post("/auth/token")
@limiter.limit(limit("RATELIMIT_LOGIN"))
def create_token():
    data = json_body()
    user = authenticate(data.get("username"), data.get("password"))
    if user is None:
        raise Unauthorized("Wrong username or password.", code="invalid_credentials")
    token = issue_token(user)
    db.session.commit()
    return {"token": token, "user": user_dict(user, private=True)}


@bp.delete("/auth/token")
def revoke_token():
    authenticated_user()
    token = getattr(g, "api_token", None)
    if token is None:
        raise Unauthorized("Send the token to revoke as Authorization: Bearer TOKEN.", code="no_token")
    db.session.delete(token)
    db.session.commit()
    return "", 204


@bp.get("/me")
def me():
    return {"user": user_dict(authenticated_user(), private=True)}
