"""SQL that SQLAlchemy spells differently per database."""
from sqlalchemy.dialects import postgresql, sqlite

from forum.extensions import db


def _dialect():
    return postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite


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
