"""The caller's own data over JSON: the export, and deleting the account (API.md, Accounts)."""
from forum.accounts.limits import account_deletion_limited
from forum.api.base import bp
from forum.extensions import db
from forum.openapi import operation
from forum.privacy import deletion
from forum.privacy.export import as_download, export_account
from forum.privacy.schemas import AccountExport, DeleteAccountBody
from forum.security import authenticated_user


@bp.get("/me/export")
@operation(auth="user", responses={200: AccountExport})
def export():
    """Download everything Parley holds about the caller, as one JSON document."""
    user = authenticated_user()
    return as_download(user, export_account(user))


@bp.delete("/me")
@account_deletion_limited
@operation(auth="user", body=DeleteAccountBody, body_optional=True, responses={204: None}, errors=(403, 429))
def delete_me(body: DeleteAccountBody):
    """Delete the caller's account: ``password``; an account without one (SSO) sends no body (or ``confirm``)."""
    user = authenticated_user()
    deletion.confirm_identity(user, body.password, body.confirm, typed_confirmation=False)
    deletion.delete_account(user)
    db.session.commit()
    return "", 204
