"""Which passwords Parley refuses: too short or long, among the most common, or holding the username.

The list of common passwords is Django's (BSD-3-Clause), itself Royce Williams's 20,000 most common
passwords lowercased; see data/NOTICE.md.
"""
import gzip
from functools import cache
from pathlib import Path

from forum.validation import PASSWORD_MIN_LENGTH

PASSWORD_MAX_LENGTH = 200
COMMON_PASSWORDS_PATH = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, read once per process."""
    with gzip.open(COMMON_PASSWORDS_PATH, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def password_problem(password, username) -> str | None:
    """Return why ``password`` cannot be ``username``'s password, or None if it can."""
    if not isinstance(password, str) or not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        return f"Passwords are {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters."
    # The list is lowercased, as Django compares it.
    if password.lower().strip() in common_passwords():
        return "That password is one of the most common ones, which are guessed first: choose another."
    if isinstance(username, str) and username and username.casefold() in password.casefold():
        return "The password must not contain your username."
    return None
