"""Rules about the event: loading it from its TOML description, and reading it back."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from typing import TypedDict
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..agenda.models import AgendaSession
from ..errors import Invalid
from ..errors import NotFound
from ..extensions import db
from ..permissions import Action
from ..permissions import can
from .models import Administration
from .models import AdministrationKind
from .models import Event
from .models import Room
from .models import RoomKind

logger = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
WEB_ADDRESS_RE = re.compile(r"^https?://[^/\s]+\.[^/\s]+(/\S*)?$")


class EventFileError(Invalid):
    """The event description has mistakes; ``problems`` lists each with its place."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("The event description has problems:\n- " + "\n- ".join(problems))


@dataclass
class LoadReport:
    """What loading an event description changed."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        parts = [
            ("created", self.created),
            ("updated", self.updated),
            ("archived (no longer in the file; history kept)", self.archived),
            ("left as they are (not in the file)", self.not_in_file),
        ]
        lines = [f"{label}: {', '.join(items)}" for label, items in parts if items]
        lines.append(f"unchanged: {len(self.unchanged)}")
        return lines


def load_event_file(path: str | Path) -> LoadReport:
    """Load (or reload) the event described in a TOML file."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise EventFileError([f"{path}: no such file"]) from None
    except tomllib.TOMLDecodeError as error:
        raise EventFileError([f"{path}: not valid TOML ({error})"]) from None
    return load_event(data)


def load_event(data: Mapping[str, Any]) -> LoadReport:
    """Create or update the event, its rooms, sessions and administrations from parsed TOML.

    Loading is idempotent: things are matched by slug, so running it again
    updates them and never duplicates. Rooms and sessions missing from the file
    are archived (their history stays); administrations missing from it are left
    alone, because people belong to them.
    """
    spec = _validate(data)
    session = db.session
    report = LoadReport()

    event = session.scalars(sa.select(Event)).first()
    if event is not None and event.slug != spec.event["slug"]:
        raise EventFileError(
            [
                f"event.slug: this database holds the event {event.slug!r}; "
                f"load {spec.event['slug']!r} into a new database instead"
            ]
        )
    if event is None:
        event = Event(**spec.event)
        session.add(event)
        report.created.append(f"event {spec.event['slug']}")
    else:
        _apply(event, spec.event, f"event {event.slug}", report)
    session.flush()

    rooms = [
        {**values, "position": position, "is_archived": False, "event_id": event.id}
        for position, values in enumerate(spec.rooms)
    ]
    _create_update_or_archive(Room, rooms, "room", report)

    session.flush()
    _load_sessions(spec.sessions, event, report)

    admins_by_slug = {a.slug: a for a in session.scalars(sa.select(Administration))}
    for admin_values in spec.administrations:
        administration = admins_by_slug.pop(admin_values["slug"], None)
        if administration is None:
            session.add(Administration(**admin_values))
            report.created.append(f"administration {admin_values['slug']}")
        else:
            _apply(administration, admin_values, f"administration {administration.slug}", report)
    report.not_in_file.extend(f"administration {slug}" for slug in sorted(admins_by_slug))

    session.commit()
    logger.info("event %s loaded: %s", event.slug, "; ".join(report.lines()))
    return report


def _load_sessions(specs: list[_SessionValues], event: Event, report: LoadReport) -> None:
    """Create, update or archive the programme's sessions, matched by slug."""
    room_ids = {room.slug: room.id for room in db.session.scalars(sa.select(Room))}
    # A recording the file does not give is left as organizers set it on the web.
    sessions = [
        {
            key: value
            for key, value in spec.items()
            if key != "room" and not (key == "recording_url" and not value)
        }
        | {
            "room_id": room_ids[spec["room"]],
            "event_id": event.id,
            "position": position,
            "is_archived": False,
        }
        for position, spec in enumerate(specs)
    ]
    _create_update_or_archive(AgendaSession, sessions, "session", report)


#: What an event file lists by slug and archives when it no longer does.
_Listed = TypeVar("_Listed", Room, AgendaSession)


def _create_update_or_archive(
    model: type[_Listed],
    rows: list[dict[str, Any]],
    kind: str,
    report: LoadReport,
) -> None:
    """Match the file's ``rows`` to what is stored by slug: create what is new, update
    the rest, and archive (never delete) what the file no longer lists."""
    query = sa.select(model)
    if model is Room:  # conversations are not the event file's: never archived by it
        query = query.where(Room.kind == RoomKind.PUBLIC)
    stored: dict[str, _Listed] = {item.slug: item for item in db.session.scalars(query)}
    for values in rows:
        item = stored.pop(values["slug"], None)
        if item is None:
            db.session.add(model(**values))
            report.created.append(f"{kind} {values['slug']}")
        else:
            _apply(item, values, f"{kind} {item.slug}", report)
    for item in stored.values():
        if not item.is_archived:
            item.is_archived = True
            report.archived.append(f"{kind} {item.slug}")


def _apply(obj: object, values: Mapping[str, object], label: str, report: LoadReport) -> None:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    (report.updated if changed else report.unchanged).append(label)


class _EventValues(TypedDict):
    slug: str
    names: dict[str, str]
    descriptions: dict[str, str]
    starts_on: dt.date | None
    ends_on: dt.date | None
    timezone: str
    location: str
    locations: dict[str, str]
    website: str


class _RoomValues(TypedDict):
    slug: str
    names: dict[str, str]
    descriptions: dict[str, str]
    questions_moderated: bool


class _SessionValues(TypedDict):
    slug: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    starts_at: dt.datetime
    ends_at: dt.datetime
    room: str
    speakers: list[dict[str, str]]
    practice_refs: list[int | str]
    recording_url: str


class _AdministrationValues(TypedDict):
    slug: str
    name: str
    country: str
    kind: AdministrationKind
    website: str
    is_demo: bool


@dataclass
class _EventSpec:
    event: _EventValues
    rooms: list[_RoomValues]
    sessions: list[_SessionValues]
    administrations: list[_AdministrationValues]


def _validate(data: Mapping[str, Any]) -> _EventSpec:
    """Check the whole description and report every problem at once, with its place."""
    problems = _Problems()
    problems.unknown_keys("(top level)", data, {"event", "rooms", "sessions", "administrations"})
    raw_event = data.get("event")
    if not isinstance(raw_event, Mapping):
        raise EventFileError(["[event]: the file must have an [event] table"])
    event = _event_values(problems, raw_event)
    rooms = _room_values(problems, data.get("rooms", []))
    administrations = _administration_values(problems, data.get("administrations", []))
    # While a room's slug is wrong, sessions may well mean it: that one mistake is reported once.
    room_slugs = [room["slug"] for room in rooms]
    sessions = _session_values(
        problems, data.get("sessions", []), event, set(room_slugs) if all(room_slugs) else None
    )
    problems.slugs_once("rooms", [room["slug"] for room in rooms])
    problems.slugs_once("sessions", [item["slug"] for item in sessions])
    problems.slugs_once("administrations", [admin["slug"] for admin in administrations])
    if problems:
        raise EventFileError(list(problems))
    return _EventSpec(event, rooms, sessions, administrations)


def _event_values(problems: _Problems, raw: Mapping[str, Any]) -> _EventValues:
    """Read the ``[event]`` table."""
    problems.unknown_keys(
        "event",
        raw,
        {"slug", "name", "description", "starts_on", "ends_on", "timezone", "location", "website"},
    )
    slug = problems.slug("event.slug", raw.get("slug"))
    names = problems.translations("event.name", raw.get("name"), max_length=200)
    descriptions = problems.translations(
        "event.description", raw.get("description"), max_length=4000, required=False
    )
    starts_on = problems.date("event.starts_on", raw.get("starts_on"))
    ends_on = problems.date("event.ends_on", raw.get("ends_on"))
    timezone = problems.text("event.timezone", raw.get("timezone", "Europe/Rome"), max_length=64)
    locations = problems.translations(
        "event.location", raw.get("location"), max_length=200, required=False
    )
    website = problems.text("event.website", raw.get("website"), max_length=300, required=False)
    if starts_on and ends_on and ends_on < starts_on:
        problems.append("event.ends_on: the event cannot end before it starts")
    if timezone:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(f"event.timezone: {timezone!r} is not a known time zone")
    return {
        "slug": slug,
        "names": names,
        "descriptions": descriptions,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "timezone": timezone,
        "location": locations.get("en", ""),
        "locations": locations,
        "website": website,
    }


def _room_values(problems: _Problems, raw_rooms: Any) -> list[_RoomValues]:
    """Read the ``[[rooms]]`` tables, in their order."""
    if not isinstance(raw_rooms, list) or not raw_rooms:
        problems.append("[[rooms]]: the event needs at least one room")
        return []
    rooms: list[_RoomValues] = []
    for index, raw in enumerate(raw_rooms):
        where = f"rooms[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: expected a table")
            continue
        problems.unknown_keys(where, raw, {"slug", "name", "description", "moderate_questions"})
        moderated = raw.get("moderate_questions", False)
        if not isinstance(moderated, bool):
            problems.append(f"{where}.moderate_questions: expected true or false")
            moderated = False
        rooms.append(
            {
                "slug": problems.slug(f"{where}.slug", raw.get("slug")),
                "names": problems.translations(f"{where}.name", raw.get("name"), max_length=100),
                "descriptions": problems.translations(
                    f"{where}.description", raw.get("description"), max_length=1000, required=False
                ),
                "questions_moderated": moderated,
            }
        )
    return rooms


def _session_values(
    problems: _Problems, raw_list: Any, event: _EventValues, room_slugs: set[str] | None
) -> list[_SessionValues]:
    """Read the ``[[sessions]]`` tables: each in a room of the file, within the event's days.

    Times without an offset (``2026-12-02T09:30:00``) are in the event's time zone.
    """
    if not isinstance(raw_list, list):
        problems.append("[[sessions]]: expected a list of tables")
        return []
    try:
        zone: dt.tzinfo = zoneinfo.ZoneInfo(event["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC  # already reported with the event
    first_day, last_day = event["starts_on"], event["ends_on"]
    sessions: list[_SessionValues] = []
    for index, raw in enumerate(raw_list):
        where = f"sessions[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: expected a table")
            continue
        problems.unknown_keys(
            where,
            raw,
            {
                "slug",
                "title",
                "description",
                "starts_at",
                "ends_at",
                "room",
                "speakers",
                "practices",
                "recording",
            },
        )
        starts_at = problems.moment(f"{where}.starts_at", raw.get("starts_at"), zone)
        ends_at = problems.moment(f"{where}.ends_at", raw.get("ends_at"), zone)
        if starts_at and ends_at and ends_at <= starts_at:
            problems.append(f"{where}.ends_at: the session must end after it starts")
        if first_day and last_day:
            opening = dt.datetime.combine(first_day, dt.time(), zone)
            closing = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), zone)
            for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
                if moment and not opening <= moment <= closing:
                    problems.append(
                        f"{where}.{name}: {moment.astimezone(zone):%Y-%m-%d %H:%M} is outside "
                        f"the event's days ({first_day} to {last_day})"
                    )
        room = raw.get("room")
        if room_slugs is not None and room not in room_slugs:
            problems.append(f"{where}.room: {room!r} is not a room of this file")
        sessions.append(
            {
                "slug": problems.slug(f"{where}.slug", raw.get("slug")),
                "titles": problems.translations(f"{where}.title", raw.get("title"), max_length=200),
                "descriptions": problems.translations(
                    f"{where}.description", raw.get("description"), max_length=2000, required=False
                ),
                "starts_at": _utc(starts_at),
                "ends_at": _utc(ends_at),
                "room": room if isinstance(room, str) else "",
                "speakers": _speakers(problems, f"{where}.speakers", raw.get("speakers", [])),
                "practice_refs": _practice_refs(
                    problems, f"{where}.practices", raw.get("practices", [])
                ),
                "recording_url": _web_address(problems, f"{where}.recording", raw.get("recording")),
            }
        )
    return sessions


def _utc(moment: dt.datetime | None) -> dt.datetime:
    """A moment in UTC, as stored; a missing one (already reported) as a stand-in."""
    return (moment or dt.datetime.min.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _speakers(problems: _Problems, where: str, raw_list: Any) -> list[dict[str, str]]:
    """Read ``speakers = [{ name = "...", administration = "...", email = "..." }]``.

    ``email`` (optional, stored normalized and only when given) makes the person whose
    account has that address a speaker of the session.
    """
    from ..accounts.services import is_deliverable_email  # accounts build on events
    from ..accounts.services import normalize_email  # accounts build on events

    if not isinstance(raw_list, list):
        problems.append(f'{where}: expected a list such as [{{ name = "..." }}]')
        return []
    speakers = []
    for index, raw in enumerate(raw_list):
        place = f"{where}[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(f'{place}: expected a table such as {{ name = "..." }}')
            continue
        problems.unknown_keys(place, raw, {"name", "administration", "email"})
        speaker = {
            "name": problems.text(f"{place}.name", raw.get("name")),
            "administration": problems.text(
                f"{place}.administration", raw.get("administration"), required=False
            ),
        }
        email = raw.get("email")
        if email is not None:
            address = normalize_email(email) if isinstance(email, str) else ""
            if not is_deliverable_email(address):
                problems.append(f"{place}.email: {email!r} is not an email address")
            speaker["email"] = address
        speakers.append(speaker)
    return speakers


def _web_address(problems: _Problems, where: str, value: Any) -> str:
    """Read an optional ``https://`` (or ``http://``) address, such as a recording's."""
    if value is None:
        return ""
    if (
        not isinstance(value, str)
        or not WEB_ADDRESS_RE.match(value)
        or len(value) > 500
        or any(ord(character) < 33 for character in value)
    ):
        problems.append(f"{where}: expected a web address such as https://example.org/recording")
        return ""
    return value


def _practice_refs(problems: _Problems, where: str, raw_list: Any) -> list[int | str]:
    """Read ``practices = [12, "solar-roofs"]``: ids or slugs of practices."""
    if not isinstance(raw_list, list):
        problems.append(f"{where}: expected a list of practice ids or slugs")
        return []
    refs: list[int | str] = []
    for index, ref in enumerate(raw_list):
        if isinstance(ref, int) and not isinstance(ref, bool) and 0 < ref < 2**63:
            refs.append(ref)
        elif isinstance(ref, str) and SLUG_RE.match(ref) and len(ref) <= 80:
            refs.append(ref)
        else:
            problems.append(f"{where}[{index}]: expected a practice id or slug, not {ref!r}")
    return refs


def _administration_values(problems: _Problems, raw_list: Any) -> list[_AdministrationValues]:
    """Read the ``[[administrations]]`` tables."""
    administrations: list[_AdministrationValues] = []
    kinds = {kind.value for kind in AdministrationKind}
    for index, raw in enumerate(raw_list):
        where = f"administrations[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: expected a table")
            continue
        problems.unknown_keys(where, raw, {"slug", "name", "country", "kind", "website", "demo"})
        country = raw.get("country")
        if not isinstance(country, str) or not COUNTRY_RE.match(country.upper()):
            problems.append(f"{where}.country: expected an ISO 3166-1 code such as IT")
            country = ""
        kind = raw.get("kind")
        if kind not in kinds:
            problems.append(f"{where}.kind: {kind!r} is not one of {', '.join(sorted(kinds))}")
            kind = AdministrationKind.OTHER.value
        demo = raw.get("demo", False)
        if not isinstance(demo, bool):
            problems.append(f"{where}.demo: expected true or false")
            demo = False
        administrations.append(
            {
                "slug": problems.slug(f"{where}.slug", raw.get("slug")),
                "name": problems.text(f"{where}.name", raw.get("name")),
                "country": country.upper(),
                "kind": AdministrationKind(kind),
                "website": problems.text(
                    f"{where}.website", raw.get("website"), max_length=300, required=False
                ),
                "is_demo": demo,
            }
        )
    return administrations


class _Problems(list[str]):
    """Every mistake found in an event description, each with its place.

    Each reader records what is wrong with a value and returns a harmless
    stand-in, so that one pass reports all the problems at once.
    """

    def text(self, where: str, value: Any, *, max_length: int = 200, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.append(f"{where}: expected a non-empty text")
            return ""
        if len(value) > max_length:
            self.append(f"{where}: longer than {max_length} characters")
        return value.strip()

    def translations(
        self, where: str, value: Any, *, max_length: int, required: bool = True
    ) -> dict[str, str]:
        if value is None and not required:
            return {}
        if isinstance(value, str):
            value = {"en": value}
        if not isinstance(value, Mapping) or not value:
            self.append(
                f'{where}: expected a table of languages, such as {{ en = "...", it = "..." }}'
            )
            return {}
        from ..i18n import iso_639_1_codes  # i18n reads the event: imported when used

        result = {}
        for language, item in value.items():
            if str(language) not in iso_639_1_codes():
                self.append(f"{where}.{language}: expected an ISO 639-1 language code")
                continue
            result[language] = self.text(f"{where}.{language}", item, max_length=max_length)
        if "en" not in result:
            self.append(f"{where}: an English (en) text is required")
        return result

    def slug(self, where: str, value: Any) -> str:
        if not isinstance(value, str) or not SLUG_RE.match(value) or len(value) > 80:
            self.append(
                f"{where}: {value!r} is not a valid slug "
                "(lowercase letters, digits and single hyphens, at most 80 characters)"
            )
            return ""
        return value

    def date(self, where: str, value: Any) -> dt.date | None:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        self.append(f"{where}: expected a date such as 2026-11-25")
        return None

    def moment(self, where: str, value: Any, zone: dt.tzinfo) -> dt.datetime | None:
        """Read a date and time; without an offset, it is in ``zone`` (the event's)."""
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=zone)
        self.append(f"{where}: expected a date and time such as 2026-12-02T09:30:00")
        return None

    def unknown_keys(self, where: str, table: Mapping[str, Any], known: set[str]) -> None:
        for key in table:
            if key not in known:
                self.append(f"{where}.{key}: unknown setting (known: {', '.join(sorted(known))})")

    def slugs_once(self, label: str, slugs: list[str]) -> None:
        seen: set[str] = set()
        for slug in slugs:
            if slug and slug in seen:
                self.append(f"{label}: the slug {slug!r} appears twice")
            seen.add(slug)


def current_event() -> Event | None:
    """Return the event this database serves, if one was loaded."""
    return db.session.scalars(_event_statement()).first()


@functools.cache
def _event_statement() -> sa.Select[Event]:
    """Built once: every chat message asks (is the event over?)."""
    return sa.select(Event)


def list_rooms() -> list[Room]:
    """Return the open themed rooms in the order the event file gives (never conversations)."""
    return list(
        db.session.scalars(
            sa.select(Room)
            .where(Room.is_archived.is_(False), Room.kind == RoomKind.PUBLIC)
            .order_by(Room.position)
        )
    )


def get_room(slug: str, reader: User | None = None, *, with_event: bool = False) -> Room:
    """Return an open themed room by slug, or raise :class:`NotFound`.

    With a ``reader``, a conversation they are a member of is found too: chat
    handlers pass one, while themes, questions and every public listing do not,
    so they never reach a conversation. To anyone else a conversation does not exist.

    ``with_event`` reads the room's event in the same statement, for a caller that
    asks next whether the event is over (a message sent: ``phases.check_room_open``).
    """
    statement = _room_statement(themed_only=reader is None, with_event=with_event)
    room = db.session.scalars(statement, {"slug": slug}).first()
    if room is None or (reader is not None and not can(reader, Action.JOIN_ROOM, room)):
        raise NotFound()
    return room


def room_name(slug: str, locale: str) -> str:
    """The name in ``locale`` of the room ``slug``, archived or not; the slug itself when no
    room has it. For the words of what outlives a room, such as a moderator's notice."""
    room = db.session.scalars(sa.select(Room).where(Room.slug == slug)).first()
    return room.name_in(locale) if room is not None else slug


@functools.cache
def _room_statement(*, themed_only: bool, with_event: bool) -> sa.Select[Room]:
    """Built once: every chat event finds its room by slug (and finding a statement in
    SQLAlchemy's cache costs less than building it)."""
    query = sa.select(Room).where(Room.slug == sa.bindparam("slug"), Room.is_archived.is_(False))
    if with_event:
        query = query.options(joinedload(Room.event, innerjoin=True))
    return query.where(Room.kind == RoomKind.PUBLIC) if themed_only else query


def list_administrations() -> list[Administration]:
    """Return every administration, by country then name."""
    return list(
        db.session.scalars(
            sa.select(Administration).order_by(Administration.country, Administration.name)
        )
    )


def get_administration(slug: str) -> Administration:
    """Return an administration by slug, or raise :class:`NotFound`."""
    administration = db.session.scalars(
        sa.select(Administration).where(Administration.slug == slug)
    ).first()
    if administration is None:
        raise NotFound()
    return administration
