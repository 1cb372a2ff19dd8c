"""The declarative base, shared column shapes, the Hideable mixin and database helpers.

Every model derives from :class:`Base`. Constraint names follow one convention so
that Alembic migrations are identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from pathlib import Path
from typing import Annotated
from typing import Any
from typing import cast
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask import g
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import declared_attr
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

if TYPE_CHECKING:
    from .accounts.models import User

logger = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Store aware datetimes as UTC and always read them back aware.

    SQLite has no time zone type and returns naive values; PostgreSQL returns
    aware ones. This type makes both behave the same for the application.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC value")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Base of every model: naming convention and type map."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        dict[str, str]: sa.JSON(),
        dict[str, Any]: sa.JSON(),
        list[str]: sa.JSON(),
    }


class Hideable:
    """Fields of content that moderators can hide: never deleted, only taken out of view.

    ``hidden_by_author`` marks content its own author withdrew.
    """

    hidden_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(500))
    hidden_by_author: Mapped[bool] = mapped_column(default=False)

    @declared_attr
    def hidden_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("users.id"))

    @declared_attr
    def hidden_by(cls) -> Mapped[User | None]:
        return relationship(foreign_keys=[cls.hidden_by_id])  # type: ignore[list-item]

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @classmethod
    def visible(cls) -> Any:
        """The filter every ordinary read applies."""
        return cls.hidden_at.is_(None)


def enum_type(enum_class: type[enum.Enum], length: int = 40) -> sa.Enum:
    """Store an enum by its value ("delegate"), as a plain string on every database."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


intpk = Annotated[int, mapped_column(primary_key=True)]
created_at = Annotated[dt.datetime, mapped_column(default=utcnow)]
slug_str = Annotated[str, mapped_column(sa.String(80), unique=True)]
short_str = Annotated[str, mapped_column(sa.String(200))]


def is_postgresql(session_or_bind: Any) -> bool:
    """Tell whether a session or engine talks to PostgreSQL."""
    bind = session_or_bind.get_bind() if hasattr(session_or_bind, "get_bind") else session_or_bind
    return bool(bind.dialect.name == "postgresql")


def read_core(statement: sa.Executable, parameters: dict[str, Any] | None = None) -> Any:
    """Run a Core statement on the session's connection, past the ORM: a hot path's read.

    For the statements every chat event runs (built once, with bound parameters,
    so SQLAlchemy finds them compiled in its cache), going through
    ``Session.execute`` costs twice what the connection does, and building the
    statement anew costs as much again. The read sees the session's transaction.
    """
    from .extensions import db  # extensions.py builds on this module

    return db.session.connection().execute(statement, parameters or {})


def changed_rows(result: sa.Result[Any]) -> int:
    """Return how many rows an UPDATE or DELETE statement matched.

    ``Session.execute`` is typed to return a ``Result``; for these statements it
    is a ``CursorResult``, the class that knows the row count.
    """
    return cast("sa.CursorResult[Any]", result).rowcount


class Database:
    """Bind one engine per application and one session per application context.

    Every HTTP request, Socket.IO event, CLI command and background task runs
    inside its own application context, so each gets its own session, closed
    when the context ends. Nothing here is created at import time.
    """

    extension_key = "exchange.db"

    def init_app(self, app: Any) -> None:
        url = database_url(app.config["DATABASE_URL"])
        options: dict[str, Any] = {"future": True}
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = Path(url.database)
            if not path.is_absolute():  # relative SQLite paths live in the instance folder
                path = Path(app.instance_path) / path
                path.parent.mkdir(parents=True, exist_ok=True)
                url = url.set(database=str(path))
        if url.get_backend_name() == "sqlite":
            options["connect_args"] = {"timeout": app.config["SQLITE_BUSY_TIMEOUT"]}
        else:
            lock_ms = int(app.config["DATABASE_LOCK_TIMEOUT_MS"])
            statement_ms = int(app.config["DATABASE_STATEMENT_TIMEOUT_MS"])
            options.update(
                # Check a pooled connection before use, so a restarted server is
                # reconnected to instead of failing the next request.
                pool_pre_ping=True,
                pool_size=app.config["DATABASE_POOL_SIZE"],
                pool_timeout=10,
                connect_args={
                    "connect_timeout": 5,
                    # A blocked lock or a runaway query fails (and is retried by
                    # the client) instead of holding a connection forever.
                    "options": f"-c lock_timeout={lock_ms} -c statement_timeout={statement_ms}",
                },
            )
        engine = sa.create_engine(url, **options)
        if url.get_backend_name() == "sqlite":
            synchronous = app.config["SQLITE_SYNCHRONOUS"]
            sa.event.listen(
                engine,
                "connect",
                lambda conn, record: _configure_sqlite_connection(conn, synchronous),
            )
        factory = sa.orm.sessionmaker(bind=engine, expire_on_commit=False)
        app.extensions[self.extension_key] = _DatabaseState(engine, factory)
        app.teardown_appcontext(self._close_session)

    @staticmethod
    def _state() -> _DatabaseState:
        return cast(_DatabaseState, current_app.extensions[Database.extension_key])

    @property
    def engine(self) -> sa.Engine:
        return self._state().engine

    @property
    def session(self) -> sa.orm.Session:
        session: sa.orm.Session | None = g.get("_db_session")
        if session is None:
            session = g._db_session = self._state().factory()
        return session

    @staticmethod
    def _close_session(exc: BaseException | None) -> None:
        session = g.pop("_db_session", None)
        if session is not None:
            session.close()


#: PostgreSQL drivers that wait through eventlet's or gevent's hub (psycopg2 with
#: psycogreen, patched in wsgi.py). psycopg 3 does its I/O inside libpq, out of
#: the hub's reach, so one slow query would stall every connection of a process.
COOPERATIVE_POSTGRESQL_DRIVER = "postgresql+psycopg2"


def database_url(url: str) -> sa.URL:
    """Parse a database URL, choosing the cooperative PostgreSQL driver.

    ``postgresql://`` (which SQLAlchemy 2.1 maps to psycopg 3) and
    ``postgresql+psycopg://`` both become ``postgresql+psycopg2://``.
    """
    parsed = sa.make_url(url)
    if parsed.drivername in {"postgresql", "postgres", "postgresql+psycopg"}:
        if parsed.drivername == "postgresql+psycopg":
            logger.warning(
                "using psycopg2 instead of psycopg 3 for %s: psycopg 3 blocks the event loop",
                parsed.render_as_string(hide_password=True),
            )
        parsed = parsed.set(drivername=COOPERATIVE_POSTGRESQL_DRIVER)
    return parsed


class _DatabaseState:
    def __init__(self, engine: sa.Engine, factory: sa.orm.sessionmaker[sa.orm.Session]) -> None:
        self.engine = engine
        self.factory = factory


def _configure_sqlite_connection(dbapi_connection: Any, synchronous: str) -> None:
    """Turn on WAL, foreign keys and the configured sync level for a SQLite connection.

    WAL lets readers work while one writer commits. ``synchronous=FULL`` (the
    default) makes every commit survive a power loss; ``NORMAL`` survives an
    application crash only, and is faster.
    """
    if synchronous not in {"FULL", "NORMAL"}:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be FULL or NORMAL, not {synchronous!r}")
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
