"""The event, its themed rooms and the administrations taking part."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import created_at
from ..db import enum_type
from ..db import intpk
from ..db import short_str
from ..db import slug_str

if TYPE_CHECKING:
    from ..accounts.models import User


def pick_translation(texts: dict[str, str], locale: str, fallback: str = "en") -> str:
    """Return the text in ``locale``, else in ``fallback``, else any text we have."""
    if locale in texts:
        return texts[locale]
    language = locale.split("_")[0]
    if language in texts:
        return texts[language]
    if fallback in texts:
        return texts[fallback]
    return next(iter(texts.values()), "")


class Event(Base):
    """The conference this exchange serves. A database holds exactly one."""

    __tablename__ = "events"

    id: Mapped[intpk]
    slug: Mapped[slug_str]
    names: Mapped[dict[str, str]]
    descriptions: Mapped[dict[str, str]] = mapped_column(default=dict)
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Rome")
    #: Where it takes place, in English; ``locations`` holds it in every language given.
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    locations: Mapped[dict[str, str]] = mapped_column(default=dict)
    website: Mapped[str] = mapped_column(sa.String(300), default="")

    #: The themed rooms of the event file; conversations (kind "direct") are never among them.
    rooms: Mapped[list[Room]] = relationship(
        primaryjoin="and_(Event.id == Room.event_id, Room.kind == 'public')",
        order_by="Room.position",
        viewonly=True,
    )

    def name_in(self, locale: str) -> str:
        return pick_translation(self.names, locale)

    def description_in(self, locale: str) -> str:
        return pick_translation(self.descriptions, locale)

    def location_in(self, locale: str) -> str:
        return pick_translation(self.locations, locale) if self.locations else self.location

    def lacks_language(self, locale: str) -> bool:
        """Whether any text of the event or its open rooms lacks ``locale``."""
        language = locale.split("_")[0]
        texts = [self.names, self.descriptions, self.locations] + [
            texts
            for room in self.rooms
            if not room.is_archived
            for texts in (room.names, room.descriptions)
        ]
        return any(texts and language not in texts for texts in texts)


class RoomKind(StrEnum):
    """A themed room of the event file, or a private conversation between a few people."""

    PUBLIC = "public"
    DIRECT = "direct"


class Room(Base):
    """A themed room: a place to chat live, and a theme for best practices.

    A room of kind ``direct`` is a conversation (exchange/conversations): only its
    members (``RoomMember``) see it, and nothing that lists rooms shows it.
    """

    __tablename__ = "rooms"

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"))
    slug: Mapped[slug_str]
    names: Mapped[dict[str, str]]
    descriptions: Mapped[dict[str, str]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)
    #: A room dropped from the event file keeps its history but takes no new messages.
    is_archived: Mapped[bool] = mapped_column(default=False)
    #: Slow mode: the least seconds between two messages of one person (0: off).
    slow_mode_seconds: Mapped[int] = mapped_column(default=0)
    #: Questions asked here wait for a moderator's approval before others see them.
    questions_moderated: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[RoomKind] = mapped_column(
        enum_type(RoomKind, length=16), default=RoomKind.PUBLIC, server_default="public"
    )
    created_at: Mapped[created_at]

    event: Mapped[Event] = relationship()
    #: The people of a conversation (none for a public room), in the order they were added.
    members: Mapped[list[RoomMember]] = relationship(
        order_by="RoomMember.joined_at, RoomMember.user_id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_direct(self) -> bool:
        return self.kind is RoomKind.DIRECT

    def has_member(self, user_id: int) -> bool:
        return any(member.user_id == user_id for member in self.members)

    def name_in(self, locale: str) -> str:
        """The room's name; a conversation's is the names of its members."""
        if self.is_direct:
            return ", ".join(member.user.display_name for member in self.members)
        return pick_translation(self.names, locale)

    def description_in(self, locale: str) -> str:
        return pick_translation(self.descriptions, locale)

    def __repr__(self) -> str:
        return f"<Room {self.slug}>"


def public_room_ids() -> sa.Select[int]:
    """The ids of the themed rooms: what public listings and counts narrow messages to."""
    return sa.select(Room.id).where(Room.kind == RoomKind.PUBLIC)


class RoomMember(Base):
    """One person of a conversation (a room of kind ``direct``)."""

    __tablename__ = "room_members"

    room_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[created_at]

    user: Mapped[User] = relationship()


class AdministrationKind(StrEnum):
    MUNICIPALITY = "municipality"
    UNION_OF_MUNICIPALITIES = "union_of_municipalities"
    PROVINCE = "province"
    REGION = "region"
    OTHER = "other"


class Administration(Base):
    """A public administration taking part in the exchange."""

    __tablename__ = "administrations"

    id: Mapped[intpk]
    slug: Mapped[slug_str]
    name: Mapped[short_str]
    #: ISO 3166-1 alpha-2 code, upper case ("IT").
    country: Mapped[str] = mapped_column(sa.String(2), index=True)
    kind: Mapped[AdministrationKind] = mapped_column(enum_type(AdministrationKind))
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Made-up administrations that only exist to make the demo richer.
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]

    members: Mapped[list[User]] = relationship(back_populates="administration")

    def __repr__(self) -> str:
        return f"<Administration {self.slug}>"
