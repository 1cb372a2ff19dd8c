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
from ..extensions import csrf
from ..forms import flash_refusal
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import requires
from . import services
from .missed import user_of_unsubscribe
from .models import MissedMail
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
        missed=services.missed_mail(acting_user()),
        MissedMail=MissedMail,
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
        missed = request.form.get("missed_mail")
        if missed is not None:
            try:
                services.set_missed_mail(acting_user(), MissedMail(missed))
            except ValueError:
                raise Invalid(_l("Choose one of the options offered."), field="missed") from None
    if not attempt.refused:
        flash(_("Your notification choices are saved."), "success")
    return redirect(url_for("notifications.settings"))


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> ResponseReturnValue:
    """Ask before turning the mail off: a GET (a link scanner, a preview) changes nothing."""
    user = user_of_unsubscribe(token)
    return render_template("notifications/unsubscribe.html", token=token, person=user)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # mail programs post one-click unsubscribes (RFC 8058) without a form's token
def unsubscribe(token: str) -> ResponseReturnValue:
    """Turn off the mail of what the person missed; the mailed link says whom it is for."""
    services.unsubscribe(token)
    return render_template("notifications/unsubscribed.html")
