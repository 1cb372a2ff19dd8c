"""Questions asked in a room, and the votes they get."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import created_at
from ..db import Hideable
from ..db import intpk

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..agenda.models import AgendaSession
    from ..event.models import Room


class Question(Hideable, Base):
    """A question to a room (and to the session on in it when asked).

    ``body`` is what the asker typed; ``body_html`` is derived and safe. In a room
    whose questions are moderated first, a question waits (``approved_at`` is
    empty) until a moderator approves it; only its asker and moderators see it.
    A moderator or a speaker may write an answer when marking it answered:
    ``answer_body`` as typed (empty: no written answer), ``answer_html`` derived.
    """

    __tablename__ = "questions"
    __table_args__ = (sa.UniqueConstraint("author_id", "client_id"),)

    id: Mapped[intpk]
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_sessions.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: Chosen by the asking client so that a retried ask stores one question.
    client_id: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[created_at]
    approved_at: Mapped[dt.datetime | None]
    answered_at: Mapped[dt.datetime | None]
    pinned_at: Mapped[dt.datetime | None]
    #: How many people vote for it; kept with the votes, in the same transaction.
    vote_count: Mapped[int] = mapped_column(default=0)
    answer_body: Mapped[str] = mapped_column(sa.Text, default="")
    answer_html: Mapped[str] = mapped_column(sa.Text, default="")
    #: Who wrote the answer (the latest to write it); None while it has no written answer.
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    room: Mapped[Room] = relationship()
    session: Mapped[AgendaSession | None] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def has_answer(self) -> bool:
        """Whether someone wrote an answer (a question may be answered without one)."""
        return bool(self.answer_html)

    @property
    def is_pinned(self) -> bool:
        return self.pinned_at is not None

    def __repr__(self) -> str:
        return f"<Question {self.id}>"


class QuestionVote(Base):
    """One person's vote for one question: a person votes once for each."""

    __tablename__ = "question_votes"

    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[created_at]
