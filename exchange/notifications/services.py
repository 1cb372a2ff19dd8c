"""The rules of being told: each person's choices, read and changed by themselves only."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from .. import permissions
from ..accounts.models import User
from ..db import utcnow
from ..event.models import Room
from ..extensions import db
from ..rooms.models import Mention
from ..serialize import iso_utc
from .missed import user_of_unsubscribe
from .models import MailChoice
from .models import MissedMail
from .models import RoomLevel
from .models import RoomNotificationChoice

logger = logging.getLogger(__name__)

#: What a room tells a person of when they chose nothing for it.
DEFAULT_LEVEL = RoomLevel.MENTIONS


def room_levels(user: User, rooms: list[Room]) -> dict[str, RoomLevel]:
    """What the browser tells ``user`` of in each room, by room slug."""
    permissions.check(user, permissions.Action.MANAGE_OWN_ACCOUNT)
    rows = db.session.execute(
        sa.select(RoomNotificationChoice.room_id, RoomNotificationChoice.level).where(
            RoomNotificationChoice.user_id == user.id
        )
    )
    chosen = {room_id: level for room_id, level in rows}
    return {room.slug: chosen.get(room.id, DEFAULT_LEVEL) for room in rooms}


def set_room_levels(user: User, levels: Mapping[Room, RoomLevel]) -> None:
    """Keep ``user``'s choice for each room; the default is stored as no row at all."""
    permissions.check(user, permissions.Action.MANAGE_OWN_ACCOUNT)
    room_ids = [room.id for room in levels]
    db.session.execute(
        sa.delete(RoomNotificationChoice).where(
            RoomNotificationChoice.user_id == user.id,
            RoomNotificationChoice.room_id.in_(room_ids),
        )
    )
    db.session.add_all(
        RoomNotificationChoice(user_id=user.id, room_id=room.id, level=level)
        for room, level in levels.items()
        if level is not DEFAULT_LEVEL
    )
    db.session.commit()
    logger.info("user %r chose what rooms tell them", user.id)


def missed_mail(user: User) -> MissedMail:
    """How ``user`` is mailed what they missed."""
    permissions.check(user, permissions.Action.MANAGE_OWN_ACCOUNT)
    choice = db.session.get(MailChoice, user.id)
    return choice.missed if choice is not None else MissedMail.BATCHED


def set_missed_mail(user: User, missed: MissedMail) -> None:
    """Choose how ``user`` is mailed what they missed, from now on (nothing earlier is mailed)."""
    permissions.check(user, permissions.Action.MANAGE_OWN_ACCOUNT)
    _choose(user, missed)
    db.session.commit()
    logger.info("user %r chose %s mail for what they miss", user.id, missed.value)


def _choose(user: User, missed: MissedMail) -> None:
    choice = db.session.get(MailChoice, user.id)
    if choice is None:
        db.session.add(MailChoice(user_id=user.id, missed=missed, checked_until=utcnow()))
    elif choice.missed is not missed:
        choice.missed = missed
        choice.checked_until = utcnow()


def unsubscribe(token: str) -> User:
    """Turn off the mail of what someone missed, from the link in that mail.

    The link is the authority (it was mailed to them, and says whom it is for),
    so it works without signing in, as one-click unsubscribing (RFC 8058) needs.
    """
    user = user_of_unsubscribe(token)
    _choose(user, MissedMail.OFF)
    db.session.commit()
    logger.info("user %r turned off mail for what they miss from a mail", user.id)
    return user


def personal_data(user: User) -> dict[str, Any]:
    """What the exchange keeps about how ``user`` is told of things (their data export)."""
    choice = db.session.get(MailChoice, user.id)
    rooms = db.session.execute(
        sa.select(Room.slug, RoomNotificationChoice.level)
        .join(Room, Room.id == RoomNotificationChoice.room_id)
        .where(RoomNotificationChoice.user_id == user.id)
        .order_by(Room.slug)
    )
    mentions = db.session.execute(
        sa.select(Mention.message_id, Mention.by_name, Mention.created_at, Room.slug)
        .join(Room, Room.id == Mention.room_id)
        .where(Mention.user_id == user.id)
        .order_by(Mention.id)
    )
    return {
        "missed_mail": (choice.missed if choice is not None else MissedMail.BATCHED).value,
        "missed_mail_checked_until": (
            iso_utc(choice.checked_until) if choice is not None and choice.checked_until else None
        ),
        "rooms": {slug: level.value for slug, level in rooms},
        "mentions_of_me": [
            {
                "message_id": message_id,
                "room": slug,
                "by": "name" if by_name else "@room",
                "at": iso_utc(created_at),
            }
            for message_id, by_name, created_at, slug in mentions
        ],
    }


def forget_notifications_of(user: User) -> None:
    """Drop ``user``'s choices and mentions, in the caller's transaction (account deletion)."""
    for model in (MailChoice, RoomNotificationChoice, Mention):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
