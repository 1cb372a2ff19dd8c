"""Reading the programme: the agenda by day, what is on now and next, and its calendar file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

import icalendar
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..db import utcnow
from ..event.models import Administration
from ..event.models import Event
from ..event.models import Room
from ..extensions import db
from ..files.models import StoredFile
from ..practices.models import Practice
from ..practices.search import visible_practices
from .models import AgendaSession


def list_sessions() -> list[AgendaSession]:
    """Return the sessions of the agenda in time order, with their rooms."""
    return list(
        db.session.scalars(
            sa.select(AgendaSession)
            .where(AgendaSession.is_archived.is_(False))
            .options(joinedload(AgendaSession.room))
            .order_by(AgendaSession.starts_at, AgendaSession.position)
        )
    )


@dataclass
class Day:
    """The sessions of one day, in the reader's time zone."""

    date: dt.date
    sessions: list[AgendaSession]


def by_day(sessions: Iterable[AgendaSession], zone: dt.tzinfo) -> list[Day]:
    """Group time-ordered sessions by the day they start on, where the reader is."""
    return [
        Day(date, list(items))
        for date, items in groupby(
            sessions, key=lambda item: item.starts_at.astimezone(zone).date()
        )
    ]


@dataclass
class Now:
    """What is on at one moment: the live sessions, and the next to start."""

    live: list[AgendaSession]
    next: list[AgendaSession]

    def state_of(self, session: AgendaSession) -> str | None:
        """Say ``"live"``, ``"next"`` or nothing, as the agenda marks a session."""
        if session in self.live:
            return "live"
        if session in self.next:
            return "next"
        return None


def on_now(sessions: Sequence[AgendaSession], moment: dt.datetime) -> Now:
    """Find the sessions live at ``moment`` and those starting next (all at the same time)."""
    live = [item for item in sessions if item.is_live_at(moment)]
    upcoming = [item for item in sessions if item.starts_at > moment]
    first = min((item.starts_at for item in upcoming), default=None)
    return Now(live, [item for item in upcoming if item.starts_at == first])


def current_session(room: Room, moment: dt.datetime) -> AgendaSession | None:
    """Return the session on in ``room`` at ``moment``, if any."""
    return db.session.scalars(
        sa.select(AgendaSession)
        .where(
            AgendaSession.room_id == room.id,
            AgendaSession.is_archived.is_(False),
            AgendaSession.starts_at <= moment,
            AgendaSession.ends_at > moment,
        )
        .order_by(AgendaSession.starts_at.desc())
    ).first()


def speaker_grace() -> dt.timedelta:
    """How long before and after its session a speaker may act on its room's questions."""
    return dt.timedelta(minutes=current_app.config["SPEAKER_GRACE_MINUTES"])


def is_speaker(user: User, item: AgendaSession) -> bool:
    """Whether ``user``'s account has the address of one of the session's speakers.

    Only a confirmed address counts: registering with a speaker's address proves nothing.
    """
    return user.email_verified_at is not None and user.email in item.speaker_emails


def spoken_by(user: User, sessions: Iterable[AgendaSession]) -> set[int]:
    """The ids of the sessions among ``sessions`` that ``user`` speaks at."""
    return {item.id for item in sessions if is_speaker(user, item)}


def speaking_session(user: User, room: Room, moment: dt.datetime) -> AgendaSession | None:
    """The session of ``room`` that ``user`` speaks at around ``moment`` (grace included)."""
    grace = speaker_grace()
    candidates = db.session.scalars(
        sa.select(AgendaSession)
        .where(
            AgendaSession.room_id == room.id,
            AgendaSession.is_archived.is_(False),
            AgendaSession.starts_at <= moment + grace,
            AgendaSession.ends_at > moment - grace,
        )
        .order_by(AgendaSession.starts_at)
    )
    return next((item for item in candidates if is_speaker(user, item)), None)


def presented_practices(sessions: Iterable[AgendaSession]) -> dict[int, list[Practice]]:
    """The published practices each session presents, by session id, in the file's order.

    An id names one practice; a slug names the latest published practice with
    it (slugs follow titles and are not unique). Practices not published (yet)
    are left out.
    """
    sessions = list(sessions)
    ids = {ref for item in sessions for ref in item.practice_refs if isinstance(ref, int)}
    slugs = {ref for item in sessions for ref in item.practice_refs if isinstance(ref, str)}
    if not ids and not slugs:
        return {item.id: [] for item in sessions}
    found = db.session.scalars(
        visible_practices()
        .where(sa.or_(Practice.id.in_(ids), Practice.slug.in_(slugs)))
        .order_by(Practice.id)
    )
    by_ref: dict[int | str, Practice] = {}
    for practice in found:
        by_ref[practice.id] = practice
        by_ref[practice.slug] = practice  # the latest wins
    return {
        item.id: [by_ref[ref] for ref in item.practice_refs if ref in by_ref] for item in sessions
    }


def speaker_administrations(sessions: Iterable[AgendaSession]) -> dict[str, Administration]:
    """The administrations taking part that speakers belong to, by slug."""
    slugs = {speaker["administration"] for item in sessions for speaker in item.speakers}
    if not slugs:
        return {}
    return {
        administration.slug: administration
        for administration in db.session.scalars(
            sa.select(Administration).where(Administration.slug.in_(slugs))
        )
    }


def agenda_calendar(
    event: Event | None,
    sessions: Sequence[AgendaSession],
    *,
    locale: str,
    host: str,
    room_url: Callable[[Room], str],
    slides: Mapping[int, Sequence[StoredFile]] | None = None,
    file_url: Callable[[StoredFile], str] | None = None,
) -> bytes:
    """Build the agenda as an iCalendar file (RFC 5545), in the reader's language.

    Each session's UID is stable (its slug at the site's host), so calendars that
    subscribed update a session in place when the event file changes it. A
    session's recording and slides, once added, are attached to it (``ATTACH``)
    and named in its description.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Spazio Virtuale//Agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if event is not None:
        calendar.add("x-wr-calname", event.name_in(locale))
        calendar.add("x-wr-timezone", event.timezone)
    administrations = speaker_administrations(sessions)
    stamp = utcnow().replace(microsecond=0)
    for item in sessions:
        entry = icalendar.Event()
        entry.add("uid", f"{item.slug}@{host}")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", item.starts_at.astimezone(dt.UTC))
        entry.add("dtend", item.ends_at.astimezone(dt.UTC))
        entry.add("summary", item.title_in(locale))
        speakers = ", ".join(_speaker_text(speaker, administrations) for speaker in item.speakers)
        attached = [
            (file_url(file), file.content_type)
            for file in (slides or {}).get(item.id, [])
            if file_url is not None
        ]
        archive_lines = "\n".join(
            [gettext("Recording: %(url)s", url=item.recording_url)] if item.recording_url else []
        ) + "".join(f"\n{gettext('Slides: %(url)s', url=url)}" for url, _type in attached)
        description = "\n\n".join(
            part for part in (item.description_in(locale), speakers, archive_lines.strip()) if part
        )
        if description:
            entry.add("description", description)
        entry.add("location", item.room.name_in(locale))
        entry.add("url", room_url(item.room))
        if item.recording_url:
            entry.add("attach", item.recording_url)
        for url, content_type in attached:
            entry.add("attach", url, parameters={"FMTTYPE": content_type.split(";")[0]})
        calendar.add_component(entry)
    return bytes(calendar.to_ical())


def _speaker_text(speaker: dict[str, str], administrations: dict[str, Administration]) -> str:
    body = speaker.get("administration", "")
    known = administrations.get(body)
    body = known.name if known is not None else body
    return f"{speaker['name']} ({body})" if body else speaker["name"]
