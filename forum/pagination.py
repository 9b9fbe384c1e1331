"""Keyset pagination: an opaque cursor and the WHERE clause that continues after it.

One helper serves threads, profiles, feeds, notifications and the queue.
"""
import base64
import json
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, request
from sqlalchemy import and_, or_

from forum.errors import ApiError


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


def _decode(cursor: str, size: int) -> list:
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(plain, list) or len(plain) != size:
            raise ValueError
        return [datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in plain]
    except (ValueError, TypeError, KeyError):
        raise BadCursor("The cursor is not one this server gave out; start again without it.") from None


def cursor_after(item, keys: list[Key]) -> str:
    """Return the cursor that continues the ordering ``keys`` after ``item`` (an entity or a row)."""
    return _encode([getattr(item, k.attribute) for k in keys])


def page_limit(raw) -> int:
    """Read ``?limit=`` within the configured bounds."""
    default, ceiling = current_app.config["PAGE_SIZE"], current_app.config["PAGE_SIZE_MAX"]
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ApiError("limit must be a whole number.", code="bad_limit") from None
    if value < 1:
        raise ApiError("limit must be at least 1.", code="bad_limit")
    return min(value, ceiling)


def page_args() -> dict:
    """Read ``?cursor=`` and ``?limit=`` from the request, as keyword arguments for a paged query."""
    return {"cursor": request.args.get("cursor"), "limit": page_limit(request.args.get("limit"))}


def _after(keys: list[Key], values: list):
    """Return the condition "comes after ``values``" for a mixed-direction ordering.

    The first key's bound is repeated outside the OR so that it is an index range: without it
    SQLite may answer with a multi-index OR plan that reads every row before the cursor.
    """
    clauses = []
    for i, key in enumerate(keys):
        equal = [k.column == v for k, v in zip(keys[:i], values[:i], strict=True)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(and_(*equal, beyond))
    first = keys[0]
    bound = first.column <= values[0] if first.descending else first.column >= values[0]
    return and_(bound, or_(*clauses))


def paginate(stmt, keys: list[Key], *, cursor: str | None, limit: int, session) -> Page:
    """Run ``stmt`` ordered by ``keys`` from ``cursor``; return one page and the next cursor.

    ``stmt`` selects one entity (the page holds entities), or an entity with labelled columns (the
    page holds rows, and a key's ``attribute`` may name a label, for an ordering computed in SQL).
    The last key must be unique (the primary key) so that no row is skipped or repeated.
    """
    if cursor:
        stmt = stmt.where(_after(keys, _decode(cursor, len(keys))))
    stmt = stmt.order_by(*(k.column.desc() if k.descending else k.column.asc() for k in keys))
    result = session.execute(stmt.limit(limit + 1)).unique()
    rows = list(result) if len(stmt.column_descriptions) > 1 else list(result.scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = cursor_after(rows[-1], keys) if more else None
    return Page(rows, next_cursor)
