"""Create and upgrade the database schema with Alembic, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.environment import NameFilterParentNames
from alembic.environment import NameFilterType
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .extensions import db
from .practices import models
from .rooms import models as room_models

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


#: The PostgreSQL advisory lock that makes two ``init-db`` runs take turns.
MIGRATION_LOCK = 0x53505654  # "SPVT"


def upgrade(revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the latest by default); safe to run again.

    On PostgreSQL, machines that run it at once take turns: the second one finds
    the schema already upgraded (its DDL is transactional, and so is this lock).
    """
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def include_name(
    name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames
) -> bool:
    """Tell Alembic's comparisons to leave out what the full-text search DDL adds.

    That DDL (practices/models.py, rooms/models.py) builds FTS5 tables on SQLite
    and tsvector columns with their indexes on PostgreSQL, which no model maps;
    autogenerate would otherwise offer to drop them.
    """
    if type_ == "table":
        return not (name or "").startswith(
            (models.UNMAPPED_SEARCH_TABLE_PREFIX, room_models.MESSAGE_FTS_TABLE)
        )
    if type_ == "column":
        column = (parent_names.get("table_name"), name)
        return (
            column not in models.UNMAPPED_SEARCH_COLUMNS
            and column not in room_models.UNMAPPED_MESSAGE_SEARCH_COLUMNS
        )
    if type_ == "index":
        return (
            name not in models.UNMAPPED_SEARCH_INDEXES
            and name not in room_models.UNMAPPED_MESSAGE_SEARCH_INDEXES
        )
    return True
