"""Chat messages, and who is connected to which room right now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import created_at
from ..db import Hideable
from ..db import intpk
from ..files.models import StoredFile

if TYPE_CHECKING:
    from ..accounts.models import LoginSession
    from ..accounts.models import User
    from ..event.models import Room
    from ..practices.models import Practice


class Message(Hideable, Base):
    """A chat message. ``body`` is what the author typed; ``body_html`` is derived and safe.

    Within a room, ids grow in commit order (see rooms.services.post_message),
    which is what lets a client ask for everything ``after`` the last id it saw.
    """

    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("author_id", "client_id"),
        sa.Index("ix_messages_room_id_id", "room_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[intpk]
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: Chosen by the sending client so that a retried send stores one message.
    client_id: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    #: The language the author wrote in (ISO 639-1), if they said; pages mark it up.
    language: Mapped[str | None] = mapped_column(sa.String(8))
    #: The best practice this message is about ("share to room"), if any.
    practice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    #: The message of the same room this one answers, if any.
    reply_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messages.id"), index=True)
    created_at: Mapped[created_at]
    #: A moderator or organizer wrote ``@room`` (or ``@all``): everyone who follows it is told.
    mentions_room: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: When its author last changed its words (earlier bodies: MessageRevision).
    edited_at: Mapped[dt.datetime | None]

    room: Mapped[Room] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    practice: Mapped[Practice | None] = relationship()
    #: In the order they were first given (rooms.schemas.reactions_json groups them).
    reactions: Mapped[list[Reaction]] = relationship(
        order_by=lambda: [Reaction.created_at, Reaction.user_id],
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    reply_to: Mapped[Message | None] = relationship(
        remote_side="Message.id", foreign_keys=[reply_to_id]
    )
    #: Its attached files in order, hidden ones too: readers filter (rooms/schemas.py).
    files: Mapped[list[StoredFile]] = relationship(
        primaryjoin="and_(StoredFile.owner_type == 'message', "
        "foreign(StoredFile.owner_id) == Message.id)",
        order_by=[StoredFile.position, StoredFile.id],
        viewonly=True,
    )
    #: Every person told of this message by a mention, ``@room`` included.
    mention_rows: Mapped[list[Mention]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True
    )
    #: The people named in it (what the Message's ``mentions`` lists), not ``@room``'s many.
    named: Mapped[list[Mention]] = relationship(
        primaryjoin="and_(Message.id == Mention.message_id, Mention.by_name)",
        order_by="Mention.id",
        viewonly=True,
    )


class Mention(Base):
    """One person told of one message: named in it (``@Elena Conti``) or by ``@room``.

    Whether it is read follows the person's read position in the room, so reading
    the room clears its mentions on every device at once.
    """

    __tablename__ = "mentions"
    __table_args__ = (
        sa.UniqueConstraint("message_id", "user_id"),
        sa.Index("ix_mentions_user_id_room_id_message_id", "user_id", "room_id", "message_id"),
    )

    id: Mapped[intpk]
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: The message's room, kept here so that counting a person's mentions per room is one index.
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"))
    #: True when the person was named; False when ``@room`` told them.
    by_name: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]

    message: Mapped[Message] = relationship(back_populates="mention_rows")


class Reaction(Base):
    """One person's emoji on one message (rooms.services.react toggles it)."""

    __tablename__ = "reactions"

    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    #: One emoji grapheme, as the client sent it.
    emoji: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    created_at: Mapped[created_at]


class MessageRevision(Base):
    """An earlier body of an edited message, kept for moderators (rooms.services.edit_message).

    ``written_at`` is when that body was first shown, ``created_at`` when an edit replaced it.
    """

    __tablename__ = "message_revisions"

    id: Mapped[intpk]
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str | None] = mapped_column(sa.String(8))
    written_at: Mapped[dt.datetime]
    created_at: Mapped[created_at]


class ReadPosition(Base):
    """How far one person has read in one room: the id of the last message they saw.

    It only moves forward (rooms.services.mark_read), so two tabs or devices
    reporting at once can never make messages unread again.
    """

    __tablename__ = "read_positions"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), primary_key=True)
    message_id: Mapped[int]
    updated_at: Mapped[created_at]


class Node(Base):
    """A running server process. Its heartbeat tells whether its connections are real."""

    __tablename__ = "nodes"

    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    started_at: Mapped[created_at]
    heartbeat_at: Mapped[dt.datetime]


class Connection(Base):
    """An open Socket.IO connection, so that any process can find and end it."""

    __tablename__ = "connections"

    sid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    node_id: Mapped[str] = mapped_column(sa.ForeignKey("nodes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    login_session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("login_sessions.id"), index=True
    )
    connected_at: Mapped[created_at]

    user: Mapped[User] = relationship()
    login_session: Mapped[LoginSession | None] = relationship()
    presences: Mapped[list[RoomPresence]] = relationship(
        back_populates="connection", cascade="all, delete-orphan", passive_deletes=True
    )


class RoomPresence(Base):
    """A connection that has joined a room."""

    __tablename__ = "room_presences"

    sid: Mapped[str] = mapped_column(
        sa.ForeignKey("connections.sid", ondelete="CASCADE"), primary_key=True
    )
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), primary_key=True, index=True)
    joined_at: Mapped[created_at]

    connection: Mapped[Connection] = relationship(back_populates="presences")


# Full-text search of messages (rooms/search.py), built as the library's is
# (practices/models.py): an FTS5 table kept in step by triggers on SQLite, a
# generated tsvector column with a GIN index on PostgreSQL, the same tokenizer rules.
# The migration that added them holds the same statements.

MESSAGE_FTS_TABLE = "messages_fts"

SQLITE_MESSAGE_SEARCH_DDL = (
    f"CREATE VIRTUAL TABLE {MESSAGE_FTS_TABLE} USING fts5(body, "
    "content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {MESSAGE_FTS_TABLE}_after_insert AFTER INSERT ON messages BEGIN "
    f"INSERT INTO {MESSAGE_FTS_TABLE}(rowid, body) VALUES (new.id, new.body); END",
    f"CREATE TRIGGER {MESSAGE_FTS_TABLE}_after_delete AFTER DELETE ON messages BEGIN "
    f"INSERT INTO {MESSAGE_FTS_TABLE}({MESSAGE_FTS_TABLE}, rowid, body) "
    "VALUES ('delete', old.id, old.body); END",
    f"CREATE TRIGGER {MESSAGE_FTS_TABLE}_after_update AFTER UPDATE OF body ON messages BEGIN "
    f"INSERT INTO {MESSAGE_FTS_TABLE}({MESSAGE_FTS_TABLE}, rowid, body) "
    "VALUES ('delete', old.id, old.body); "
    f"INSERT INTO {MESSAGE_FTS_TABLE}(rowid, body) VALUES (new.id, new.body); END",
)
#: exchange_unaccent() is created with the practices' search (practices/models.py).
POSTGRESQL_MESSAGE_SEARCH_DDL = (
    "ALTER TABLE messages ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple'::regconfig, exchange_unaccent(body))) STORED",
    "CREATE INDEX ix_messages_search_vector ON messages USING gin (search_vector)",
)
UNMAPPED_MESSAGE_SEARCH_COLUMNS = {("messages", "search_vector")}
UNMAPPED_MESSAGE_SEARCH_INDEXES = {"ix_messages_search_vector"}

for _statement in POSTGRESQL_MESSAGE_SEARCH_DDL:
    sa.event.listen(
        Message.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="postgresql")
    )
for _statement in SQLITE_MESSAGE_SEARCH_DDL:
    sa.event.listen(
        Message.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite")
    )
for _statement in (
    *(
        f"DROP TRIGGER IF EXISTS {MESSAGE_FTS_TABLE}_after_{event}"
        for event in ("insert", "delete", "update")
    ),
    f"DROP TABLE IF EXISTS {MESSAGE_FTS_TABLE}",
):
    sa.event.listen(
        Message.__table__, "before_drop", sa.DDL(_statement).execute_if(dialect="sqlite")
    )


class RoomVersion(Base):
    """A number that grows whenever anything a room's messages show changes.

    Database triggers keep it (``ROOM_VERSION_TRIGGERS``), not the code that writes: a
    new, edited, hidden or deleted message, a reaction, a file, a mention, a card's
    practice, the room's slug. The row of room 0 grows when what every room shows
    changes: a person's name, role, administration or deletion, an administration's
    name. A room's version is the sum of its row and row 0 (``rooms/pages.py``), so
    whatever writes, from whichever process or command, a page kept for an older
    version is never shown again.
    """

    __tablename__ = "room_versions"

    #: A room's id, or 0 for what every room shows; no foreign key, so that 0 may be one.
    room_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


#: The row of room_versions that every room's version includes.
EVERY_ROOM = 0

# Which rooms a change touches, per table: a SELECT of ``room_id`` over the changed row,
# written ``{row}`` (``new`` or ``old``), and a condition on both in ``{ne}`` (SQLite's
# ``IS NOT``, PostgreSQL's ``IS DISTINCT FROM``: unequal, NULL included).
_ROOMS_OF_MESSAGE = "SELECT {row}.room_id AS room_id"
_ROOMS_OF_MESSAGE_PART = "SELECT room_id FROM messages WHERE id = {row}.message_id"
_ROOMS_OF_FILE = (
    "SELECT room_id FROM messages WHERE {row}.owner_type = 'message' AND id = {row}.owner_id"
)
_ROOMS_OF_PRACTICE = "SELECT room_id FROM messages WHERE practice_id = {row}.id"
_ROOMS_OF_ROOM = "SELECT {row}.id AS room_id"
_EVERY_ROOM = f"SELECT {EVERY_ROOM} AS room_id"


@dataclass(frozen=True)
class RoomVersionTrigger:
    """A change that moves room versions on: its table and event, when, and which rooms."""

    table: str
    event: str  # INSERT, UPDATE or DELETE
    rooms: str
    when: str | None = None

    @property
    def name(self) -> str:
        return f"room_versions_after_{self.table}_{self.event.lower()}"

    def touched(self) -> str:
        """The rooms of the new row, of the old one, or of both."""
        rows = [
            row
            for row, there in (("new", self.event != "DELETE"), ("old", self.event != "INSERT"))
            if there
        ]
        return " UNION ".join(self.rooms.format(row=row) for row in rows)

    def sqlite_ddl(self) -> tuple[str, ...]:
        touched = f"SELECT room_id FROM ({self.touched()}) WHERE room_id IS NOT NULL"
        condition = f" WHEN {self.when.format(ne='IS NOT')}" if self.when else ""
        return (
            f"CREATE TRIGGER {self.name} AFTER {self.event} ON {self.table}{condition} BEGIN "
            "INSERT OR IGNORE INTO room_versions (room_id, version) "
            f"SELECT room_id, 0 FROM ({touched}); "
            f"UPDATE room_versions SET version = version + 1 WHERE room_id IN ({touched}); END",
        )

    def postgresql_ddl(self) -> tuple[str, ...]:
        condition = f" WHEN ({self.when.format(ne='IS DISTINCT FROM')})" if self.when else ""
        return (
            f"CREATE OR REPLACE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN INSERT INTO room_versions (room_id, version) "
            f"SELECT DISTINCT room_id, 1 FROM ({self.touched()}) AS touched "
            "WHERE room_id IS NOT NULL "
            "ON CONFLICT (room_id) DO UPDATE SET version = room_versions.version + 1; "
            "RETURN NULL; END $$",
            f"CREATE TRIGGER {self.name} AFTER {self.event} ON {self.table} FOR EACH ROW"
            f"{condition} EXECUTE FUNCTION {self.name}()",
        )

    def drop_ddl(self, dialect: str) -> tuple[str, ...]:
        drop = f"DROP TRIGGER IF EXISTS {self.name}"
        if dialect == "sqlite":
            return (drop,)
        return (f"{drop} ON {self.table}", f"DROP FUNCTION IF EXISTS {self.name}()")


_EVERY_EVENT = ("INSERT", "UPDATE", "DELETE")

#: Every change that moves a room version on (the migration that added them holds the same).
ROOM_VERSION_TRIGGERS: tuple[RoomVersionTrigger, ...] = (
    *(RoomVersionTrigger("messages", event, _ROOMS_OF_MESSAGE) for event in _EVERY_EVENT),
    *(RoomVersionTrigger("reactions", event, _ROOMS_OF_MESSAGE_PART) for event in _EVERY_EVENT),
    *(RoomVersionTrigger("mentions", event, _ROOMS_OF_MESSAGE_PART) for event in _EVERY_EVENT),
    *(RoomVersionTrigger("files", event, _ROOMS_OF_FILE) for event in _EVERY_EVENT),
    *(RoomVersionTrigger("practices", event, _ROOMS_OF_PRACTICE) for event in ("UPDATE", "DELETE")),
    RoomVersionTrigger("rooms", "UPDATE", _ROOMS_OF_ROOM, "old.slug {ne} new.slug"),
    RoomVersionTrigger(
        "users",
        "UPDATE",
        _EVERY_ROOM,
        "old.name {ne} new.name OR old.role {ne} new.role"
        " OR old.administration_id {ne} new.administration_id"
        " OR old.deleted_at {ne} new.deleted_at",
    ),
    RoomVersionTrigger("users", "DELETE", _EVERY_ROOM),
    RoomVersionTrigger(
        "administrations",
        "UPDATE",
        _EVERY_ROOM,
        "old.slug {ne} new.slug OR old.name {ne} new.name OR old.country {ne} new.country",
    ),
    RoomVersionTrigger("administrations", "DELETE", _EVERY_ROOM),
)

# After every table exists: the triggers read messages, and sit on tables of other packages.
for _trigger in ROOM_VERSION_TRIGGERS:
    for _statement in _trigger.sqlite_ddl():
        sa.event.listen(
            Base.metadata, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite")
        )
    for _statement in _trigger.postgresql_ddl():
        sa.event.listen(
            Base.metadata, "after_create", sa.DDL(_statement).execute_if(dialect="postgresql")
        )
    for _dialect in ("sqlite", "postgresql"):
        for _statement in _trigger.drop_ddl(_dialect):
            sa.event.listen(
                Base.metadata, "before_drop", sa.DDL(_statement).execute_if(dialect=_dialect)
            )
