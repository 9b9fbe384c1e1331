"""The login, registration and account-mail budgets, shared by the pages and the JSON API.

A client has one login budget (``RATELIMIT_LOGIN``) and one registration budget
(``RATELIMIT_REGISTER``) whichever door it uses; each username tried has its own login budget
(``RATELIMIT_LOGIN_ACCOUNT``) whoever tries it, so guesses spread over many addresses slow down too.
Requests that mail a link have a budget per client (``RATELIMIT_ACCOUNT_MAIL``) and one per
address asked for (``RATELIMIT_ACCOUNT_MAIL_ADDRESS``).
"""
import hashlib

from flask import request

from forum.extensions import limiter
from forum.models import fold_username
from forum.ratelimits import limit


def _field(name: str):
    data = request.get_json(silent=True)
    return data.get(name) if isinstance(data, dict) else request.form.get(name)


def _account_key() -> str:
    """Return the budget key of the username a login names, whether or not it has an account."""
    username = _field("username")
    folded = fold_username(username) if isinstance(username, str) else ""
    # A digest: bounded in size, and no usernames in the limiter's storage.
    return "account:" + hashlib.sha256(folded.encode()).hexdigest()[:32]


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
