"""The login and registration budgets, one each, shared by the pages and the JSON API.

A client has one login budget (``RATELIMIT_LOGIN``) and one registration budget
(``RATELIMIT_REGISTER``) whichever door it uses; each username tried has its own login budget
(``RATELIMIT_LOGIN_ACCOUNT``) whoever tries it, so guesses spread over many addresses slow down too.
"""
import hashlib

from flask import request

from forum.extensions import limiter
from forum.models import fold_username
from forum.ratelimits import limit


def _account_key() -> str:
    """Return the budget key of the username a login names, whether or not it has an account."""
    data = request.get_json(silent=True)
    username = data.get("username") if isinstance(data, dict) else request.form.get("username")
    folded = fold_username(username) if isinstance(username, str) else ""
    # A digest: bounded in size, and no usernames in the limiter's storage.
    return "account:" + hashlib.sha256(folded.encode()).hexdigest()[:32]


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

#: Count a password checked before a deletion against the client's login budget: a wrong guess there
#: costs what a wrong login costs.
password_check_limited = limiter.shared_limit(limit("RATELIMIT_LOGIN"), scope="login", methods=["DELETE", "POST"])
