"""SQL that SQLAlchemy spells differently per database, and what keeps SQLite's planner informed."""
import logging
import sqlite3
import time

from sqlalchemy import any_, bindparam, event
from sqlalchemy.dialects import postgresql, sqlite

from forum.extensions import db

log = logging.getLogger(__name__)


def dialect_name() -> str:
    """Return the name of the session's database: ``postgresql`` or ``sqlite``."""
    return db.session.get_bind().dialect.name


def _dialect():
    return postgresql if dialect_name() == "postgresql" else sqlite


def among(column, values):
    """Return the condition ``column IN values``: on PostgreSQL ``column = ANY(:values)``, one array.

    An IN list is a placeholder per value. psycopg parses a statement's placeholders again on every
    run once it holds more than 50 of them (its cache's limit), and SQLAlchemy renders the list
    anew for each length: a thread page's hundreds of ids cost a few milliseconds of a read that way.
    """
    values = list(values)
    if _dialect() is postgresql:
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def among_parameter(column, key: str, dialect: str):
    """Return ``among`` for a statement made once: the values are the parameter ``key``, given when it runs."""
    if dialect == "postgresql":
        return column == any_(bindparam(key, type_=postgresql.ARRAY(column.type)))
    return column.in_(bindparam(key, expanding=True))


def insert_if_absent(model, **values) -> bool:
    """Insert a row unless one with the same key exists; return whether it was inserted.

    ``ON CONFLICT DO NOTHING`` makes "follow", "mute" and "like" idempotent even when two requests
    race, without a failed statement aborting the transaction.
    """
    stmt = _dialect().insert(model.__table__).values(**values).on_conflict_do_nothing()
    # RETURNING answers a row only when one was inserted; rowcount is not reliable here on psycopg.
    inserted = db.session.execute(stmt.returning(*model.__table__.primary_key.columns)).first()
    return inserted is not None


def upsert(model, **values) -> None:
    """Insert a row, or give the row with the same primary key the other ``values``.

    ``ON CONFLICT DO UPDATE``: two requests writing the same row at once both succeed, the later wins.
    """
    keys = [column.name for column in model.__table__.primary_key.columns]
    stmt = _dialect().insert(model.__table__).values(**values)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=keys, set_={name: stmt.excluded[name] for name in values if name not in keys}))


#: How long a pooled SQLite connection goes between checks of its statistics; SQLite advises that
#: a long-lived connection run PRAGMA optimize every few hours, and at close.
STATISTICS_CHECK_SECONDS = 3600


def _optimize(dbapi_connection) -> None:
    """Let SQLite refresh the statistics of the tables this connection used, if they are stale.

    On SQLite 3.40 ``PRAGMA optimize`` runs ANALYZE on a table the connection's queries used only
    when it has no statistics or has grown 25-fold since its last: almost always a no-op, and a
    full ANALYZE (no analysis_limit, which would leave SQLite a few hundred rows per status and
    article to plan with) when not: 0.8 s at 1,000,000 comments, a handful of times in a database's
    life.
    """
    try:
        dbapi_connection.execute("PRAGMA optimize")
    except sqlite3.Error as error:  # locked by another writer, or the connection is gone
        log.warning("PRAGMA optimize failed: %s", error)


def _on_connect(dbapi_connection, record) -> None:
    record.info["statistics_checked"] = time.monotonic()


def _on_checkin(dbapi_connection, record) -> None:
    now = time.monotonic()
    if dbapi_connection is not None and now - record.info.get("statistics_checked", now) >= STATISTICS_CHECK_SECONDS:
        record.info["statistics_checked"] = now
        _optimize(dbapi_connection)


def _on_close(dbapi_connection, record) -> None:
    _optimize(dbapi_connection)


def init_app(app) -> None:
    """Keep the statistics of the app's SQLite databases fresh, so the planner keeps choosing the
    indexes that walk a thread in order: PRAGMA optimize when a connection closes, and hourly on
    one that lives on. (PostgreSQL's autovacuum analyzes; migrations/env.py analyzes SQLite after
    an upgrade.)"""
    with app.app_context():
        engines = [engine for engine in db.engines.values() if engine.dialect.name == "sqlite"]
    for engine in engines:
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "checkin", _on_checkin)
        event.listen(engine, "close", _on_close)
