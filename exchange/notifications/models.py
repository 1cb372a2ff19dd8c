"""Each person's choices of what to be told of."""

from __future__ import annotations

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
