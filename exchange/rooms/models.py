"""Chat messages, and who is connected to which room right now."""

from __future__ import annotations

import datetime as dt
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
