"""The login, registration, account-mail and account-settings budgets, shared by the pages and the JSON API.

A client has one login budget (``RATELIMIT_LOGIN``) and one registration budget
(``RATELIMIT_REGISTER``) whichever door it uses; each username tried has its own login budget
(``RATELIMIT_LOGIN_ACCOUNT``) whoever tries it, so guesses spread over many addresses slow down too.
A two-factor code costs what a login costs, against both budgets.
Requests that mail a link have a budget per client (``RATELIMIT_ACCOUNT_MAIL``) and one per
address asked for (``RATELIMIT_ACCOUNT_MAIL_ADDRESS``). A signed-in account has a budget of wrong
current passwords (``RATELIMIT_PASSWORD_CHECK``) and one of address changes (``RATELIMIT_EMAIL_CHANGE``).
"""
import hashlib

from flask import request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from forum.accounts.pending import held_username
from forum.errors import ApiError
from forum.extensions import limiter
from forum.models import fold_username
from forum.ratelimits import limit
from forum.validation import json_object


def _field(name: str):
    """Return the field ``name`` of the request's JSON object or form, or None.

    Read as the views read it (``json_object``): a body nested too deep for the parser is no
    field, and the view answers it.
    """
    if not request.is_json:
        return request.form.get(name)
    try:
        return json_object().get(name)
    except ApiError:
        return None


def _account_key() -> str:
    """Return the budget key of the username a login names, whether or not it has an account.

    A two-factor code counts against the account it is for: the sign-in waiting for it on /login,
    or the signed-in account that turns two-factor on or off.
    """
    username = _field("username")
    if username is None:
        username = held_username() or (current_user.username if current_user.is_authenticated else None)
    folded = fold_username(username) if isinstance(username, str) else ""
    # A digest: bounded in size, and no usernames in the limiter's storage. A JSON string may hold a
    # lone surrogate, which plain UTF-8 cannot encode.
    return "account:" + hashlib.sha256(folded.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _address_key() -> str:
    """Return the budget key of the email address a request names (a digest, as for usernames)."""
    email = _field("email")
    folded = email.strip().lower() if isinstance(email, str) else ""
    return "address:" + hashlib.sha256(folded.encode("utf-8", "surrogatepass")).hexdigest()[:32]


_login_per_client = limiter.shared_limit(limit("RATELIMIT_LOGIN"), scope="login", methods=["POST"])
_login_per_account = limiter.shared_limit(limit("RATELIMIT_LOGIN_ACCOUNT"), scope="login-account",
                                          key_func=_account_key, methods=["POST"])

#: Count a registration against the client's one registration budget.
register_limited = limiter.shared_limit(limit("RATELIMIT_REGISTER"), scope="register", methods=["POST"])


def login_limited(view):
    """Count a login attempt against the client's budget and against the named account's."""
    return _login_per_client(_login_per_account(view))


#: The client's login budget for anything that checks a password or a code, sign-in or not.
_secret_per_client = limiter.shared_limit(limit("RATELIMIT_LOGIN"), scope="login", methods=["POST", "DELETE"])
_code_per_account = limiter.shared_limit(limit("RATELIMIT_LOGIN_ACCOUNT"), scope="login-account",
                                         key_func=_account_key, methods=["POST", "DELETE"])


def two_factor_code_limited(view):
    """Count a two-factor code (to sign in, to turn it on or off) against the login budgets, as a login."""
    return _secret_per_client(_code_per_account(view))


#: Count a sign-in with the newsroom's token against the client's budget (a bad token costs as much).
sso_limited = limiter.shared_limit(limit("RATELIMIT_SSO"), scope="sso", methods=["POST"])

_account_mail_per_client = limiter.shared_limit(limit("RATELIMIT_ACCOUNT_MAIL"), scope="account-mail",
                                                methods=["POST"])
_account_mail_per_address = limiter.shared_limit(limit("RATELIMIT_ACCOUNT_MAIL_ADDRESS"), scope="account-mail-address",
                                                 key_func=_address_key, methods=["POST"])


def password_reset_limited(view):
    """Count a reset request against the client's account-mail budget and against the address's."""
    return _account_mail_per_client(_account_mail_per_address(view))


#: Count a request for a new confirmation link against the client's account-mail budget.
account_mail_limited = _account_mail_per_client


def _signed_in_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def _no_current_password() -> bool:
    return _field("current_password") is None


def _no_new_address() -> bool:
    email = _field("email")
    return not (isinstance(email, str) and current_user.is_authenticated
                and email.strip().lower() != current_user.email)


#: Count a wrong current password (answered 403) against the signed-in account's budget
#: (``RATELIMIT_PASSWORD_CHECK``), at the API and on /settings alike; a request that gives no
#: current password is neither counted nor stopped, so the rest of the settings stay usable.
password_check_limited = limiter.shared_limit(
    limit("RATELIMIT_PASSWORD_CHECK"), scope="password-check", key_func=_signed_in_key,
    exempt_when=_no_current_password, deduct_when=lambda response: response.status_code == 403)

#: Count a request for a new address against the signed-in account's budget, refused or not (so
#: that ``email_taken`` cannot be asked of many addresses); one that keeps the address is free.
email_change_limited = limiter.shared_limit(limit("RATELIMIT_EMAIL_CHANGE"), scope="email-change",
                                            key_func=_signed_in_key, exempt_when=_no_new_address)

#: Count a password checked before a deletion against the client's login budget: a wrong guess there
#: costs what a wrong login costs.
account_deletion_limited = _secret_per_client
