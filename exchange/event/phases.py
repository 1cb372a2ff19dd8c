"""Before, live, after: where the event is in its life, from its dates and a grace period.

The event is *live* from the first moment of its first day (in its own time zone)
until the end of its last day plus ``EXCHANGE_ARCHIVE_GRACE_DAYS``; then it is
*after*, and stays so: rooms become read-only archives, the invitations made
for it stop registering delegates, and the home page leads to the library.

Time is read from one clock, so that tests move it instead of waiting for it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask import current_app

from ..db import utcnow
from ..errors import Archived
from .models import Event
from .models import Room
from .services import current_event

#: Where tests put a function that returns the time they want (app.extensions[CLOCK]).
CLOCK = "exchange.clock"


class Phase(StrEnum):
    BEFORE = "before"
    LIVE = "live"
    AFTER = "after"


def now() -> dt.datetime:
    """Return the current time, from the application's clock."""
    return current_app.extensions.get(CLOCK, utcnow)()  # type: ignore[no-any-return]


def starts_at(event: Event) -> dt.datetime:
    """The first moment of the event's first day, in its time zone."""
    return dt.datetime.combine(event.starts_on, dt.time(), ZoneInfo(event.timezone))


def archived_at(event: Event) -> dt.datetime:
    """When the rooms become archives: the end of the last day plus the grace period."""
    end = dt.datetime.combine(
        event.ends_on + dt.timedelta(days=1), dt.time(), ZoneInfo(event.timezone)
    )
    return end + dt.timedelta(days=current_app.config["ARCHIVE_GRACE_DAYS"])


def phase_of(event: Event | None, moment: dt.datetime) -> Phase:
    """Say where ``event`` is at ``moment``; without an event, the exchange is live."""
    if event is None:
        return Phase.LIVE
    if moment < starts_at(event):
        return Phase.BEFORE
    if moment < archived_at(event):
        return Phase.LIVE
    return Phase.AFTER


def current_phase() -> Phase:
    """Say where the event of this exchange is now."""
    return phase_of(current_event(), now())


def check_rooms_open() -> Event | None:
    """Refuse new messages once the event is over: its rooms are archives.

    Return the event read to tell, for the caller that needs it next.
    """
    event = current_event()
    _refuse_when_over(event)
    return event


def check_room_open(room: Room) -> Event:
    """Refuse new messages, edits and reactions in ``room`` once its event is over.

    The chat's handlers read the event with the room or the message
    (``get_room(..., with_event=True)``), so this asks the database nothing more.
    """
    _refuse_when_over(room.event)
    return room.event


def _refuse_when_over(event: Event | None) -> None:
    if phase_of(event, now()) is Phase.AFTER:
        raise Archived()
