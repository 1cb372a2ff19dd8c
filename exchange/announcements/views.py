"""The page organizers and moderators announce from, and closing a banner."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..db import utcnow
from ..errors import ExchangeError
from ..errors import Forbidden
from ..errors import Unauthenticated
from ..errors import wants_json
from ..event.services import list_rooms
from ..forms import apply_error
from ..forms import flash_refusal
from ..forms import form_status
from ..i18n import locale_code
from ..i18n import select_timezone
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import requires
from ..security import safe_next_url
from . import services
from .forms import AnnouncementForm

bp = Blueprint("announcements", __name__)

#: The cookie that remembers which banners a visitor (not signed in) closed.
DISMISSED_COOKIE = "dismissed_banners"
#: How many closed banners the cookie remembers; older ones have ended by then.
DISMISSED_REMEMBERED = 20
DISMISSED_COOKIE_SECONDS = 60 * 60 * 24 * 30


@bp.route("/announcements", methods=["GET", "POST"])
@requires(Action.ANNOUNCE)
def index() -> ResponseReturnValue:
    form = AnnouncementForm()
    zone = select_timezone()
    form.banner_until.description = form.banner_until.description % {"zone": zone}
    rooms = list_rooms()
    form.rooms.choices = [(room.slug, room.name_in(locale_code())) for room in rooms]
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        chosen = form.rooms.data or []
        try:
            services.publish(
                acting_user(),
                form.body.data or "",
                [room for room in rooms if form.all_rooms.data or room.slug in chosen],
                _in_utc(form.banner_until.data, zone),
            )
        except ExchangeError as error:
            if isinstance(error, Unauthenticated | Forbidden):
                raise
            apply_error(form, error)
            status = form_status(error)
        else:
            flash(_("Announced."), "success")
            return redirect(url_for("announcements.index"))
    return render_template(
        "announcements/index.html",
        form=form,
        announcements=services.recent(acting_user()),
        now=utcnow(),
    ), status


def _in_utc(moment: dt.datetime | None, zone: str) -> dt.datetime | None:
    """Read a form's local date and time in the reader's time zone."""
    if moment is None:
        return None
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


@bp.post("/announcements/<int:announcement_id>/end")
@requires(Action.ANNOUNCE)
def end(announcement_id: int) -> ResponseReturnValue:
    with flash_refusal() as attempt:
        services.end_banner(acting_user(), announcement_id)
    if attempt.succeeded:
        flash(_("The banner is down."), "success")
    return redirect(url_for("announcements.index"))


@bp.post("/announcements/<int:announcement_id>/dismiss")
def dismiss(announcement_id: int) -> ResponseReturnValue:
    """Close a banner: stored for a signed-in person, in a cookie for a visitor.

    Scripts ask for JSON and get ``204``; a plain form goes back to its page.
    """
    response = make_response(
        ("", 204)
        if wants_json()
        else redirect(safe_next_url(request.form.get("next"), url_for("event.home")))
    )
    if current_user.is_authenticated:
        services.dismiss(acting_user(), announcement_id)
        return response
    services.check_exists(announcement_id)
    dismissed = dict.fromkeys([*dismissed_by_visitor(), announcement_id])
    response.set_cookie(
        DISMISSED_COOKIE,
        ".".join(str(number) for number in list(dismissed)[-DISMISSED_REMEMBERED:]),
        max_age=DISMISSED_COOKIE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def dismissed_by_visitor() -> list[int]:
    """The banners this browser's visitor closed (from the cookie; anything else is ignored)."""
    raw = request.cookies.get(DISMISSED_COOKIE, "")
    parts = raw.split(".")[:DISMISSED_REMEMBERED]
    return [int(part) for part in parts if part.isascii() and part.isdigit() and len(part) < 12]
