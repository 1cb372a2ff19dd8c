"""The rules of polls: opening one in a room, casting a ballot, closing it by hand or in time."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from .. import permissions
from .. import realtime
from ..accounts.models import User
from ..errors import Forbidden
from ..errors import Invalid
from ..errors import NotFound
from ..event.models import Room
from ..event.phases import check_rooms_open
from ..event.phases import now
from ..extensions import db
from ..moderation.services import check_not_muted
from ..payloads import check_storable
from ..permissions import Action
from ..rooms.services import validate_client_id
from ..sanitize import clean_line
from .models import Poll
from .models import PollBallot
from .models import PollChoice
from .models import PollOption

logger = logging.getLogger(__name__)

#: The longest question, in characters, once tidied (sanitize.clean_line).
MAX_QUESTION_LENGTH = 300
#: The longest option, in characters, once tidied.
MAX_OPTION_LENGTH = 120
MIN_OPTIONS = 2
MAX_OPTIONS = 10
#: How far ahead a poll may close by itself: a poll belongs to the days of the event.
LONGEST_OPEN = dt.timedelta(days=7)


@dataclass(frozen=True)
class Draft:
    """What a poll's opener sends, before it is checked."""

    question: str
    options: list[str]
    multiple: bool = False
    anonymous: bool = False
    closes_at: dt.datetime | None = None


def clean_draft(draft: Draft, moment: dt.datetime) -> Draft:
    """Return ``draft`` tidied, or raise :class:`Invalid` naming the field to fix."""
    check_storable(draft.question, "question")
    question = clean_line(draft.question)
    if not question:
        raise Invalid(_l("Write the question of the poll."), field="question")
    if len(question) > MAX_QUESTION_LENGTH:
        raise Invalid(
            _l(
                "A poll's question can be at most %(max)d characters long.", max=MAX_QUESTION_LENGTH
            ),
            field="question",
        )
    options = []
    for option in draft.options:
        check_storable(option, "options")
        label = clean_line(option)
        if label:
            options.append(label)
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise Invalid(
            _l(
                "Give the poll between %(min)d and %(max)d options.",
                min=MIN_OPTIONS,
                max=MAX_OPTIONS,
            ),
            field="options",
        )
    if any(len(label) > MAX_OPTION_LENGTH for label in options):
        raise Invalid(
            _l("Each option can be at most %(max)d characters long.", max=MAX_OPTION_LENGTH),
            field="options",
        )
    if len({label.casefold() for label in options}) < len(options):
        raise Invalid(_l("Each option must be different from the others."), field="options")
    closes_at = draft.closes_at
    if closes_at is not None:
        if closes_at.tzinfo is None:
            raise Invalid(_l("Give the closing time with its time zone."), field="closes_at")
        closes_at = closes_at.astimezone(dt.UTC)
        if closes_at <= moment:
            raise Invalid(_l("The closing time must be in the future."), field="closes_at")
        if closes_at > moment + LONGEST_OPEN:
            raise Invalid(
                _l("A poll can stay open for at most %(days)d days.", days=LONGEST_OPEN.days),
                field="closes_at",
            )
    return Draft(question, options, draft.multiple, draft.anonymous, closes_at)


def open_poll(room: Room, author: User, draft: Draft, client_id: str) -> Poll:
    """Open a poll in ``room``, then tell the room (``poll``).

    Sending the same ``client_id`` again returns the poll stored the first time.
    """
    permissions.check(author, Action.OPEN_POLL, room)
    validate_client_id(client_id)
    moment = now()
    draft = clean_draft(draft, moment)
    existing = db.session.scalars(
        sa.select(Poll).where(Poll.author_id == author.id, Poll.client_id == client_id)
    ).first()
    if existing is not None:
        if existing.room_id != room.id or existing.question != draft.question:
            raise Invalid(
                _l("This client_id was already used for a different poll."), field="client_id"
            )
        return existing
    check_rooms_open()
    check_not_muted(author, moment)
    poll = Poll(
        room=room,
        author=author,
        client_id=client_id,
        question=draft.question,
        multiple=draft.multiple,
        anonymous=draft.anonymous,
        closes_at=draft.closes_at,
        options=[
            PollOption(position=number, label=label)
            for number, label in enumerate(draft.options, start=1)
        ],
    )
    db.session.add(poll)
    db.session.commit()
    logger.info("poll %r opened in %s by %r", poll.id, room.slug, author.id)
    realtime.poll_changed(poll, "poll")
    return poll


def vote(poll: Poll, voter: User, option_ids: list[int]) -> list[int]:
    """Cast ``voter``'s one ballot in ``poll``; return the options it chose.

    A ballot is final: a second one is refused, even with other options. In an
    anonymous poll the ballot records that ``voter`` voted, and the options'
    counts grow, but nothing links the two.
    """
    permissions.check(voter, Action.VOTE_POLL, poll)
    check_rooms_open()
    moment = now()
    check_not_muted(voter, moment)
    if not poll.is_open(moment):
        raise Forbidden(_l("This poll is closed."))
    chosen = sorted(set(option_ids))
    offered = {option.id for option in poll.options}
    if not chosen or len(chosen) != len(option_ids) or not set(chosen) <= offered:
        raise Invalid(_l("Choose among the poll's options."), field="option_ids")
    if not poll.multiple and len(chosen) > 1:
        raise Invalid(_l("This poll takes one choice only."), field="option_ids")
    if has_voted(poll, voter):
        raise Forbidden(_l("You have already voted in this poll."))
    ballot = PollBallot(poll_id=poll.id, user_id=voter.id)
    if not poll.anonymous:
        ballot.choices = [PollChoice(option_id=option_id) for option_id in chosen]
    db.session.add(ballot)
    try:
        db.session.flush()
    except IntegrityError:
        # Two ballots of one person at once: the unique pair lets one in.
        db.session.rollback()
        raise Forbidden(_l("You have already voted in this poll.")) from None
    # Raised in the database, not in Python, so that ballots cast at once all count.
    db.session.execute(
        sa.update(PollOption)
        .where(PollOption.id.in_(chosen))
        .values(vote_count=PollOption.vote_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Poll)
        .where(Poll.id == poll.id)
        .values(ballot_count=Poll.ballot_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    # The session keeps objects after a commit: read the counts as the database has them.
    db.session.refresh(poll)
    for option in poll.options:
        db.session.refresh(option)
    realtime.poll_changed(poll, "poll_updated")
    return chosen


def close(poll: Poll, actor: User) -> Poll:
    """Close a poll by hand (closing a closed poll changes nothing), then tell the room."""
    permissions.check(actor, Action.CLOSE_POLL, poll)
    if poll.closed_at is not None:
        return poll
    moment = now()
    poll.closed_at = (
        poll.closes_at if poll.closes_at is not None and poll.closes_at <= moment else moment
    )
    db.session.commit()
    logger.info("poll %r closed by %r", poll.id, actor.id)
    realtime.poll_changed(poll, "poll_updated")
    return poll


def close_due() -> list[Poll]:
    """Close the polls whose time is up, and tell their rooms (``poll_updated``).

    Run every ``EXCHANGE_POLL_CLOSE_INTERVAL`` seconds by each process
    (lifecycle.py); a poll is announced by the one process whose update closed it.
    """
    moment = now()
    due = list(
        db.session.scalars(
            sa.select(Poll.id).where(
                Poll.closed_at.is_(None), Poll.closes_at.is_not(None), Poll.closes_at <= moment
            )
        )
    )
    closed = []
    for poll_id in due:
        result = db.session.execute(
            sa.update(Poll)
            .where(Poll.id == poll_id, Poll.closed_at.is_(None))
            .values(closed_at=Poll.closes_at)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            closed.append(poll_id)
    db.session.commit()
    polls = [get_poll(poll_id) for poll_id in closed]
    for poll in polls:
        logger.info("poll %r closed in time", poll.id)
        realtime.poll_changed(poll, "poll_updated")
    return polls


def get_poll(poll_id: int) -> Poll:
    """Return a poll by id, or raise :class:`NotFound`."""
    poll = db.session.scalars(
        sa.select(Poll)
        .where(Poll.id == poll_id)
        .options(joinedload(Poll.room), selectinload(Poll.options))
        .execution_options(populate_existing=True)
    ).first()
    if poll is None:
        raise NotFound()
    return poll


def has_voted(poll: Poll, person: User) -> bool:
    return (
        db.session.scalar(
            sa.select(PollBallot.id).where(
                PollBallot.poll_id == poll.id, PollBallot.user_id == person.id
            )
        )
        is not None
    )


@dataclass
class Panel:
    """A room's polls as one reader sees them: open ones first, newest first, then history.

    ``mine`` maps each poll the reader voted in to the options they chose; in an
    anonymous poll, to an empty list: the exchange does not know.
    """

    polls: list[Poll]
    mine: dict[int, list[int]] = field(default_factory=dict)

    @property
    def open(self) -> list[Poll]:
        moment = now()
        return [poll for poll in self.polls if poll.is_open(moment)]

    @property
    def closed(self) -> list[Poll]:
        moment = now()
        return [poll for poll in self.polls if not poll.is_open(moment)]


def panel(room: Room, reader: User) -> Panel:
    """Return the polls of ``room`` with what ``reader`` chose in each."""
    polls = list(
        db.session.scalars(
            sa.select(Poll)
            .where(Poll.room_id == room.id)
            .options(
                joinedload(Poll.room),
                joinedload(Poll.author).joinedload(User.administration),
                selectinload(Poll.options)
                .selectinload(PollOption.voters)
                .joinedload(PollBallot.user)
                .joinedload(User.administration),
            )
            .order_by(Poll.id.desc())
        )
    )
    moment = now()
    polls.sort(key=lambda poll: (not poll.is_open(moment), -poll.id))
    ballots = db.session.scalars(
        sa.select(PollBallot)
        .where(PollBallot.user_id == reader.id, PollBallot.poll_id.in_([p.id for p in polls]))
        .options(selectinload(PollBallot.choices))
    )
    mine = {ballot.poll_id: sorted(c.option_id for c in ballot.choices) for ballot in ballots}
    return Panel(polls, mine)


def my_choices(poll: Poll, reader: User) -> list[int] | None:
    """The options ``reader`` chose in ``poll`` ([] if anonymous), or None if they did not vote."""
    ballot = db.session.scalars(
        sa.select(PollBallot)
        .where(PollBallot.poll_id == poll.id, PollBallot.user_id == reader.id)
        .options(selectinload(PollBallot.choices))
    ).first()
    return None if ballot is None else sorted(c.option_id for c in ballot.choices)


def counts() -> dict[str, int]:
    """How many polls were opened and ballots cast, for the organizers' dashboard."""
    return {
        "polls": db.session.scalar(sa.select(sa.func.count()).select_from(Poll)) or 0,
        "poll_ballots": db.session.scalar(sa.select(sa.func.count()).select_from(PollBallot)) or 0,
    }


def closed_results() -> list[tuple[Poll, PollOption]]:
    """Every option of every closed poll, oldest poll first: counts, never who chose what."""
    polls = db.session.scalars(
        sa.select(Poll)
        .where(Poll.closed_at.is_not(None))
        .options(joinedload(Poll.room), selectinload(Poll.options))
        .order_by(Poll.closed_at, Poll.id)
    )
    return [(poll, option) for poll in polls for option in poll.options]


def personal_data(user: User) -> dict[str, object]:
    """The polls ``user`` opened and voted in, for their data export.

    In an anonymous poll only the ballot is known, never its choice: ``chosen`` is null.
    """
    opened = db.session.scalars(
        sa.select(Poll)
        .where(Poll.author_id == user.id)
        .options(joinedload(Poll.room))
        .order_by(Poll.id)
    )
    ballots = db.session.scalars(
        sa.select(PollBallot)
        .where(PollBallot.user_id == user.id)
        .options(selectinload(PollBallot.choices))
        .order_by(PollBallot.poll_id)
    )
    voted = []
    for ballot in ballots:
        poll = get_poll(ballot.poll_id)
        labels = {option.id: option.label for option in poll.options}
        voted.append(
            {
                "poll": poll.id,
                "room": poll.room.slug,
                "question": poll.question,
                "chosen": None
                if poll.anonymous
                else [labels[choice.option_id] for choice in ballot.choices],
            }
        )
    return {
        "opened": [
            {"poll": poll.id, "room": poll.room.slug, "question": poll.question} for poll in opened
        ],
        "voted_in": voted,
    }
