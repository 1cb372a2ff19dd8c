"""How far each person has read in each room, and how many messages they have not read.

A read position is the id of the last message a person saw in a room. It only
moves forward, so tabs and devices that report at once never make messages
unread again. Unread messages are the visible messages after it that others
wrote; a person who never opened a room has every one of them unread.

Every open room page reports its position every few seconds, so with two
thousand people a transaction per report would be hundreds of commits a
second. Moved positions are therefore gathered in memory per process
(:class:`PendingPositions`) and written together, once every
``EXCHANGE_READ_FLUSH_INTERVAL`` seconds, when ``EXCHANGE_READ_FLUSH_SIZE`` are
waiting, and when the process stops; the newest position per person and room
wins, and the write never lowers a stored one. Until written, a position counts
for every read of this process (the person's own tabs here see it at once; their
tabs on other processes hear of it through the ``read`` event). A process that
crashes loses at most the last interval's positions: those rooms show a few
messages unread again.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask import Flask
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from .. import realtime
from ..accounts.models import User
from ..db import changed_rows
from ..db import read_core
from ..db import utcnow
from ..errors import NotFound
from ..event.models import Room
from ..event.models import RoomKind
from ..event.models import RoomMember
from ..extensions import db
from .models import Message
from .models import ReadPosition

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadState:
    """Where a person is in a room: the last message read (None: never) and how many follow."""

    last_read_id: int | None
    unread_count: int


#: (person id, room id): the newest position reported and not yet written.
PositionKey = tuple[int, int]


class PendingPositions:
    """Read positions this process accepted and has not written yet, the newest per key."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.positions: dict[PositionKey, int] = {}
        #: How many transactions wrote how many positions, for the curious and the tests.
        self.flushes = 0
        self.written = 0

    def note(self, key: PositionKey, message_id: int) -> int:
        """Keep ``message_id`` for ``key`` unless a later one waits; return how many wait."""
        with self.lock:
            if message_id > self.positions.get(key, 0):
                self.positions[key] = message_id
            return len(self.positions)

    def get(self, key: PositionKey) -> int | None:
        return self.positions.get(key)

    def of_user(self, user_id: int) -> dict[int, int]:
        """The waiting positions of one person, by room id."""
        with self.lock:
            return {
                room: message for (user, room), message in self.positions.items() if user == user_id
            }

    def take(self) -> dict[PositionKey, int]:
        with self.lock:
            taken, self.positions = self.positions, {}
        return taken

    def put_back(self, positions: Mapping[PositionKey, int]) -> None:
        """Return positions a failed write did not store, keeping any newer that came meanwhile."""
        for key, message_id in positions.items():
            self.note(key, message_id)


def init_app(app: Flask) -> None:
    app.extensions["exchange.read_positions"] = PendingPositions()


def pending_positions() -> PendingPositions:
    return cast(PendingPositions, current_app.extensions["exchange.read_positions"])


def _later(*positions: int | None) -> int | None:
    known = [position for position in positions if position is not None]
    return max(known) if known else None


def last_read_id(user: User, room: Room) -> int | None:
    """Return how far ``user`` has read in ``room``, counting this process's unwritten position."""
    stored = read_core(_stored_position(), {"user_id": user.id, "room_id": room.id}).scalar()
    return _later(stored, pending_positions().get((user.id, room.id)))


@functools.cache
def _stored_position() -> sa.Select[int]:
    return sa.select(ReadPosition.message_id).where(
        ReadPosition.user_id == sa.bindparam("user_id"),
        ReadPosition.room_id == sa.bindparam("room_id"),
    )


def count_unread(user: User, room: Room, after: int | None) -> int:
    """Count others' visible messages after ``after``, up to ``UNREAD_COUNT_LIMIT``.

    Counting stops at the limit so that a room nobody opened for a long time
    costs no more than a few index reads ("99+" is all a reader needs).
    """
    parameters = {
        "room_id": room.id,
        "user_id": user.id,
        "limit": current_app.config["UNREAD_COUNT_LIMIT"],
    }
    if after is not None:
        parameters["after"] = after
    return read_core(_unread_count(since_start=after is None), parameters).scalar() or 0


@functools.cache
def _unread_count(*, since_start: bool) -> sa.Select[int]:
    """Built once: every join and rooms list counts (from the start of the room, or after)."""
    if since_start:
        return _count_unread_after()
    return _count_unread_after(Message.id > sa.bindparam("after"))


def _count_unread_after(*after: sa.ColumnElement[bool]) -> sa.Select[int]:
    """Others' visible messages in the room (``room_id``, ``user_id``) meeting ``after``,
    counted up to ``limit``."""
    capped = (
        sa.select(Message.id)
        .where(
            Message.room_id == sa.bindparam("room_id"),
            Message.author_id != sa.bindparam("user_id"),
            Message.visible(),
            *after,
        )
        .limit(sa.bindparam("limit"))
        .subquery()
    )
    return sa.select(sa.func.count()).select_from(capped)


def read_state(user: User, room: Room) -> ReadState:
    """Return where ``user`` is in ``room``."""
    position = last_read_id(user, room)
    return ReadState(position, count_unread(user, room, position))


def unread_counts(user: User, rooms: Iterable[Room]) -> dict[int, int]:
    """Return each room's unread count for ``user``, by room id."""
    rooms = list(rooms)
    rows = db.session.execute(
        sa.select(ReadPosition.room_id, ReadPosition.message_id).where(
            ReadPosition.user_id == user.id
        )
    )
    positions: dict[int, int | None] = {room_id: message_id for room_id, message_id in rows}
    for room_id, message_id in pending_positions().of_user(user.id).items():
        positions[room_id] = _later(positions.get(room_id), message_id)
    return {room.id: count_unread(user, room, positions.get(room.id)) for room in rooms}


def mark_read(user: User, room: Room, message_id: int, *, skip_sid: str | None = None) -> ReadState:
    """Move ``user``'s read position in ``room`` up to ``message_id``, never backwards.

    The position becomes the last message of the room at or before
    ``message_id`` (any id the client saw works, even of a message hidden
    since). If it moved, the person's other sockets (all but ``skip_sid``) are
    told, so every tab and device shows the same unread count. The position is
    written with others a moment later (see the module's docstring), or at once
    when ``EXCHANGE_READ_FLUSH_INTERVAL`` is 0.
    """
    # Where the position goes, where it is stored now, and how many are unread after the
    # later of the two and of this process's unwritten one: one round trip for all three.
    unwritten = pending_positions().get((user.id, room.id))
    target, stored, unread_after = read_core(
        _read_report(),
        {
            "room_id": room.id,
            "user_id": user.id,
            "message_id": message_id,
            "unwritten": unwritten or 0,
            "limit": current_app.config["UNREAD_COUNT_LIMIT"],
        },
    ).one()
    if target is None:
        raise NotFound(field="message_id")
    before = _later(stored, unwritten)
    moved = before is None or target > before
    if moved and current_app.config["READ_FLUSH_INTERVAL"] > 0:
        waiting = pending_positions().note((user.id, room.id), target)
        if waiting >= current_app.config["READ_FLUSH_SIZE"]:
            flush_read_positions()
    elif moved:
        moved = _write({(user.id, room.id): target}) > 0
        db.session.commit()
    state = ReadState(_later(before, target), unread_after)
    if moved:
        logger.debug("user %r read %s up to %r", user.id, room.slug, state.last_read_id)
        realtime.read_moved(user.id, room.slug, state, skip_sid=skip_sid)
    return state


@functools.cache
def _read_report() -> sa.Select[tuple[int | None, int | None, int]]:
    """The room's last message at or before the one reported, the stored position, and
    :func:`count_unread` after the later of those two and of ``unwritten`` (0 for none)."""
    target = (
        sa.select(sa.func.max(Message.id))
        .where(Message.room_id == sa.bindparam("room_id"), Message.id <= sa.bindparam("message_id"))
        .scalar_subquery()
    )
    stored = _stored_position().scalar_subquery()
    unread = _count_unread_after(
        Message.id > target,
        Message.id > sa.func.coalesce(stored, 0),
        Message.id > sa.bindparam("unwritten"),
    )
    return sa.select(target, stored, unread.scalar_subquery())


def flush_read_positions() -> int:
    """Write every waiting read position in one transaction; return how many were written.

    Positions of accounts deleted meanwhile are dropped (deleting an account
    erases its read positions); if the database cannot be reached, the
    positions wait for the next flush.
    """
    pending = pending_positions()
    positions = pending.take()
    if not positions:
        return 0
    try:
        positions = _of_live_accounts(positions)
        if positions:
            _write(positions)
        db.session.commit()
    except Exception:
        db.session.rollback()
        pending.put_back(positions)
        raise
    pending.flushes += 1
    pending.written += len(positions)
    return len(positions)


def _of_live_accounts(positions: Mapping[PositionKey, int]) -> dict[PositionKey, int]:
    live = set(
        db.session.scalars(
            sa.select(User.id).where(
                User.id.in_({user for user, _ in positions}), User.deleted_at.is_(None)
            )
        )
    )
    return {key: message_id for key, message_id in positions.items() if key[0] in live}


def _write(positions: Mapping[PositionKey, int]) -> int:
    """Insert or raise positions in one statement each, so racing writers cannot lower one.

    Returns how many rows were inserted or raised.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(sa.Table, ReadPosition.__table__)
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.room_id],
        set_={
            "message_id": statement.excluded.message_id,
            "updated_at": statement.excluded.updated_at,
        },
        where=table.c.message_id < statement.excluded.message_id,
    )
    now = utcnow()
    rows = [
        {"user_id": user_id, "room_id": room_id, "message_id": message_id, "updated_at": now}
        for (user_id, room_id), message_id in positions.items()
    ]
    if len(rows) == 1:
        return changed_rows(db.session.execute(statement.values(rows[0])))
    db.session.execute(statement, rows)
    return len(rows)


def conversations_unread_total(user: User) -> int:
    """How many messages of their conversations ``user`` has not read (the menu's count)."""
    rooms = db.session.scalars(
        sa.select(Room)
        .join(RoomMember, RoomMember.room_id == Room.id)
        .where(RoomMember.user_id == user.id, Room.kind == RoomKind.DIRECT)
    )
    return sum(unread_counts(user, rooms).values())


def members_unread(room: Room) -> dict[int, tuple[int, int]]:
    """Each member of a conversation: their unread count in it, and in all their conversations."""
    return {
        member.user_id: (
            read_state(member.user, room).unread_count,
            conversations_unread_total(member.user),
        )
        for member in room.members
    }
