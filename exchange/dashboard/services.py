"""The figures of the organizers' dashboard, computed on request from the database."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from ..about.models import AccessibilityFeedback
from ..accounts.models import EmailInvitation
from ..accounts.models import Role
from ..accounts.models import User
from ..conversations.services import counts as conversation_counts
from ..db import utcnow
from ..event.models import Administration
from ..event.models import public_room_ids
from ..event.models import Room
from ..event.services import list_rooms
from ..extensions import db
from ..moderation.models import Report
from ..moderation.models import ReportState
from ..polls.services import counts as poll_counts
from ..practices.models import Practice
from ..practices.models import PracticeStatus
from ..practices.search import visible_practices
from ..questions.services import counts as question_counts
from ..rooms import presence
from ..rooms.models import Message


@dataclass
class AdministrationActivity:
    administration: Administration
    delegates: int
    messages: int
    #: Published practices, as the library shows them.
    practices: int = 0

    @property
    def has_joined(self) -> bool:
        return self.delegates > 0

    @property
    def has_posted(self) -> bool:
        return self.messages > 0

    @property
    def has_published(self) -> bool:
        return self.practices > 0


@dataclass
class Overview:
    generated_at: dt.datetime
    online_total: int
    online_by_room: list[tuple[Room, int]]
    people_by_role: dict[Role, int]
    messages_total: int
    hours: list[dt.datetime]
    messages_by_room_hour: dict[int, Counter[dt.datetime]]
    administrations: list[AdministrationActivity]
    open_reports: int
    open_feedback: int
    #: The library: published practices by theme (in the rooms' order) and by country.
    practices_by_theme: list[tuple[Room, int]] = field(default_factory=list)
    practices_by_country: list[tuple[str, int]] = field(default_factory=list)
    practices_in_review: int = 0
    #: People listed in the directory; addresses invited by email, and how many joined.
    listed_people: int = 0
    invited_by_email: int = 0
    joined_by_email: int = 0
    #: Questions (Q&A) asked, and votes given to them: counts only, never what they say.
    questions: int = 0
    question_votes: int = 0
    #: Polls opened, and ballots cast in them: counts only.
    polls: int = 0
    poll_ballots: int = 0
    #: Conversations started, and messages written in them: counts only, never who or what.
    conversations: int = 0
    direct_messages: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def not_joined(self) -> list[AdministrationActivity]:
        return [a for a in self.administrations if not a.has_joined]

    @property
    def not_posted(self) -> list[AdministrationActivity]:
        return [a for a in self.administrations if a.has_joined and not a.has_posted]

    @property
    def not_published(self) -> list[AdministrationActivity]:
        """Administrations with delegates but no practice in the library yet."""
        return [a for a in self.administrations if a.has_joined and not a.has_published]

    @property
    def practices_total(self) -> int:
        return sum(count for _, count in self.practices_by_theme)

    def messages_per_hour(self) -> list[tuple[dt.datetime, int]]:
        totals: Counter[dt.datetime] = Counter()
        for counts in self.messages_by_room_hour.values():
            totals.update(counts)
        return [(hour, totals[hour]) for hour in self.hours]


def overview(*, hours: int = 24) -> Overview:
    """Everything the dashboard shows, as of now."""
    now = utcnow()
    rooms = list_rooms()
    counts = presence.online_counts()
    end = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    start = end - dt.timedelta(hours=hours)
    published = (
        visible_practices()
        .with_only_columns(Practice.theme_id, Practice.administration_id)
        .subquery()
    )
    administrations = _administration_activity(published)
    by_theme = _count_by(published.c.theme_id)
    asked = question_counts()
    polled = poll_counts()
    written = conversation_counts()
    return Overview(
        generated_at=now,
        online_total=presence.online_people(limit=0).count,
        online_by_room=[(room, counts.get(room.id, 0)) for room in rooms],
        people_by_role=_people_by_role(),
        messages_total=_count(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(Message.visible(), Message.room_id.in_(public_room_ids()))
        ),
        hours=[start + dt.timedelta(hours=n) for n in range(hours)],
        messages_by_room_hour=_messages_by_room_hour(rooms, start),
        administrations=administrations,
        open_reports=_count(
            sa.select(sa.func.count()).select_from(Report).where(Report.state == ReportState.OPEN)
        ),
        open_feedback=_count(
            sa.select(sa.func.count())
            .select_from(AccessibilityFeedback)
            .where(AccessibilityFeedback.handled_at.is_(None))
        ),
        practices_by_theme=[(room, by_theme.get(room.id, 0)) for room in rooms],
        practices_by_country=_practices_by_country(administrations),
        practices_in_review=_count(
            sa.select(sa.func.count())
            .select_from(Practice)
            .where(Practice.status == PracticeStatus.SUBMITTED, Practice.visible())
        ),
        listed_people=_count(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.listed.is_(True), User.deleted_at.is_(None))
        ),
        invited_by_email=_count(sa.select(sa.func.count()).select_from(EmailInvitation)),
        joined_by_email=_count(
            sa.select(sa.func.count())
            .select_from(EmailInvitation)
            .where(EmailInvitation.accepted_at.is_not(None))
        ),
        questions=asked["questions"],
        question_votes=asked["question_votes"],
        polls=polled["polls"],
        poll_ballots=polled["poll_ballots"],
        conversations=written["conversations"],
        direct_messages=written["direct_messages"],
    )


def _count(statement: sa.Select[int]) -> int:
    return db.session.scalar(statement) or 0


def _count_by(column: sa.ColumnElement[int | None]) -> dict[int, int]:
    """How many rows of ``column``'s table have each value of it."""
    rows = db.session.execute(sa.select(column, sa.func.count()).group_by(column))
    return {key: count for key, count in rows if key is not None}


def _people_by_role() -> dict[Role, int]:
    return {
        role: count
        for role, count in db.session.execute(
            sa.select(User.role, sa.func.count())
            .where(User.deleted_at.is_(None))
            .group_by(User.role)
        )
    }


def _messages_by_room_hour(
    rooms: list[Room], start: dt.datetime
) -> dict[int, Counter[dt.datetime]]:
    by_room_hour: dict[int, Counter[dt.datetime]] = {room.id: Counter() for room in rooms}
    recent = db.session.execute(
        sa.select(Message.room_id, Message.created_at).where(
            Message.created_at >= start,
            Message.visible(),
            Message.room_id.in_(public_room_ids()),
        )
    )
    for room_id, created in recent:  # bucketed here: the same code on SQLite and PostgreSQL
        by_room_hour.setdefault(room_id, Counter())[
            created.replace(minute=0, second=0, microsecond=0)
        ] += 1
    return by_room_hour


def _administration_activity(published: sa.Subquery) -> list[AdministrationActivity]:
    """Each administration with its delegates, their messages and its published practices."""
    session = db.session
    delegates = dict(
        session.execute(
            sa.select(User.administration_id, sa.func.count())
            .where(User.role.in_(Role.of_administrations()), User.deleted_at.is_(None))
            .group_by(User.administration_id)
        ).all()
    )
    posted = dict(
        session.execute(
            sa.select(User.administration_id, sa.func.count(Message.id))
            .join(Message, Message.author_id == User.id)
            .where(
                User.administration_id.is_not(None),
                Message.visible(),
                Message.room_id.in_(public_room_ids()),
            )
            .group_by(User.administration_id)
        ).all()
    )
    practices = _count_by(published.c.administration_id)
    return [
        AdministrationActivity(
            a, delegates.get(a.id, 0), posted.get(a.id, 0), practices.get(a.id, 0)
        )
        for a in session.scalars(
            sa.select(Administration).order_by(Administration.country, Administration.name)
        )
    ]


def _practices_by_country(administrations: list[AdministrationActivity]) -> list[tuple[str, int]]:
    by_country: Counter[str] = Counter()
    for activity in administrations:
        by_country[activity.administration.country] += activity.practices
    return sorted(
        ((country, count) for country, count in by_country.items() if count),
        key=lambda item: (-item[1], item[0]),
    )
