"""Migrations: an empty database upgrades to exactly the schema the models describe."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from exchange import create_app
from exchange import schema
from exchange.db import database_url
from exchange.extensions import db
from exchange.models import metadata

from .support.databases import create_schema
from .support.databases import postgresql_database
from .support.services import POSTGRESQL_URL
from .support.services import require


def _triggers(url: str) -> list[tuple[str, ...]]:
    """Every trigger of a database, as the database itself describes it."""
    engine = sa.create_engine(database_url(url))
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            else:
                query = (
                    "SELECT t.tgname, pg_get_triggerdef(t.oid), p.prosrc FROM pg_trigger t "
                    "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal ORDER BY t.tgname"
                )
            return [tuple(row) for row in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


def _upgrade_and_compare(url: str, tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        assert schema.current_revision() is None
        schema.upgrade()
        assert schema.current_revision() == schema.head_revision()
        schema.upgrade()  # running it again changes nothing
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_name": schema.include_name}
            )
            differences = compare_metadata(context, metadata)
        assert differences == []
        db.engine.dispose()


def test_migrations_build_the_model_schema_on_sqlite(tmp_path):
    migrated = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    _upgrade_and_compare(migrated, tmp_path)
    modelled = f"sqlite:///{tmp_path / 'modelled.sqlite3'}"
    create_schema(modelled)
    assert _triggers(migrated) == _triggers(modelled) != []


@pytest.mark.postgresql
def test_migrations_build_the_model_schema_on_postgresql(tmp_path):
    require("PostgreSQL", POSTGRESQL_URL, 5432)
    with postgresql_database() as migrated, postgresql_database() as modelled:
        _upgrade_and_compare(migrated, tmp_path)
        create_schema(modelled)
        assert _triggers(migrated) == _triggers(modelled) != []


def test_init_db_command_reports_what_it_did(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
        }
    )
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert "upgraded from empty" in first.output
    again = runner.invoke(args=["init-db"])
    assert "up to date" in again.output


@pytest.mark.postgresql
def test_two_machines_upgrading_at_once_take_turns(tmp_path):
    """Two init-db runs at once on PostgreSQL: both succeed, the schema is built once."""
    import threading

    require("PostgreSQL", POSTGRESQL_URL, 5432)
    with postgresql_database() as url:
        apps = [
            create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
            for _ in range(2)
        ]
        start, errors = threading.Barrier(2), []

        def upgrade(app):
            with app.app_context():
                start.wait()
                try:
                    schema.upgrade()
                except Exception as error:  # noqa: BLE001 - reported below
                    errors.append(error)
                finally:
                    db.engine.dispose()

        threads = [threading.Thread(target=upgrade, args=(app,)) for app in apps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        with apps[0].app_context():
            assert schema.current_revision() == schema.head_revision()
            db.engine.dispose()
