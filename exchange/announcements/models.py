"""An announcement, and who dismissed its banner."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import created_at
from ..db import intpk

if TYPE_CHECKING:
    from ..accounts.models import User


class Announcement(Base):
    """What an organizer or moderator announced, where, and until when its banner shows.

    The text is also posted as an ordinary message in each room it was sent to
    (rooms keep it in their history); this row is what the banner shows.
    """

    __tablename__ = "announcements"

    id: Mapped[intpk]
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    #: The slugs of the rooms it was posted in ("all" rooms are written out).
    rooms: Mapped[list[str]]
    #: Until when the banner shows on every page; None: no banner.
    banner_until: Mapped[dt.datetime | None] = mapped_column(index=True)
    created_at: Mapped[created_at]

    author: Mapped[User] = relationship()


class AnnouncementDismissal(Base):
    """A signed-in person closed a banner: it stays closed on every page and device."""

    __tablename__ = "announcement_dismissals"

    announcement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[created_at]
