"""Throwaway databases for tests: a SQLite file per test, one PostgreSQL database per run."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import sqlalchemy as sa

from exchange.db import database_url
from exchange.models import metadata

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


def empty_tables(url: str) -> None:
    """Remove every row and restart ids, so each test starts from nothing."""
    engine = sa.create_engine(database_url(url))
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        # The audit log refuses to be emptied; tests, and only tests, switch that off.
        connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        connection.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    engine.dispose()
