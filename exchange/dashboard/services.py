"""The figures of the organizers' dashboard, computed on request from the database."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..about.models import AccessibilityFeedback
from ..accounts.models import Role, User
from ..db import utcnow
from ..event.models import Administration, Room
from ..event.services import list_rooms
from ..extensions import db
from ..moderation.models import Report, ReportState
from ..practices.models import Practice, PracticeStatus
from ..practices.search import visible_practices
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
    session = db.session

    people_by_role = {
        role: count
        for role, count in session.execute(
            sa.select(User.role, sa.func.count())
            .where(User.deleted_at.is_(None))
            .group_by(User.role)
        )
    }
    messages_total = (
        session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.visible()))
        or 0
    )

    end = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    start = end - dt.timedelta(hours=hours)
    hour_list = [start + dt.timedelta(hours=n) for n in range(hours)]
    by_room_hour: dict[int, Counter[dt.datetime]] = {room.id: Counter() for room in rooms}
    recent = session.execute(
        sa.select(Message.room_id, Message.created_at).where(
            Message.created_at >= start, Message.visible()
        )
    )
    for room_id, created in recent:  # bucketed here: the same code on SQLite and PostgreSQL
        by_room_hour.setdefault(room_id, Counter())[
            created.replace(minute=0, second=0, microsecond=0)
        ] += 1

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
            .where(User.administration_id.is_not(None), Message.visible())
            .group_by(User.administration_id)
        ).all()
    )
    published = (
        visible_practices()
        .with_only_columns(Practice.theme_id, Practice.administration_id)
        .subquery()
    )
    by_theme: dict[int, int] = dict(
        session.execute(
            sa.select(published.c.theme_id, sa.func.count()).group_by(published.c.theme_id)
        ).all()
    )
    by_administration: dict[int, int] = dict(
        session.execute(
            sa.select(published.c.administration_id, sa.func.count()).group_by(
                published.c.administration_id
            )
        ).all()
    )
    administrations = [
        AdministrationActivity(
            a, delegates.get(a.id, 0), posted.get(a.id, 0), by_administration.get(a.id, 0)
        )
        for a in session.scalars(
            sa.select(Administration).order_by(Administration.country, Administration.name)
        )
    ]
    by_country: Counter[str] = Counter()
    for activity in administrations:
        by_country[activity.administration.country] += activity.practices

    return Overview(
        generated_at=now,
        online_total=presence.online_people(limit=0).count,
        online_by_room=[(room, counts.get(room.id, 0)) for room in rooms],
        people_by_role=people_by_role,
        messages_total=messages_total,
        hours=hour_list,
        messages_by_room_hour=by_room_hour,
        administrations=administrations,
        open_reports=session.scalar(
            sa.select(sa.func.count()).select_from(Report).where(Report.state == ReportState.OPEN)
        )
        or 0,
        open_feedback=session.scalar(
            sa.select(sa.func.count())
            .select_from(AccessibilityFeedback)
            .where(AccessibilityFeedback.handled_at.is_(None))
        )
        or 0,
        practices_by_theme=[(room, by_theme.get(room.id, 0)) for room in rooms],
        practices_by_country=sorted(
            ((country, count) for country, count in by_country.items() if count),
            key=lambda item: (-item[1], item[0]),
        ),
        practices_in_review=session.scalar(
            sa.select(sa.func.count())
            .select_from(Practice)
            .where(Practice.status == PracticeStatus.SUBMITTED, Practice.visible())
        )
        or 0,
    )
