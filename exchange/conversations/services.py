"""Rules of conversations: private rooms (kind ``direct``) of two to eight people.

A conversation is a room, so sending, acks, client ids, backfill, unread counts,
typing, reactions, edits, files and mentions are the rooms' own
(exchange/rooms). What is added here is who is in one, how one starts, and what
lists them; the permission table keeps everyone else out (docs/conversations.md).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import permissions
from ..accounts.models import User
from ..errors import Forbidden
from ..errors import Invalid
from ..errors import NotFound
from ..event.models import Room
from ..event.models import RoomKind
from ..event.models import RoomMember
from ..event.services import current_event
from ..extensions import db
from ..people.services import blocked_by
from ..people.services import has_blocked
from ..rooms import unread
from ..rooms.models import Message
from ..rooms.services import shown_messages
from ..serialize import iso_utc

logger = logging.getLogger(__name__)

#: The most people a conversation holds besides the one who starts it.
MAX_OTHERS = 7


@dataclass
class Summary:
    """One conversation as its list shows it to one member."""

    room: Room
    #: The members other than the reader, in the order they were added.
    others: list[User]
    unread_count: int
    #: Its latest visible message, if any.
    last_message: Message | None


def _people(starter: User, people_ids: Sequence[Any]) -> list[User]:
    """The others a conversation is to hold: 1 to MAX_OTHERS accounts, starter excluded."""
    if not isinstance(people_ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in people_ids
    ):
        raise Invalid(
            _l("'%(field)s' must be a list of people ids.", field="members"), field="members"
        )
    wanted = [i for i in dict.fromkeys(people_ids) if i != starter.id]
    if not 1 <= len(wanted) <= MAX_OTHERS:
        raise Invalid(
            _l("A conversation holds 1 to %(max)d people besides you.", max=MAX_OTHERS),
            field="members",
        )
    found = {
        user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))
    }
    if len(found) != len(wanted):
        raise NotFound(field="members")
    return [found[i] for i in wanted]


def start_conversation(starter: User, people_ids: Sequence[Any]) -> tuple[Room, bool]:
    """Start a conversation of ``starter`` with the people of ``people_ids``; return it and
    whether it is new.

    A one-to-one conversation with the same person is reused rather than started
    twice. Each person must be one the permission table lets ``starter`` write to.
    """
    permissions.check(starter, permissions.Action.START_CONVERSATION)
    others = _people(starter, people_ids)
    for person in others:
        if permissions.declines_messages_from(starter, person):
            raise Forbidden(
                _l(
                    "%(name)s takes messages from delegates, moderators and organizers only.",
                    name=person.display_name,
                ),
                field="members",
            )
        if not permissions.can(starter, permissions.Action.START_CONVERSATION, person):
            raise NotFound(field="members")  # as for an account that does not exist
    for person in others:
        if has_blocked(person.id, starter.id):
            raise Forbidden(
                _l("You cannot start a conversation with %(name)s.", name=person.display_name),
                field="members",
            )
    if len(others) == 1:
        existing = one_to_one(starter, others[0])
        if existing is not None:
            return existing, False
    event = current_event()
    if event is None:
        raise NotFound()
    room = Room(
        event_id=event.id,
        slug=f"dm-{uuid.uuid4().hex[:20]}",
        names={},
        kind=RoomKind.DIRECT,
        position=0,
    )
    room.members = [RoomMember(user_id=starter.id)] + [
        RoomMember(user_id=person.id) for person in others
    ]
    db.session.add(room)
    db.session.commit()
    logger.info("conversation %s started by %r with %d others", room.slug, starter.id, len(others))
    return room, True


def one_to_one(person: User, other: User) -> Room | None:
    """The conversation of exactly these two people, if they have one."""
    mine = sa.select(RoomMember.room_id).where(RoomMember.user_id == person.id)
    theirs = sa.select(RoomMember.room_id).where(RoomMember.user_id == other.id)
    two = sa.select(RoomMember.room_id).group_by(RoomMember.room_id).having(sa.func.count() == 2)
    return db.session.scalars(
        sa.select(Room)
        .where(
            Room.kind == RoomKind.DIRECT,
            Room.id.in_(mine),
            Room.id.in_(theirs),
            Room.id.in_(two),
        )
        .order_by(Room.id)
    ).first()


def rooms_of(user: User) -> list[Room]:
    """The conversations ``user`` is a member of."""
    return list(
        db.session.scalars(
            sa.select(Room)
            .join(RoomMember, RoomMember.room_id == Room.id)
            .where(RoomMember.user_id == user.id, Room.kind == RoomKind.DIRECT)
            .options(selectinload(Room.members).joinedload(RoomMember.user))
        )
    )


def conversations_of(user: User) -> list[Summary]:
    """``user``'s conversations with what the list shows, the latest active first."""
    permissions.check(user, permissions.Action.JOIN_ROOM)
    rooms = rooms_of(user)
    counts = unread.unread_counts(user, rooms)
    last_ids = dict(
        db.session.execute(
            sa.select(Message.room_id, sa.func.max(Message.id))
            .where(Message.room_id.in_([room.id for room in rooms]), Message.visible())
            .group_by(Message.room_id)
        ).all()
    )
    last = {
        message.room_id: message
        for message in shown_messages(
            sa.select(Message).where(Message.id.in_(list(last_ids.values())))
        )
    }
    summaries = [
        Summary(
            room=room,
            others=[member.user for member in room.members if member.user_id != user.id],
            unread_count=counts[room.id],
            last_message=last.get(room.id),
        )
        for room in rooms
    ]
    summaries.sort(key=lambda s: (s.last_message.id if s.last_message else 0, s.room.id))
    summaries.reverse()
    return summaries


def unread_total(user: User) -> int:
    """How many messages of their conversations ``user`` has not read (the menu's count)."""
    return unread.conversations_unread_total(user)


def counts() -> dict[str, int]:
    """How many conversations were started and messages written in them, for the organizers'
    dashboard: counts only, never who wrote to whom or what."""
    direct_rooms = sa.select(Room.id).where(Room.kind == RoomKind.DIRECT)
    return {
        "conversations": db.session.scalar(
            sa.select(sa.func.count()).select_from(direct_rooms.subquery())
        )
        or 0,
        "direct_messages": db.session.scalar(
            sa.select(sa.func.count()).select_from(Message).where(Message.room_id.in_(direct_rooms))
        )
        or 0,
    }


def personal_data(user: User) -> dict[str, object]:
    """The conversations ``user`` is in and the people they blocked, for their data export.

    Their own messages in conversations are exported with the rest of their messages
    (by room slug, which this list names); others' words are not theirs to take.
    """
    return {
        "conversations": [
            {
                "room": room.slug,
                "with": [
                    member.user.display_name for member in room.members if member.user_id != user.id
                ],
                "joined_at": iso_utc(
                    next(m.joined_at for m in room.members if m.user_id == user.id)
                ),
            }
            for room in sorted(rooms_of(user), key=lambda room: room.id)
        ],
        "people_blocked": [
            {"id": person.id, "name": person.display_name} for person in blocked_by(user)
        ],
    }
