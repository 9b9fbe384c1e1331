"""Keyset pagination: an opaque cursor and the WHERE clause that continues after it.

One helper serves threads, profiles, feeds, notifications and the queue.
"""
import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Annotated

from flask import current_app
from pydantic import Field, WithJsonSchema
from sqlalchemy import and_, or_

from forum.config import Config
from forum.errors import ApiError
from forum.validation import ID_MAX, Integer, Schema, parse_query

#: Longer than any cursor this server gives out (a few keys of at most a timestamp each).
CURSOR_MAX_LENGTH = 512
BAD_CURSOR_MESSAGE = "The cursor is not one this server gave out; start again without it."


class BadCursor(ApiError):
    status, code = 400, "bad_cursor"


@dataclass(frozen=True)
class Key:
    """One ordering column: the SQL expression, its direction, and how to read it off a row."""

    column: object
    descending: bool
    attribute: str


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _encode(values) -> str:
    plain = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _typed(value, kind: type):
    """Return ``value`` as a value of the key's type, or raise ValueError: a cursor is untrusted input.

    Without this a forged cursor puts a string, a float or an integer beyond BIGINT where the
    database expects another type, and PostgreSQL answers with an error instead of a page. Integer
    keys are INTEGER columns: 32 bits.
    """
    if kind is datetime:
        if not isinstance(value, dict) or set(value) != {"t"} or not isinstance(value["t"], str) \
                or len(value["t"]) > 32:
            raise ValueError
        moment = datetime.fromisoformat(value["t"])
        if moment.tzinfo is not None:  # every column stores naive UTC
            raise ValueError
        return moment
    if isinstance(value, bool):
        raise ValueError
    if kind is int:
        if not isinstance(value, int) or not -ID_MAX - 1 <= value <= ID_MAX:
            raise ValueError
        return value
    if kind is float:
        if not isinstance(value, int | float) or not math.isfinite(value) or abs(value) > 1e15:
            raise ValueError
        return float(value)
    if not isinstance(value, str) or len(value) > CURSOR_MAX_LENGTH:
        raise ValueError
    return value


def cursor_after(item, keys: list[Key]) -> str:
    """Return the cursor that continues the ordering ``keys`` after ``item`` (an entity or a row)."""
    return _encode([getattr(item, k.attribute) for k in keys])


def _key_type(key: Key) -> type:
    try:
        kind = key.column.type.python_type
    except NotImplementedError:
        return str
    return kind if kind in (datetime, int, float) else str


def _decode(cursor: str, keys: list[Key]) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
        plain = json.loads(raw, parse_constant=_refuse)
        if not isinstance(plain, list) or len(plain) != len(keys):
            raise ValueError
        return [_typed(value, _key_type(key)) for value, key in zip(plain, keys, strict=True)]
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError, binascii.Error):
        raise BadCursor(BAD_CURSOR_MESSAGE) from None


def _refuse(name: str):
    raise ValueError(name)


#: What every paged list and page accepts. ``limit`` is bounded by the documented maximum; an
#: operator's lower PAGE_SIZE_MAX still applies, as a cap.
Cursor = Annotated[str, Field(max_length=CURSOR_MAX_LENGTH),
                   WithJsonSchema({"type": "string", "maxLength": CURSOR_MAX_LENGTH,
                                   "description": "next_cursor of the previous page"})]


class PageQuery(Schema):
    """``?cursor=`` and ``?limit=`` of a keyset-paged list."""

    cursor: Cursor | None = None
    limit: Integer(1, Config.PAGE_SIZE_MAX) | None = None
    error_codes = {"cursor": ("bad_cursor", 400), "limit": "bad_limit"}
    error_messages = {"cursor": BAD_CURSOR_MESSAGE,
                      "limit": f"'limit' must be a whole number from 1 to {Config.PAGE_SIZE_MAX}."}

    def page(self) -> dict:
        """Return the keyword arguments of a paged query."""
        default, ceiling = current_app.config["PAGE_SIZE"], current_app.config["PAGE_SIZE_MAX"]
        return {"cursor": self.cursor or None, "limit": min(self.limit or default, ceiling)}


def page_args() -> dict:
    """Read ``?cursor=`` and ``?limit=`` from the request, as keyword arguments for a paged query."""
    return parse_query(PageQuery).page()


def _after(keys: list[Key], values: list, *, before: bool = False):
    """Return the condition "comes after ``values``" for a mixed-direction ordering (``before``:
    "comes before" them).

    The first key's bound is repeated outside the OR so that it is an index range: without it
    SQLite may answer with a multi-index OR plan that reads every row before the cursor.
    """
    clauses = []
    for i, key in enumerate(keys):
        equal = [k.column == v for k, v in zip(keys[:i], values[:i], strict=True)]
        downwards = key.descending != before
        beyond = key.column < values[i] if downwards else key.column > values[i]
        clauses.append(and_(*equal, beyond))
    first = keys[0]
    bound = first.column <= values[0] if first.descending != before else first.column >= values[0]
    return and_(bound, or_(*clauses))


def ordered_rows(stmt, keys: list[Key], *, cursor: str | None, count: int, session, before=None) -> list:
    """Run ``stmt`` ordered by ``keys`` from ``cursor``; return at most ``count`` of its entities or rows.

    ``before``: an item (an entity or a row with the keys' attributes); only what comes before it.
    """
    if cursor:
        stmt = stmt.where(_after(keys, _decode(cursor, keys)))
    if before is not None:
        stmt = stmt.where(_after(keys, [getattr(before, k.attribute) for k in keys], before=True))
    stmt = stmt.order_by(*(k.column.desc() if k.descending else k.column.asc() for k in keys))
    result = session.execute(stmt.limit(count)).unique()
    return list(result) if len(stmt.column_descriptions) > 1 else list(result.scalars())


def in_key_order(items: list, keys: list[Key]) -> list:
    """Return ``items`` (entities or rows with the keys' attributes) sorted by ``keys``, in Python."""
    ordered = list(items)
    for key in reversed(keys):  # stable sorts, the least significant key first
        ordered.sort(key=attrgetter(key.attribute), reverse=key.descending)
    return ordered


def page_of(items: list, keys: list[Key], limit: int) -> Page:
    """Return the first ``limit`` of ``items`` (in key order, and more than ``limit`` when the list
    goes on) as a page, with the cursor after it when it does."""
    more = len(items) > limit
    items = items[:limit]
    return Page(items, cursor_after(items[-1], keys) if more else None)


def paginate(stmt, keys: list[Key], *, cursor: str | None, limit: int, session) -> Page:
    """Run ``stmt`` ordered by ``keys`` from ``cursor``; return one page and the next cursor.

    ``stmt`` selects one entity (the page holds entities), or an entity with labelled columns (the
    page holds rows, and a key's ``attribute`` may name a label, for an ordering computed in SQL).
    The last key must be unique (the primary key) so that no row is skipped or repeated.
    """
    return page_of(ordered_rows(stmt, keys, cursor=cursor, count=limit + 1, session=session), keys, limit)
