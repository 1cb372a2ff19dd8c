"""A session of the event's programme, loaded from the event file with its rooms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import created_at
from ..db import intpk
from ..db import slug_str
from ..event.models import pick_translation
from ..event.models import Room


class AgendaSession(Base):
    """A talk, panel or workshop: a time span in one room, with its speakers."""

    __tablename__ = "agenda_sessions"

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"))
    slug: Mapped[slug_str]
    titles: Mapped[dict[str, str]]
    descriptions: Mapped[dict[str, str]] = mapped_column(default=dict)
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime]
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), index=True)
    #: ``[{"name": ..., "administration": ..., "email": ...}]``; the administration is a
    #: slug of one taking part, or the name of any other body. ``email``, when the file
    #: gives one (normalized, never shown), links the speaker to the account with it.
    speakers: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON(), default=list)
    #: Practices it presents, as the file names them (ids or slugs): they may be
    #: published after the event file is loaded, so they are looked up when shown.
    practice_refs: Mapped[list[Any]] = mapped_column(sa.JSON(), default=list)
    #: Where its recording can be watched, once organizers add it (after the session).
    recording_url: Mapped[str] = mapped_column(sa.String(500), default="")
    position: Mapped[int] = mapped_column(default=0)
    #: A session dropped from the event file leaves the agenda but keeps what refers to it.
    is_archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]

    room: Mapped[Room] = relationship()

    def title_in(self, locale: str) -> str:
        return pick_translation(self.titles, locale)

    def description_in(self, locale: str) -> str:
        return pick_translation(self.descriptions, locale)

    def is_live_at(self, moment: dt.datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    @property
    def speaker_emails(self) -> set[str]:
        """The addresses of the speakers linked to accounts."""
        return {speaker["email"] for speaker in self.speakers if speaker.get("email")}

    def __repr__(self) -> str:
        return f"<AgendaSession {self.slug}>"
