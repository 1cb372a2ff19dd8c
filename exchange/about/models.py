"""What visitors send about the exchange itself."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, created_at, intpk


class AccessibilityFeedback(Base):
    """A report of an accessibility barrier, or a request for content in another form."""

    __tablename__ = "accessibility_feedback"

    id: Mapped[intpk]
    created_at: Mapped[created_at]
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    page: Mapped[str] = mapped_column(sa.String(500), default="")
    message: Mapped[str] = mapped_column(sa.Text)
    handled_at: Mapped[dt.datetime | None]
