"""How far each person has read in each room, and how many messages they have not read.

A read position is the id of the last message a person saw in a room. It only
moves forward, so tabs and devices that report at once never make messages
unread again. Unread messages are the visible messages after it that others
wrote; a person who never opened a room has every one of them unread.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from .. import realtime
from ..accounts.models import User
from ..db import changed_rows
from ..db import utcnow
from ..errors import NotFound
from ..event.models import Room
from ..extensions import db
from .models import Message
from .models import ReadPosition

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadState:
    """Where a person is in a room: the last message read (None: never) and how many follow."""

    last_read_id: int | None
    unread_count: int


def last_read_id(user: User, room: Room) -> int | None:
    return db.session.scalar(
        sa.select(ReadPosition.message_id).where(
            ReadPosition.user_id == user.id, ReadPosition.room_id == room.id
        )
    )


def count_unread(user: User, room: Room, after: int | None) -> int:
    """Count others' visible messages after ``after``, up to ``UNREAD_COUNT_LIMIT``.

    Counting stops at the limit so that a room nobody opened for a long time
    costs no more than a few index reads ("99+" is all a reader needs).
    """
    query = sa.select(Message.id).where(
        Message.room_id == room.id, Message.author_id != user.id, Message.visible()
    )
    if after is not None:
        query = query.where(Message.id > after)
    capped = query.limit(current_app.config["UNREAD_COUNT_LIMIT"]).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(capped)) or 0


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
    positions = {room_id: message_id for room_id, message_id in rows}
    return {room.id: count_unread(user, room, positions.get(room.id)) for room in rooms}


def mark_read(user: User, room: Room, message_id: int, *, skip_sid: str | None = None) -> ReadState:
    """Move ``user``'s read position in ``room`` up to ``message_id``, never backwards.

    The position becomes the last message of the room at or before
    ``message_id`` (any id the client saw works, even of a message hidden
    since). If it moved, the person's other sockets (all but ``skip_sid``) are
    told, so every tab and device shows the same unread count.
    """
    target = db.session.scalar(
        sa.select(sa.func.max(Message.id)).where(
            Message.room_id == room.id, Message.id <= message_id
        )
    )
    if target is None:
        raise NotFound(field="message_id")
    moved = _move_forward(user.id, room.id, target)
    position = last_read_id(user, room)
    state = ReadState(position, count_unread(user, room, position))
    db.session.commit()
    if moved:
        logger.debug("user %r read %s up to %r", user.id, room.slug, position)
        realtime.read_moved(user.id, room.slug, state, skip_sid=skip_sid)
    return state


def _move_forward(user_id: int, room_id: int, message_id: int) -> bool:
    """Insert or raise the position in one statement, so racing tabs cannot lower it."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ReadPosition).values(
        user_id=user_id, room_id=room_id, message_id=message_id, updated_at=utcnow()
    )
    statement = statement.on_conflict_do_update(
        index_elements=[ReadPosition.user_id, ReadPosition.room_id],
        set_={"message_id": statement.excluded.message_id, "updated_at": utcnow()},
        where=ReadPosition.message_id < statement.excluded.message_id,
    )
    return bool(changed_rows(db.session.execute(statement)))
