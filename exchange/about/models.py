"""What visitors send about the exchange itself."""

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


class AccessibilityFeedback(Base):
    """A report of an accessibility barrier, or a request for content in another form."""

    __tablename__ = "accessibility_feedback"

    id: Mapped[intpk]
    created_at: Mapped[created_at]
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    page: Mapped[str] = mapped_column(sa.String(500), default="")
    message: Mapped[str] = mapped_column(sa.Text)
    #: When an organizer marked it answered, and who.
    handled_at: Mapped[dt.datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    handled_by: Mapped[User | None] = relationship()

    @property
    def is_answered(self) -> bool:
        return self.handled_at is not None
