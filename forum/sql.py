"""SQL that SQLAlchemy spells differently per database."""
from sqlalchemy.dialects import postgresql, sqlite

from forum.extensions import db


def insert_if_absent(model, **values) -> bool:
    """Insert a row unless one with the same key exists; return whether it was inserted.

    ``ON CONFLICT DO NOTHING`` makes "follow", "mute" and "like" idempotent even when two requests
    race, without a failed statement aborting the transaction.
    """
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model.__table__).values(**values).on_conflict_do_nothing()
    # RETURNING answers a row only when one was inserted; rowcount is not reliable here on psycopg.
    inserted = db.session.execute(stmt.returning(*model.__table__.primary_key.columns)).first()
    return inserted is not None
