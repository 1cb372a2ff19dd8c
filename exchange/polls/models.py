"""Polls opened in a room, their options, and the ballots people cast."""

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
    from ..event.models import Room


class Poll(Base):
    """A question put to a room with 2 to 10 options, open until closed by hand or in time.

    ``closes_at`` is when voting ends by itself; ``closed_at`` is when it did end
    (by hand, or set to ``closes_at`` by the step that announces it). A poll past
    its ``closes_at`` takes no ballot even before that step ran.
    """

    __tablename__ = "polls"
    __table_args__ = (sa.UniqueConstraint("author_id", "client_id"),)

    id: Mapped[intpk]
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: Chosen by the opening client so that a retried poll_open stores one poll.
    client_id: Mapped[str] = mapped_column(sa.String(64))
    question: Mapped[str] = mapped_column(sa.String(300))
    #: Whether a ballot may choose several options (else exactly one).
    multiple: Mapped[bool] = mapped_column(default=False)
    #: Anonymous polls keep who voted (one ballot each), never what they chose.
    anonymous: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]
    closes_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    #: How many people cast a ballot; kept with the ballots, in the same transaction.
    ballot_count: Mapped[int] = mapped_column(default=0)

    room: Mapped[Room] = relationship()
    author: Mapped[User] = relationship()
    options: Mapped[list[PollOption]] = relationship(
        back_populates="poll", order_by="PollOption.position", cascade="all, delete-orphan"
    )

    def is_open(self, moment: dt.datetime) -> bool:
        """Whether the poll takes ballots at ``moment``."""
        return self.closed_at is None and (self.closes_at is None or moment < self.closes_at)

    def __repr__(self) -> str:
        return f"<Poll {self.id}>"


class PollOption(Base):
    """One answer a poll offers, with how many ballots chose it."""

    __tablename__ = "poll_options"
    __table_args__ = (sa.UniqueConstraint("poll_id", "position"),)

    id: Mapped[intpk]
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("polls.id", ondelete="CASCADE"))
    position: Mapped[int]
    label: Mapped[str] = mapped_column(sa.String(120))
    #: Raised in the database (``vote_count + 1``) with each ballot, so none is lost.
    vote_count: Mapped[int] = mapped_column(default=0)

    poll: Mapped[Poll] = relationship(back_populates="options")
    #: The ballots that chose it: only polls that are not anonymous have any.
    voters: Mapped[list[PollBallot]] = relationship(
        secondary="poll_choices", viewonly=True, order_by="PollBallot.id"
    )


class PollBallot(Base):
    """That one person voted in one poll: a person votes once in each (the unique pair).

    A ballot is final. In an anonymous poll nothing links it to the options chosen.
    """

    __tablename__ = "poll_ballots"
    __table_args__ = (sa.UniqueConstraint("poll_id", "user_id"),)

    id: Mapped[intpk]
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("polls.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()
    choices: Mapped[list[PollChoice]] = relationship(cascade="all, delete-orphan")


class PollChoice(Base):
    """An option a ballot of a poll that is not anonymous chose (its voter's name shows)."""

    __tablename__ = "poll_choices"

    ballot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("poll_ballots.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(
        sa.ForeignKey("poll_options.id", ondelete="CASCADE"), primary_key=True, index=True
    )
