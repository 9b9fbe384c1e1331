"""The database benchmarks' own PostgreSQL databases (made afresh for a run, dropped after it),
the loop over the backends, and the options they share."""
import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import psycopg

#: The server's admin connection (PARLEY_BENCH_PG): benchmarks create and drop their databases there.
PG_ADMIN_URL = os.environ.get("PARLEY_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def fresh_database(name: str) -> str:
    """Drop the database ``name`` if it is there, create it empty, and return its URL.

    The URL is a plain ``postgresql://`` one: psycopg takes it as it is, and Parley's configuration
    points it at psycopg 3 itself.
    """
    drop_database(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(name: str) -> None:
    """Drop the database ``name``, closing whatever connections it still has."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def on_backends(backend: str, name: str, run: Callable[[str], dict]) -> dict:
    """Return ``{"SQLite": run(url), "PostgreSQL": run(url)}`` for ``backend`` (sqlite, postgresql
    or both): SQLite in a temporary file, PostgreSQL in the database ``name``, dropped after."""
    results = {}
    if backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            results["SQLite"] = run(f"sqlite:///{folder}/bench.sqlite3")
    if backend in ("postgresql", "both"):
        try:
            results["PostgreSQL"] = run(fresh_database(name))
        finally:
            drop_database(name)
    return results


def backend_options(description: str, model_help: str | None = None) -> argparse.ArgumentParser:
    """Return a parser of ``--backend`` and ``--runs``, and of ``--model`` (``model_help`` says
    what the model is for) when the benchmark scores."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    if model_help is not None:
        parser.add_argument("--model", default=os.environ.get("MODERATION_MODEL_PATH", "instance/model.skops"),
                            help=model_help)
    parser.add_argument("--runs", type=int, default=30)
    return parser


def require_model(path: str) -> None:
    """Exit with what to do when there is no model artifact at ``path``."""
    if not Path(path).is_file():
        sys.exit(f"No model at {path}: run `flask --app wsgi moderation train` or pass --model.")
