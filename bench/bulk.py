"""Loading a benchmark's made-up rows straight into a migrated database, past the app: millions of
comments in seconds. The secondary indexes are dropped for the load and built once after it; the
triggers on comments stay and keep each article's published_count as the rows go in (on PostgreSQL
once per COPY), so the counts are right after it."""
import sqlite3
from datetime import datetime

import psycopg


def _sqlite_value(value):
    # The format SQLAlchemy stores, so that text comparison orders times correctly.
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value


def load_sqlite(path: str, data: dict, columns: dict, *, analyze: bool) -> None:
    """Insert ``data`` (table -> rows, in the order of ``columns[table]``) into the SQLite file
    ``path``; with ``analyze``, leave it the statistics of a full ANALYZE."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'").fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    for table, rows in data.items():
        marks = ", ".join("?" * len(columns[table].split(",")))
        conn.executemany(f"INSERT INTO {table} ({columns[table]}) VALUES ({marks})",
                         (tuple(_sqlite_value(v) for v in row) for row in rows))
    for _, sql in indexes:
        conn.execute(sql)
    conn.commit()
    if analyze:
        conn.execute("ANALYZE")
    conn.close()


def load_postgres(url: str, data: dict, columns: dict) -> None:
    """COPY ``data`` (table -> rows, in the order of ``columns[table]``) into the database ``url``,
    move the id sequences past the loaded ids, and VACUUM ANALYZE as autovacuum would."""
    with psycopg.connect(url) as conn:
        indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_%'").fetchall()
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        for table, rows in data.items():
            with conn.cursor().copy(f"COPY {table} ({columns[table]}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        for _, sql in indexes:
            conn.execute(sql)
        for table in data:
            if columns[table].startswith("id,"):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
