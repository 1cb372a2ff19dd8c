"""The agenda page and its calendar download: public, like the event's home."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint
from flask import render_template
from flask import Response
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone

from ..event.models import Room
from ..event.phases import current_phase
from ..event.phases import now
from ..event.services import current_event
from ..i18n import locale_code
from . import services

bp = Blueprint("agenda", __name__)


@bp.get("/agenda")
def index() -> ResponseReturnValue:
    """List the sessions by day in the reader's time zone, marking what is on now and next."""
    sessions = services.list_sessions()
    zone = get_timezone()
    return render_template(
        "agenda/index.html",
        event=current_event(),
        timezone=str(zone),
        days=services.by_day(sessions, zone),
        on_now=services.on_now(sessions, now()),
        practices=services.presented_practices(sessions),
        administrations=services.speaker_administrations(sessions),
        phase=current_phase(),
    )


@bp.get("/agenda.ics")
def calendar() -> ResponseReturnValue:
    """Download the agenda for a calendar application, in the reader's language."""

    def room_url(room: Room) -> str:
        return url_for("rooms.show", slug=room.slug, _external=True)

    body = services.agenda_calendar(
        current_event(),
        services.list_sessions(),
        locale=locale_code(),
        host=urlsplit(url_for("event.home", _external=True)).hostname or "localhost",
        room_url=room_url,
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="agenda.ics"'},
    )
