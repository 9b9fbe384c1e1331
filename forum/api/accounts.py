"""Accounts over JSON: register, tokens, and who am I."""
from flask import g

from forum.accounts.limits import login_limited, register_limited
from forum.accounts.service import authenticate, register_user
from forum.api.base import bp
from forum.api.serializers import user_dict
from forum.errors import Unauthorized
from forum.extensions import db
from forum.security import authenticated_user, issue_token, sign_out_everywhere
from forum.validation import json_body


@bp.post("/auth/register")
@register_limited
def register():
    data = json_body()
    user = register_user(data.get("username"), data.get("email"), data.get("password"),
                         display_name=data.get("display_name") if isinstance(data.get("display_name"), str) else None)
    db.session.commit()
    return {"user": user_dict(user, private=True)}, 201


@bp.post("/auth/token")
@login_limited
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


@bp.delete("/auth/tokens")
def revoke_everything():
    """Sign out everywhere: end every bearer token and page session of the caller."""
    sign_out_everywhere(authenticated_user())
    db.session.commit()
    return "", 204


@bp.get("/me")
def me():
    return {"user": user_dict(authenticated_user(), private=True)}
