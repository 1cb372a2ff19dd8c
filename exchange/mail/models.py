"""The outbox: every mail the exchange writes, kept after it is sent."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..db import Base
from ..db import created_at
from ..db import intpk
from ..db import utcnow


class OutgoingMail(Base):
    """One mail to one recipient, rendered when it was written, sent at most once.

    A process claims a batch (``claim_token``, ``claimed_until``) before it talks to
    the mail server, so two processes never send the same row; a claim that outlives
    its process simply expires and another process takes the mail.
    """

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: Mapped[intpk]
    #: The Message-ID header, fixed when the mail is written: a retry is the same mail.
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    #: What the mail is about ("password_reset", "practice_published", ...).
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: None once the address was removed (the person deleted their account).
    recipient: Mapped[str | None] = mapped_column(sa.String(254))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(500))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    #: Headers besides From, To, Subject, Date and Message-ID (List-Unsubscribe, ...).
    headers: Mapped[dict[str, str]] = mapped_column(default=dict)
    created_at: Mapped[created_at]
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_until: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    #: Set when the sender gave up after MAIL_MAX_ATTEMPTS.
    failed_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.kind}>"
