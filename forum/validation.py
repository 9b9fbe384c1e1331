"""The request-validation layer: the rules for what readers type, and declared schemas that apply them.

Every JSON body, query string and HTML form is read through a pydantic model in strict mode
(``parse_json``, ``parse_query``, ``parse_form``); a model's errors become one ``Invalid`` in the
contract's shape, naming the field. The text rules below are the only place that decides what a
stored string may contain.
"""
import json
import re
import string
import unicodedata
from typing import Annotated, Any, ClassVar

from flask import current_app, request
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from forum.config import Config
from forum.errors import ApiError, Invalid

# ``\Z``, not ``$``: ``$`` also matches before a final newline, and ``alice\n`` is not ``alice``.
USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,30}\Z")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
ARTICLE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}\Z")
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 200
#: The longest password a sign-in or a confirmation takes to check (longer ones were never set).
TYPED_PASSWORD_MAX_LENGTH = 1000
#: Every id and counter column is INTEGER, 32 bits on PostgreSQL: a larger number names no row, and
#: binding it makes PostgreSQL fail the whole statement ("integer out of range").
ID_MAX = 2**31 - 1
#: Bidirectional embeddings, overrides and isolates: they make a name render as another one.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Letters and symbols that render as nothing (Hangul fillers, the braille blank).
BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: Categories that never show a glyph of their own: separators, controls and formats, marks.
_INVISIBLE_CATEGORIES = ("Z", "C", "M")


#: The most bytes one character of a string can take in a request body: a character beyond the BMP
#: is two ``\\uXXXX`` escapes in JSON (12 bytes), and four ``%XX`` in a form (12 bytes).
BODY_BYTES_PER_CHARACTER = 12
#: Room in a body for what is not the strings' characters: keys, punctuation, the other fields.
BODY_OVERHEAD_BYTES = 64 * 1024


def body_limit(characters: int) -> int:
    """Return the body size, in bytes, that a request whose strings may hold ``characters`` in all needs.

    MAX_CONTENT_LENGTH suits a comment; an endpoint whose fields take more (an article's text, the
    guidelines, a word list) raises the limit to this for its own request, or a text within its
    declared length could be refused as too large for being written in another alphabet.
    """
    return characters * BODY_BYTES_PER_CHARACTER + BODY_OVERHEAD_BYTES


def allow_body(characters: int) -> None:
    """Let this request's body be as large as ``body_limit(characters)`` (never less than configured)."""
    request.max_content_length = max(body_limit(characters), current_app.config["MAX_CONTENT_LENGTH"] or 0)


class TooLong(Invalid):
    status, code = 413, "too_long"


class MalformedJson(ApiError):
    status, code = 400, "invalid_json"


def has_visible_character(text: str) -> bool:
    """Return whether ``text`` shows at least one glyph.

    Zero-width spaces and joiners, other formatting characters, combining marks on nothing, Hangul
    fillers and the braille blank all render as blank space: a text of only those says nothing.
    """
    return any(not unicodedata.category(ch).startswith(_INVISIBLE_CATEGORIES) and ch not in BLANK_GLYPHS
               for ch in text)


def _is_refused_control(ch: str, multiline: bool) -> bool:
    category = unicodedata.category(ch)
    if category == "Cs":  # a lone surrogate: no encoding, and no database, can store it
        return True
    return category == "Cc" and not (multiline and ch in "\n\t")


def check_text(value: str, *, max_length: int | None, multiline: bool = False, visible: bool = True,
               bidi: bool = True, too_long_status: int = 422) -> str:
    """Return ``value`` stripped (line breaks as ``\\n``), or raise a pydantic error saying which rule it breaks.

    Control characters are refused rather than stripped, so that what is stored is what was typed.
    """
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    # Before stripping: str.strip() also removes some controls (U+0085, U+001C..U+001F), and
    # "alice\n" stripped would pass for "alice".
    if any(_is_refused_control(ch, multiline) for ch in value):
        raise PydanticCustomError("control_characters", "contains control characters; remove them and try again")
    value = value.strip()
    if not value:
        raise PydanticCustomError("missing_field", "is required")
    if max_length is not None and len(value) > max_length:
        raise PydanticCustomError("too_long", "is {length} characters long; the limit is {limit}",
                                  {"length": f"{len(value):,}", "limit": f"{max_length:,}", "status": too_long_status})
    if visible and not has_visible_character(value):
        raise PydanticCustomError("invisible_text", "has no visible character")
    if not bidi and any(ch in BIDI_CONTROLS for ch in value):
        raise PydanticCustomError("bidi_control", "contains bidirectional override or isolate characters")
    return value


def Text(max_length: int, *, multiline: bool = False, visible: bool = True, bidi: bool = True,
         pattern: re.Pattern | None = None, rule: str = "", too_long_status: int = 422):  # noqa: N802
    """Return a string type that goes through ``check_text`` (and ``pattern``, in full, if given)."""

    def validate(value: str) -> str:
        value = check_text(value, max_length=max_length, multiline=multiline, visible=visible, bidi=bidi,
                           too_long_status=too_long_status)
        if pattern is not None and not pattern.match(value):
            raise PydanticCustomError("pattern", rule or "is not in the expected form")
        return value

    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": max_length}
    if pattern is not None:
        schema["pattern"] = pattern.pattern
    return Annotated[str, AfterValidator(validate), WithJsonSchema(schema)]


#: A URL's scheme, authority and the rest (RFC 3986, appendix B, for URLs with an authority).
_URL_PARTS_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(.*)\Z", re.DOTALL)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def normalise_url(url: str) -> str:
    """Return ``url`` with its scheme and host in lower case, so that one address is stored one way.

    Scheme and host are case-insensitive (RFC 3986, 6.2.2.1): ``HTTPS://News.example.org/a`` is
    ``https://news.example.org/a``. Only ASCII letters are folded (the RFC's case; str.lower() would
    also lengthen some other letters). The user name, path, query and fragment are case-sensitive
    and kept as sent.
    """
    match = _URL_PARTS_RE.match(url)
    if match is None:
        return url
    scheme, authority, rest = match.groups()
    userinfo, at, host = authority.rpartition("@")
    return f"{scheme.translate(_ASCII_LOWER)}://{userinfo}{at}{host.translate(_ASCII_LOWER)}{rest}"


def _comment_limit() -> int:
    # The operator's limit in a request; the default where there is no app (a CLI without one).
    return current_app.config["COMMENT_MAX_LENGTH"] if current_app else Config.COMMENT_MAX_LENGTH


def _comment_body(value: str) -> str:
    try:
        return check_text(value, max_length=_comment_limit(), multiline=True, too_long_status=413)
    except PydanticCustomError as error:
        if error.type in ("missing_field", "invisible_text"):
            message = ("The comment is empty: write something first." if error.type == "missing_field"
                       else "The comment has no visible text: write something first.")
            raise PydanticCustomError("empty_body", message) from None
        raise


def _from_ascii_digits(value, info: ValidationInfo):
    """Read a form or query integer: ASCII digits only (``int()`` would take ``²``'s kin such as ``١``)."""
    if isinstance(value, str) and (info.context or {}).get("source") in ("query", "form"):
        text = value.strip()
        if not re.fullmatch(r"-?[0-9]{1,20}", text):
            raise PydanticCustomError("int_parsing", "must be a whole number written with the digits 0 to 9")
        return int(text)
    return value


def _from_flag(value, info: ValidationInfo):
    """Read a query or form flag: 1/true/0/false (or empty: false)."""
    if isinstance(value, str) and (info.context or {}).get("source") in ("query", "form"):
        flags = {"1": True, "true": True, "0": False, "false": False, "": False}
        if value.strip().lower() not in flags:
            raise PydanticCustomError("bool_parsing", "must be 1 or 0")
        return flags[value.strip().lower()]
    return value


def Integer(minimum: int, maximum: int):  # noqa: N802
    """Return an integer type in [minimum, maximum]; forms and queries may spell it in ASCII digits."""
    return Annotated[int, Field(ge=minimum, le=maximum), BeforeValidator(_from_ascii_digits)]


Id = Integer(1, ID_MAX)
Flag = Annotated[bool, BeforeValidator(_from_flag)]
Username = Text(30, pattern=USERNAME_RE, rule="is 3 to 30 letters, digits or underscores")
ArticleId = Text(100, pattern=ARTICLE_ID_RE, rule="is 1 to 100 letters, digits, '-' or '_'")
Email = Text(254, pattern=EMAIL_RE, rule="is not a valid email address")
DisplayName = Text(60, bidi=False)
CommentBody = Annotated[str, AfterValidator(_comment_body),
                        WithJsonSchema({"type": "string", "minLength": 1, "maxLength": Config.COMMENT_MAX_LENGTH})]


def _password(value: str) -> str:
    if any(_is_refused_control(ch, False) for ch in value):
        raise PydanticCustomError("control_characters", "contains control characters")
    if not PASSWORD_MIN_LENGTH <= len(value) <= PASSWORD_MAX_LENGTH:
        raise PydanticCustomError("password_length", "must be {low} to {high} characters",
                                  {"low": PASSWORD_MIN_LENGTH, "high": PASSWORD_MAX_LENGTH})
    return value


#: A password is kept as typed (spaces count), but never with control characters or surrogates.
Password = Annotated[str, AfterValidator(_password),
                     WithJsonSchema({"type": "string", "minLength": PASSWORD_MIN_LENGTH,
                                     "maxLength": PASSWORD_MAX_LENGTH})]


def _typed_password(value: str) -> str:
    # Never stripped: it is checked against the hash of the password as it was set, spaces and all.
    if any(_is_refused_control(ch, False) for ch in value):
        raise PydanticCustomError("control_characters", "contains control characters")
    if not value:
        raise PydanticCustomError("missing_field", "is required")
    if len(value) > TYPED_PASSWORD_MAX_LENGTH:
        raise PydanticCustomError("too_long", "is {length} characters long; the limit is {limit}",
                                  {"length": f"{len(value):,}", "limit": f"{TYPED_PASSWORD_MAX_LENGTH:,}"})
    return value


#: A password typed to be checked (signing in, the current one, a confirmation): exactly as typed,
#: bounded in size; none with control characters can have been set, so those are refused.
TypedPassword = Annotated[str, AfterValidator(_typed_password),
                          WithJsonSchema({"type": "string", "minLength": 1, "maxLength": TYPED_PASSWORD_MAX_LENGTH})]


class Schema(BaseModel):
    """A request schema: strict types, unknown fields ignored.

    ``error_codes`` maps a field to the error code (and optionally the status) the contract gives
    any of its errors, where a more specific one (``too_long``, ``control_characters``) does not apply.
    """

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    error_codes: ClassVar[dict[str, str | tuple[str, int]]] = {}
    #: A field's message, where the rule is better said in words than by the generic error.
    error_messages: ClassVar[dict[str, str]] = {}


#: Errors that say which rule broke, whatever the field: their code is the error's own.
_SPECIFIC = {"control_characters", "too_long", "empty_body", "invisible_text", "bidi_control", "nothing_to_change"}
_GENERIC_CODES = {"missing": "missing_field", "missing_field": "missing_field", "extra_forbidden": "unknown_field"}
#: Pydantic's words where they would not tell the client what to do.
_GENERIC_MESSAGES = {"extra_forbidden": "is not a field this request takes"}


def _first_error(model: type[Schema], error: ValidationError) -> Invalid:
    """Turn the first of a model's errors into one ``Invalid`` that names the field."""
    detail = error.errors(include_url=False)[0]
    loc = [str(part) for part in detail["loc"]]
    field = loc[0] if loc else None
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    status = ctx.get("status", 422)
    if kind in _SPECIFIC:
        code = kind
    elif field in model.error_codes:
        code = model.error_codes[field]
        if isinstance(code, tuple):
            code, status = code
    elif kind in _GENERIC_CODES:
        code = _GENERIC_CODES[kind]
    elif kind.endswith(("_type", "_parsing")) or kind in ("int_from_float", "is_instance_of"):
        code = "wrong_type"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than", "too_short"):
        code = "out_of_range"
    else:
        code = f"invalid_{field}" if field else "invalid"
    message = _GENERIC_MESSAGES.get(kind, detail["msg"])
    if kind not in _SPECIFIC and field in model.error_messages:
        message = model.error_messages[field]
    elif field and kind != "empty_body":
        message = f"'{'.'.join(loc)}' {message[0].lower()}{message[1:]}".rstrip(".") + "."
    cls = TooLong if status == 413 else Invalid
    return cls(message, code=code, status=status, payload={"field": field} if field else None)


def validate(model: type[Schema], data: dict, source: str):
    """Return ``data`` validated by ``model``, or raise the first error as ``Invalid``."""
    try:
        return model.model_validate(data, context={"source": source})
    except ValidationError as error:
        raise _first_error(model, error) from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def json_object() -> dict:
    """Return the request's JSON object, or raise a 400 saying why it is not one.

    Malformed JSON, ``NaN``, a document nested deeper than the parser's recursion limit, and any
    top-level value that is not an object all answer 400 ``invalid_json``.
    """
    if not request.is_json:
        raise MalformedJson("The body must be valid JSON with Content-Type: application/json.")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw, parse_constant=_refuse_constant) if raw.strip() else None
    except (ValueError, RecursionError):
        raise MalformedJson("The body must be valid JSON with Content-Type: application/json.") from None
    if not isinstance(data, dict):
        raise MalformedJson("The body must be a JSON object.")
    return data


def parse_json(model: type[Schema]):
    """Return the request's JSON body validated by ``model``."""
    return validate(model, json_object(), "json")


def _first_values(multidict) -> dict:
    """Return the first value of each key (as Flask does), leaving out empty ones: a blank field is an absent one."""
    return {key: value for key in multidict.keys() if (value := multidict.get(key)) != ""}


def _parse(model: type[Schema], multidict, source: str):
    """Return ``multidict`` validated by ``model`` (list fields take every value of their key)."""
    data = _first_values(multidict)
    for name, info in model.model_fields.items():
        if getattr(info.annotation, "__origin__", None) is list:
            data[name] = multidict.getlist(name)
    return validate(model, data, source)


def parse_query(model: type[Schema]):
    """Return the query string validated by ``model``."""
    return _parse(model, request.args, "query")


def parse_form(model: type[Schema]):
    """Return the HTML form validated by ``model``."""
    return _parse(model, request.form, "form")


def _blank_to_none(value):
    # Only plain blanks: a value of other characters that strip() drops (U+0085) is still refused.
    return None if isinstance(value, str) and not value.strip(" \t\r\n") else value


def OptionalText(text_type):  # noqa: N802
    """Return ``text_type`` or None, where a blank string counts as None (an optional field left empty)."""
    return Annotated[text_type | None, BeforeValidator(_blank_to_none)]


class _CommentBodyOnly(Schema):
    body: CommentBody
    error_codes = {"body": "invalid_body"}


def clean_body(raw) -> str:
    """Return a comment body fit to store, or raise ``Invalid`` (413 ``too_long`` beyond the limit)."""
    return validate(_CommentBodyOnly, {"body": raw}, "json").body
