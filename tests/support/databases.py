"""Throwaway databases for tests: a SQLite file per test, one PostgreSQL database per run."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import sqlalchemy as sa

from exchange.db import database_url
from exchange.models import metadata
from exchange.rooms.models import RoomVersion

from .services import POSTGRESQL_URL


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


@contextmanager
def postgresql_database() -> Iterator[str]:
    """Create a fresh PostgreSQL database for this test run, and drop it afterwards."""
    name = f"exchange_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(database_url(POSTGRESQL_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = _with_database(POSTGRESQL_URL, name)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def create_schema(url: str) -> None:
    engine = sa.create_engine(database_url(url))
    metadata.create_all(engine)
    engine.dispose()


class SQLiteTemplate:
    """An empty SQLite database with the schema, made once and copied for each test.

    Creating the schema costs a quarter of a second; copying the file, a millisecond.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.sqlite3"

    def copy_to(self, path: Path) -> str:
        if not self.path.exists():
            create_schema(f"sqlite:///{self.path}")
        shutil.copyfile(self.path, path)
        return f"sqlite:///{path}"


_engines: dict[str, sa.Engine] = {}


def empty_tables(url: str) -> None:
    """Remove every row and restart every used sequence, so each test starts from nothing.

    One query finds the tables a test wrote to; only those are emptied, children before
    parents, with DELETE: truncating every table cost a third of a second per test, as
    TRUNCATE makes new files for each table however few rows it held.
    """
    if url not in _engines:
        _engines[url] = sa.create_engine(database_url(url), poolclass=sa.pool.NullPool)
    tables = [table.name for table in metadata.sorted_tables]
    holding_rows = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables
    )
    with _engines[url].begin() as connection:
        used = set(connection.execute(sa.text(holding_rows)).scalars())
        sequences = connection.execute(
            sa.text(
                "SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL"
            )
        ).all()
        # The audit log refuses to be emptied; tests, and only tests, switch that off.
        trigger = "TRIGGER audit_log_append_only"
        if "audit_log" in used:
            connection.execute(sa.text(f"ALTER TABLE audit_log DISABLE {trigger}"))
        for name in reversed(tables):
            if name in used:
                connection.execute(sa.text(f'DELETE FROM "{name}"'))
        if used:  # what the others' triggers wrote while they were emptied
            connection.execute(sa.text(f'DELETE FROM "{RoomVersion.__tablename__}"'))
        if "audit_log" in used:
            connection.execute(sa.text(f"ALTER TABLE audit_log ENABLE {trigger}"))
        for schema, sequence in sequences:
            connection.execute(sa.text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))
