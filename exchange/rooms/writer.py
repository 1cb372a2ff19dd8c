"""Group commit: messages sent at the same moment are stored in one transaction.

An acknowledged message is a committed one (docs/protocol.md), and a commit
costs a flush to disk. One commit per message caps a process at a few hundred
messages a second, and on PostgreSQL the room's row lock is held through each
flush in turn, so the senders of one room queue behind each other's disks.

So the senders of a room take turns at its writer (one per room and process).
Whoever takes it stores, in one transaction, every message that arrived while
the previous turn wrote; the others find theirs already stored when their turn
comes. Each sender is still answered only after the commit that holds its
message, and ids still grow in commit order within the room (on PostgreSQL its
row is locked before any is drawn; SQLite writes one transaction at a time).
Rooms do not wait for each other: a slow write in one holds no sender of another.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..db import utcnow
from ..errors import Invalid
from ..event.models import Room
from ..extensions import db
from ..extensions import socketio
from ..files.services import claim_checked
from .attachments import MESSAGE_FILES
from .models import Mention
from .models import Message

logger = logging.getLogger(__name__)


@dataclass(eq=False)  # compared by identity: two senders may send equal messages
class PendingMessage:
    """A message on its way to the database, and, once there, what became of it."""

    room_id: int
    author_id: int
    client_id: str
    body: str
    body_html: str
    language: str | None
    practice_id: int | None
    reply_to_id: int | None = None
    #: Files to attach, checked by the sender (files.services.check_attachable).
    attachment_ids: tuple[int, ...] = ()
    #: The people named (rooms/mentions.py), and those ``@room`` tells besides them.
    mentions: tuple[int, ...] = ()
    followers: tuple[int, ...] = ()
    mentions_room: bool = False
    #: The sender looked for a message under its client id just before and found none:
    #: its turn does not look again, and the unique index catches one stored since.
    looked_up: bool = False
    #: Set once committed: the stored message's id, and whether this send created it.
    message_id: int | None = None
    created: bool = False
    #: The stored row, as the session of the sender who wrote it holds it.
    message: Message | None = None
    #: Set instead when storing failed; the sender raises it.
    error: BaseException | None = None

    @property
    def key(self) -> tuple[int, str]:
        return (self.author_id, self.client_id)

    @property
    def done(self) -> bool:
        return self.message_id is not None or self.error is not None


class MessageWriter:
    """One per room and application (process): the turn to write, and who waits for it."""

    def __init__(self) -> None:
        # wsgi.py monkey-patches threading before anything is imported: green locks when served.
        self._turn = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[PendingMessage] = []
        #: How many transactions stored how many messages, for the curious and the tests.
        self.commits = 0
        self.stored = 0

    def store(self, pending: PendingMessage) -> tuple[int, bool]:
        """Store ``pending`` (or find it stored under its client id); return (id, created)."""
        with self._queue_lock:
            self._queue.append(pending)
        with self._turn:
            if not pending.done:
                socketio.sleep(0)  # let the senders already here join this transaction
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                if pending not in batch:  # taken by a turn that failed before marking it
                    batch.append(pending)
                self._write(db.session, batch)
        if pending.error is not None:
            raise pending.error
        assert pending.message_id is not None
        return pending.message_id, pending.created

    def _write(self, session: Session, batch: list[PendingMessage]) -> None:
        try:
            while True:
                try:
                    self._write_together(session, batch)
                    return
                except AttachmentRefused as refused:
                    # One sender's file was claimed meanwhile: only that message fails.
                    session.rollback()
                    refused.pending.error = refused.error
                    batch = [pending for pending in batch if pending is not refused.pending]
                    if not batch:
                        return
        except IntegrityError:
            # Another process stored one of these client ids meanwhile: one at a time,
            # so that only that one is found instead of stored.
            session.rollback()
            for pending in batch:
                try:
                    self._write_together(session, [pending], look_up_all=True)
                except AttachmentRefused as refused:
                    session.rollback()
                    pending.error = refused.error
                except Exception as error:
                    session.rollback()
                    pending.error = error
        except BaseException as error:
            session.rollback()
            for pending in batch:
                if not pending.done:
                    pending.error = error
            if not isinstance(error, Exception):
                raise

    @staticmethod
    def _stored_ids(session: Session, keys: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
        """The ids of the messages already stored under these (author, client id) pairs."""
        if len(keys) == 1:  # a quiet room's turn: one sender, one statement built once
            ((author_id, client_id),) = keys
            message_id = (
                session.connection()
                .execute(client_id_lookup(), {"author_id": author_id, "client_id": client_id})
                .scalar()
            )
            return {} if message_id is None else {(author_id, client_id): message_id}
        rows = session.execute(
            sa.select(Message.id, Message.author_id, Message.client_id).where(
                sa.tuple_(Message.author_id, Message.client_id).in_(keys)
            )
        )
        return {(author_id, client_id): message_id for message_id, author_id, client_id in rows}

    def _write_together(
        self, session: Session, batch: list[PendingMessage], *, look_up_all: bool = False
    ) -> None:
        """Store the batch in one transaction, with Core statements built once.

        The ORM's unit of work cost a third of a ``send``: the rows are inserted
        directly, and the stored messages given to the session as loaded (detached
        objects attached to it) only once the commit holds them.

        Client ids are looked up only for senders that did not just do so
        themselves (``looked_up``), or for all with ``look_up_all``: a retry stored
        meanwhile, by this process or another, fails the unique index instead, and
        :meth:`_write` then writes the batch again one message at a time, looking
        each up.
        """
        unknown = {pending.key for pending in batch if look_up_all or not pending.looked_up}
        stored = self._stored_ids(session, unknown) if unknown else {}
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            # Writers to the room take turns on its row from here to the commit, across
            # processes too, so that ids are drawn and committed in the same order. SQLite
            # writes one transaction at a time anyway, and has no row locks: there the
            # statement would lock nothing and cost a round trip of every send.
            (room_id,) = {pending.room_id for pending in batch}  # a writer serves one room
            connection.execute(room_turn(), {"room_id": room_id})
        now = utcnow()
        new: dict[tuple[int, str], NewMessage] = {}
        outcome: list[tuple[PendingMessage, int | NewMessage, bool]] = []
        for pending in batch:
            if pending.key in stored:  # a retry of a message stored before
                outcome.append((pending, stored[pending.key], False))
            elif pending.key in new:  # a retry racing its first send
                outcome.append((pending, new[pending.key], False))
            else:
                new[pending.key] = NewMessage(pending, now)
                outcome.append((pending, new[pending.key], True))
        if new:
            _insert(connection, list(new.values()))
        self._claim_files(outcome)
        session.commit()
        self.commits += 1
        self.stored += len(new)
        # Only now, once committed, may anyone be told.
        for pending, stored_as, created in outcome:
            if isinstance(stored_as, int):
                pending.message_id = stored_as
            else:
                pending.message_id = stored_as.message_id
                pending.message = stored_as.attach(session)
            pending.created = created
        if len(batch) > 1:
            logger.debug("%d messages stored in one transaction", len(new))

    @staticmethod
    def _claim_files(outcome: list[tuple[PendingMessage, int | NewMessage, bool]]) -> None:
        """Attach the new messages' files in the transaction that stores them."""
        for pending, stored_as, created in outcome:
            if not (created and pending.attachment_ids and isinstance(stored_as, NewMessage)):
                continue
            try:
                claim_checked(
                    MESSAGE_FILES.name,
                    stored_as.message_id,
                    pending.author_id,
                    pending.attachment_ids,
                )
            except Invalid as error:
                raise AttachmentRefused(pending, error) from None


class NewMessage:
    """The row of a message being stored and of its mentions; their ids once inserted."""

    def __init__(self, pending: PendingMessage, now: dt.datetime) -> None:
        self.pending = pending
        self.row: dict[str, Any] = {
            "room_id": pending.room_id,
            "author_id": pending.author_id,
            "client_id": pending.client_id,
            "body": pending.body,
            "body_html": pending.body_html,
            "language": pending.language,
            "practice_id": pending.practice_id,
            "reply_to_id": pending.reply_to_id,
            "created_at": now,
            "mentions_room": pending.mentions_room,
            "edited_at": None,
            "hidden_at": None,
            "hidden_reason": None,
            "hidden_by_author": False,
            "hidden_by_id": None,
        }
        self.mention_rows: list[dict[str, Any]] = [
            {"user_id": user_id, "room_id": pending.room_id, "by_name": by_name, "created_at": now}
            for users, by_name in ((pending.mentions, True), (pending.followers, False))
            for user_id in users
        ]
        self.message_id = 0
        self.mention_ids: list[int] = []
        self.message: Message | None = None

    def attach(self, session: Session) -> Message:
        """The stored message, in ``session`` as if just loaded, with its mentions (once:
        a retry racing its first send in the same batch gets the same object)."""
        if self.message is not None:
            return self.message
        message: Message = _loaded(Message, {"id": self.message_id, **self.row})
        mentions: list[Mention] = [
            _loaded(Mention, {"id": mention_id, "message_id": self.message_id, **row})
            for mention_id, row in zip(self.mention_ids, self.mention_rows, strict=True)
        ]
        session.add(message)
        session.add_all(mentions)
        set_committed_value(message, "mention_rows", mentions)
        named = [mention for mention in mentions if mention.by_name]  # inserted in id order
        known_when_new(message, named, with_files=bool(self.pending.attachment_ids))
        self.message = message
        return message


def _loaded(model: type[Any], values: dict[str, Any]) -> Any:
    instance = model(**values)
    make_transient_to_detached(instance)
    return instance


def _insert(connection: sa.Connection, messages: list[NewMessage]) -> None:
    """Insert the messages, then their mentions; note the ids drawn, in order."""
    ids = connection.execute(insert_messages(), [message.row for message in messages]).scalars()
    for message, message_id in zip(messages, ids, strict=True):
        message.message_id = message_id
    mention_rows = [
        {"message_id": message.message_id, **row}
        for message in messages
        for row in message.mention_rows
    ]
    if not mention_rows:
        return
    mention_ids = iter(connection.execute(insert_mentions(), mention_rows).scalars().all())
    for message in messages:
        message.mention_ids = [next(mention_ids) for _ in message.mention_rows]


@functools.cache
def insert_messages() -> sa.Insert:
    """Messages inserted, their ids returned in the order given (as they were drawn)."""
    return sa.insert(Message).returning(Message.id, sort_by_parameter_order=True)


@functools.cache
def insert_mentions() -> sa.Insert:
    return sa.insert(Mention).returning(Mention.id, sort_by_parameter_order=True)


@functools.cache
def room_turn() -> sa.Select[int]:
    """The room's row, locked until the commit (PostgreSQL; SQLite writes one at a time)."""
    return sa.select(Room.id).where(Room.id == sa.bindparam("room_id")).with_for_update()


@functools.cache
def client_id_lookup() -> sa.Select[int]:
    """The id of the message an author stored under a client id: every send asks (before
    checking the rules, which a retry of a stored message skips), so it is built once."""
    return sa.select(Message.id).where(
        Message.author_id == sa.bindparam("author_id"),
        Message.client_id == sa.bindparam("client_id"),
    )


def known_when_new(message: Message, named: list[Mention], *, with_files: bool) -> None:
    """Fill in what a message just stored holds, so that showing it asks the database nothing.

    Every ``message`` delivery shows the message's mentions and reactions; loading
    them would cost two queries per message on the path each sender waits on. A new
    message has no reaction yet (nobody has been shown it), and its mentions are the
    rows stored with it.
    """
    set_committed_value(message, "reactions", [])
    set_committed_value(message, "named", named)
    if not with_files:  # a message with files loads them when it is shown
        set_committed_value(message, "files", [])


class AttachmentRefused(Exception):
    """A file of one message in a batch could not be claimed; the others are written again."""

    def __init__(self, pending: PendingMessage, error: Invalid) -> None:
        super().__init__(str(error))
        self.pending = pending
        self.error = error


def message_writer(room_id: int) -> MessageWriter:
    """The writer of one room in this application (each app, and so each test, has its own)."""
    writers: dict[int, MessageWriter] = current_app.extensions.setdefault(
        "exchange.message_writers", {}
    )
    writer = writers.get(room_id)
    if writer is None:
        writer = writers.setdefault(room_id, MessageWriter())
    return writer
