"""The agenda, a session's page and the calendar download: public, like the event's home.

Organizers set a session's recording link and add or remove its slides on the
session's page, with plain forms that need no script.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import Response
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..errors import Invalid
from ..event.models import Room
from ..event.phases import current_phase
from ..event.phases import now
from ..event.services import current_event
from ..files.models import StoredFile
from ..forms import flash_refusal
from ..i18n import locale_code
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import requires
from . import archive
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
        slides=archive.slides_of(sessions),
        speaking=(
            services.spoken_by(current_user, sessions) if current_user.is_authenticated else set()
        ),
        phase=current_phase(),
    )


@bp.get("/agenda/<slug>")
def show(slug: str) -> ResponseReturnValue:
    """Show one session with its recording and slides; organizers change them here."""
    session = archive.session_by_slug(slug)
    moment = now()
    return render_template(
        "agenda/show.html",
        item=session,
        timezone=str(get_timezone()),
        state=services.on_now([session], moment).state_of(session),
        practices=services.presented_practices([session]).get(session.id, []),
        administrations=services.speaker_administrations([session]),
        slides=archive.slides_shown(session, current_user),
        speaking=current_user.is_authenticated and services.is_speaker(current_user, session),
        phase=current_phase(),
        slide_limit=current_app.config["ATTACHMENTS_PER_SESSION"],
    )


def _session_page(session_slug: str, anchor: str) -> ResponseReturnValue:
    return redirect(url_for("agenda.show", slug=session_slug, _anchor=anchor))


@bp.post("/agenda/<slug>/recording")
@requires(Action.MANAGE_SESSION_ARCHIVE)
def recording(slug: str) -> ResponseReturnValue:
    """Set the recording's address (form field ``recording_url``); an empty one clears it."""
    session = archive.session_by_slug(slug)
    with flash_refusal(_l("The recording link was not saved: %(reason)s")) as attempt:
        archive.set_recording(session, acting_user(), request.form.get("recording_url"))
    if attempt.succeeded:
        if session.recording_url:
            flash(_("The recording link is saved."), "success")
        else:
            flash(_("The session has no recording link now."), "success")
    return _session_page(slug, "recording")


@bp.post("/agenda/<slug>/slides")
@requires(Action.MANAGE_SESSION_ARCHIVE)
def add_slides(slug: str) -> ResponseReturnValue:
    """Attach one file of slides (multipart ``file``: a PDF or an office document)."""
    session = archive.session_by_slug(slug)
    uploads = request.files.getlist("file")
    with flash_refusal(_l("The slides were not added: %(reason)s")) as attempt:
        if len(uploads) != 1 or not uploads[0].filename:
            raise Invalid(_l("Choose a file first."), field="file")
        upload: Any = uploads[0]
        stored = archive.add_slides(
            session,
            acting_user(),
            upload.stream.read(current_app.config["UPLOAD_MAX_BYTES"] + 1),
            upload.filename,
            declared_type=upload.mimetype,
        )
    if attempt.succeeded:
        flash(_("“%(name)s” is added to the slides of this session.", name=stored.name), "success")
    return _session_page(slug, "slides")


@bp.post("/agenda/<slug>/slides/<int:file_id>/remove")
@requires(Action.MANAGE_SESSION_ARCHIVE)
def remove_slides(slug: str, file_id: int) -> ResponseReturnValue:
    """Take a file of slides off the session."""
    session = archive.session_by_slug(slug)
    with flash_refusal(_l("Not done: %(reason)s")) as attempt:
        removed = archive.remove_slides(session, acting_user(), file_id)
    if attempt.succeeded:
        flash(
            _("“%(name)s” is removed from the slides of this session.", name=removed.name),
            "success",
        )
    return _session_page(slug, "slides")


@bp.get("/agenda.ics")
def calendar() -> ResponseReturnValue:
    """Download the agenda for a calendar application, in the reader's language."""

    def room_url(room: Room) -> str:
        return url_for("rooms.show", slug=room.slug, _external=True)

    def file_url(file: StoredFile) -> str:
        return url_for("files.download", file_id=file.id, name=file.name, _external=True)

    sessions = services.list_sessions()
    body = services.agenda_calendar(
        current_event(),
        sessions,
        locale=locale_code(),
        host=urlsplit(url_for("event.home", _external=True)).hostname or "localhost",
        room_url=room_url,
        slides=archive.slides_of(sessions),
        file_url=file_url,
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="agenda.ics"'},
    )
