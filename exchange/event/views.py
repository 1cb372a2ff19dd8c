"""Public pages of the event: home, and the directory of administrations."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint
from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..accounts.models import User
from ..agenda import services as agenda
from ..people import services as people
from ..permissions import acting_user
from ..practices.services import practices_of
from ..rooms import presence
from ..templating import country_name
from . import services
from .phases import current_phase
from .phases import now

bp = Blueprint("event", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    rooms = services.list_rooms()
    counts = presence.online_counts()
    people = presence.online_people(limit=100) if current_user.is_authenticated else None
    on_now = agenda.on_now(agenda.list_sessions(), now())
    return render_template(
        "event/home.html",
        event=services.current_event(),
        rooms=rooms,
        counts=counts,
        people=people,
        administrations_count=len(services.list_administrations()),
        phase=current_phase(),
        on_now=on_now,
    )


@bp.get("/administrations")
def administrations() -> ResponseReturnValue:
    by_country = sorted(
        (
            (country, list(items))
            for country, items in groupby(services.list_administrations(), key=lambda a: a.country)
        ),
        key=lambda group: country_name(group[0]),
    )
    return render_template("event/administrations.html", by_country=by_country)


@bp.get("/administrations/<slug>")
def administration(slug: str) -> ResponseReturnValue:
    administration = services.get_administration(slug)
    delegates: list[User] = []
    unlisted = 0
    if current_user.is_authenticated:
        delegates, unlisted = people.delegates_of(acting_user(), administration)
    return render_template(
        "event/administration.html",
        administration=administration,
        practices=practices_of(administration),
        delegates=delegates,
        unlisted_delegates=unlisted,
    )
