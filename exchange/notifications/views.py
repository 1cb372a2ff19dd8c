"""The page where a person chooses what they are told of, room by room."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import Invalid
from ..event.services import list_rooms
from ..forms import flash_refusal
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import requires
from . import services
from .models import RoomLevel

bp = Blueprint("notifications", __name__)


@bp.get("/account/notifications")
@requires(Action.MANAGE_OWN_ACCOUNT)
def settings() -> ResponseReturnValue:
    rooms = list_rooms()
    return render_template(
        "notifications/settings.html",
        rooms=rooms,
        levels=services.room_levels(acting_user(), rooms),
        RoomLevel=RoomLevel,
    )


@bp.post("/account/notifications")
@requires(Action.MANAGE_OWN_ACCOUNT)
def save() -> ResponseReturnValue:
    """Keep the choice of every room the form names (``room-<slug>``); others stay as they were."""
    with flash_refusal(_l("Your choices were not saved: %(reason)s")) as attempt:
        chosen = {}
        for room in list_rooms():
            value = request.form.get(f"room-{room.slug}")
            if value is None:
                continue
            try:
                chosen[room] = RoomLevel(value)
            except ValueError:
                raise Invalid(_l("Choose one of the options offered."), field=room.slug) from None
        services.set_room_levels(acting_user(), chosen)
    if not attempt.refused:
        flash(_("Your notification choices are saved."), "success")
    return redirect(url_for("notifications.settings"))
