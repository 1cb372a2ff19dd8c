"""What the missed-mail tells of conversations: messages written to a person there that they
have not read (exchange/notifications/missed.py gathers, batches and mails them)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..accounts.models import Block
from ..event.models import Room
from ..event.models import RoomKind
from ..event.models import RoomMember
from ..extensions import db
from ..notifications.missed import ITEM_PARTS
from ..notifications.missed import missed_item
from ..notifications.missed import MissedItem
from ..notifications.missed import not_yet_looked_at
from ..notifications.missed import read_position_join
from ..rooms.models import Message
from ..rooms.models import ReadPosition


def direct_messages_in(since: dt.datetime, until: dt.datetime) -> list[MissedItem]:
    """Visible messages of the window, for every other member of their conversation.

    A member who blocked the author is not told of them: the block keeps that
    person's words out of their mailbox as it keeps new conversations out.
    """
    rows = db.session.execute(
        sa.select(RoomMember.user_id, Message, ReadPosition.message_id)
        .join(Message, Message.room_id == RoomMember.room_id)
        .join(Room, Room.id == RoomMember.room_id)
        .outerjoin(ReadPosition, read_position_join(RoomMember.user_id))
        .where(
            Room.kind == RoomKind.DIRECT,
            Message.visible(),
            RoomMember.user_id != Message.author_id,
            Message.created_at > since,
            Message.created_at <= until,
            ~sa.exists().where(
                Block.blocker_id == RoomMember.user_id, Block.blocked_id == Message.author_id
            ),
            not_yet_looked_at(RoomMember.user_id),
        )
        .options(*ITEM_PARTS)
    )
    return [
        missed_item(user_id, "direct", message, position) for user_id, message, position in rows
    ]
