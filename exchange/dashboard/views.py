"""The organizers' dashboard and its CSV exports."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint
from flask import render_template
from flask import Response
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..errors import NotFound
from ..i18n import locale_code
from ..mail.services import failing_mails
from ..permissions import Action
from ..permissions import requires
from ..polls.services import closed_results
from ..sanitize import csv_text
from ..serialize import iso_utc
from ..templating import country_name
from . import charts
from . import services

bp = Blueprint("dashboard", __name__, url_prefix="/organizer")


def _context() -> dict[str, object]:
    overview = services.overview()
    locale = locale_code()
    return {
        "overview": overview,
        "online_chart": charts.bar_chart(
            _("People online per room"),
            [(room.name_in(locale), count) for room, count in overview.online_by_room],
        ),
        "themes_chart": charts.bar_chart(
            _("Published practices per theme"),
            [(room.name_in(locale), count) for room, count in overview.practices_by_theme],
        ),
        "countries_chart": charts.bar_chart(
            _("Published practices per country"),
            [(country_name(country), count) for country, count in overview.practices_by_country],
        ),
        "hours_chart": charts.column_chart(
            _("Messages per hour, last 24 hours (UTC)"),
            [(hour.strftime("%H:00"), count) for hour, count in overview.messages_per_hour()],
        ),
    }


@bp.get("")
@requires(Action.VIEW_DASHBOARD)
def index() -> ResponseReturnValue:
    failing_count, failing = failing_mails()
    return render_template(
        "dashboard/index.html", failing_count=failing_count, failing_mails=failing, **_context()
    )


@bp.get("/figures")
@requires(Action.VIEW_DASHBOARD)
def figures() -> ResponseReturnValue:
    """The figures alone, for the page's script to refresh them."""
    return render_template("dashboard/_figures.html", **_context())


@bp.get("/export/<table>.csv")
@requires(Action.VIEW_DASHBOARD)
def export(table: str) -> ResponseReturnValue:
    overview = services.overview()
    locale = locale_code()
    rows: list[list[object]] = []
    if table == "rooms":
        rows.append(["room", "name", "online_now", "messages_last_24h"])
        for room, online in overview.online_by_room:
            recent = sum(overview.messages_by_room_hour.get(room.id, {}).values())
            rows.append([room.slug, room.name_in(locale), online, recent])
    elif table == "hours":
        rooms = [room for room, _ in overview.online_by_room]
        rows.append(["hour_utc", *[room.slug for room in rooms]])
        for hour in overview.hours:
            rows.append(
                [iso_utc(hour)]
                + [overview.messages_by_room_hour.get(room.id, Counter())[hour] for room in rooms]
            )
    elif table == "administrations":
        rows.append(
            [
                "administration",
                "name",
                "country",
                "kind",
                "demo",
                "delegates",
                "messages",
                "practices",
            ]
        )
        for activity in overview.administrations:
            administration = activity.administration
            rows.append(
                [
                    administration.slug,
                    administration.name,
                    country_name(administration.country),
                    administration.kind.value,
                    "yes" if administration.is_demo else "no",
                    activity.delegates,
                    activity.messages,
                    activity.practices,
                ]
            )
    elif table == "practices":
        rows.append(["by", "key", "name", "published_practices"])
        for room, count in overview.practices_by_theme:
            rows.append(["theme", room.slug, room.name_in(locale), count])
        for country, count in overview.practices_by_country:
            rows.append(["country", country, country_name(country), count])
    elif table == "polls":
        # Counts only: nobody's ballot, in anonymous polls or not.
        rows.append(["poll", "room", "question", "closed_at", "anonymous", "option", "votes"])
        for poll, option in closed_results():
            rows.append(
                [
                    poll.id,
                    poll.room.slug,
                    poll.question,
                    iso_utc(poll.closed_at) if poll.closed_at else "",
                    "yes" if poll.anonymous else "no",
                    option.label,
                    option.vote_count,
                ]
            )
    else:
        raise NotFound()
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="exchange-{table}.csv"'},
    )
