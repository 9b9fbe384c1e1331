"""Rules for what readers type, shared by the HTML forms and the JSON API."""
import re
import unicodedata

from flask import current_app, request

from forum.errors import ApiError, Invalid

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,30}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ARTICLE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
PASSWORD_MIN_LENGTH = 8


class TooLong(Invalid):
    status, code = 413, "too_long"


def clean_body(raw) -> str:
    """Return a comment body fit to store, or raise ``Invalid``.

    Line breaks are kept (as ``\\n``); other control characters are refused rather than stripped,
    so that what is stored is what the reader typed.
    """
    if not isinstance(raw, str):
        raise Invalid("The comment must be text.", code="invalid_body", payload={"field": "body"})
    body = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise Invalid("The comment is empty: write something first.", code="empty_body", payload={"field": "body"})
    limit = current_app.config["COMMENT_MAX_LENGTH"]
    if len(body) > limit:
        raise TooLong(f"The comment is {len(body):,} characters long; the limit is {limit:,}.",
                      payload={"field": "body"})
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in body):
        raise Invalid("The comment contains control characters; remove them and try again.",
                      code="control_characters", payload={"field": "body"})
    return body


def json_body() -> dict:
    """Return the request's JSON object, or raise a 400 saying why it is not one."""
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError("The body must be valid JSON with Content-Type: application/json.", code="invalid_json")
    if not isinstance(data, dict):
        raise ApiError("The body must be a JSON object.", code="invalid_json")
    return data


def clean_text(value, field: str, *, required: bool = True, max_length: int | None = None) -> str | None:
    """Return ``value`` stripped (None if blank and optional), or raise ``Invalid`` naming ``field``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid(f"'{field}' is required.", code="missing_field", payload={"field": field})
        return None
    if not isinstance(value, str):
        raise Invalid(f"'{field}' must be a string.", code="wrong_type", payload={"field": field})
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        raise Invalid(f"'{field}' is longer than {max_length} characters.", code="too_long", payload={"field": field})
    return value


def text_field(data: dict, name: str, *, required: bool = True, max_length: int | None = None) -> str | None:
    """Return ``data[name]`` through ``clean_text``."""
    return clean_text(data.get(name), name, required=required, max_length=max_length)


def int_field(data: dict, name: str, *, required: bool = False) -> int | None:
    """Return ``data[name]`` as an integer (not a bool or a string), or raise ``Invalid``."""
    value = data.get(name)
    if value is None:
        if required:
            raise Invalid(f"'{name}' is required.", code="missing_field", payload={"field": name})
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"'{name}' must be a whole number.", code="wrong_type", payload={"field": name})
    return value
