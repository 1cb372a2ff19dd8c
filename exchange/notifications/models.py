"""Each person's choices of what to be told of."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..db import Base
from ..db import enum_type


class RoomLevel(StrEnum):
    """What the browser tells a person of in one room while its tab is in the background."""

    ALL = "all"
    MENTIONS = "mentions"  # mentions of them and replies to them: the default
    NOTHING = "nothing"


class RoomNotificationChoice(Base):
    """A person's choice for one room; no row means the default, mentions and replies."""

    __tablename__ = "room_notification_choices"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), primary_key=True)
    level: Mapped[RoomLevel] = mapped_column(enum_type(RoomLevel, length=20))


class MissedMail(StrEnum):
    """Whether, and how often, a person is mailed what they missed (mentions, replies, DMs)."""

    OFF = "off"
    BATCHED = "batched"  # right away, gathered over MISSED_MAIL_BATCH_MINUTES: the default
    DIGEST = "digest"  # once a day


class MailChoice(Base):
    """A person's choice of mail for what they missed, and how far that mail has looked.

    No row means the default (batched) and nothing looked at yet. ``checked_until``
    moves only by compare-and-set, in the transaction that writes the mail, so two
    processes never mail the same things twice.
    """

    __tablename__ = "mail_choices"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    missed: Mapped[MissedMail] = mapped_column(
        enum_type(MissedMail, length=20), default=MissedMail.BATCHED
    )
    #: Everything created up to this moment has been mailed, or found read, or was off.
    checked_until: Mapped[dt.datetime | None]
