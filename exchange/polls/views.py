"""The polls page of a room, its forms for browsers without JavaScript, and its API."""

from __future__ import annotations

import datetime as dt
import math
import uuid

from flask import Blueprint
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import Forbidden
from ..errors import Invalid
from ..errors import RateLimited
from ..event.phases import current_phase
from ..event.phases import now
from ..event.phases import Phase
from ..event.services import get_room
from ..extensions import db
from ..forms import flash_refusal
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import requires
from ..ratelimit import limiter
from . import services
from .schemas import poll_json

bp = Blueprint("polls", __name__)

#: What the form offers for closing by itself, in minutes; none: closed by hand.
CLOSING_CHOICES = (2, 5, 10, 15, 30, 60, 120)


@bp.get("/rooms/<slug>/polls")
@requires(Action.JOIN_ROOM)
def index(slug: str) -> ResponseReturnValue:
    """The room's polls, open ones first, then the closed ones; live with JavaScript."""
    room = get_room(slug)
    return render_template(
        "polls/index.html",
        room=room,
        panel=services.panel(room, acting_user()),
        moment=now(),
        archived=current_phase() is Phase.AFTER,
        fallback_client_id=uuid.uuid4().hex,
        closing_choices=CLOSING_CHOICES,
        max_options=services.MAX_OPTIONS,
        max_question_length=services.MAX_QUESTION_LENGTH,
        max_option_length=services.MAX_OPTION_LENGTH,
    )


def _closes_in(value: str) -> dt.datetime | None:
    if not value:
        return None
    if not value.isdigit() or int(value) not in CLOSING_CHOICES:
        raise Invalid(_l("Choose when the poll closes."), field="closes_in")
    return now() + dt.timedelta(minutes=int(value))


@bp.post("/rooms/<slug>/polls")
@requires(Action.OPEN_POLL)
def open_poll(slug: str) -> ResponseReturnValue:
    """Open a poll without JavaScript; the form's client_id makes a resubmission harmless."""
    room = get_room(slug)
    user = acting_user()
    with flash_refusal(_l("The poll was not opened: %(reason)s")) as attempt:
        wait = limiter().hit("poll_open", f"user:{user.id}")
        if wait:
            raise RateLimited(retry_after=math.ceil(wait))
        draft = services.Draft(
            question=request.form.get("question", ""),
            options=request.form.getlist("option")[: 2 * services.MAX_OPTIONS],
            multiple=request.form.get("multiple") == "yes",
            anonymous=request.form.get("anonymous") == "yes",
            closes_at=_closes_in(request.form.get("closes_in", "")),
        )
        services.open_poll(room, user, draft, client_id=request.form.get("client_id", ""))
    if not attempt.refused:
        flash(_("The poll is open."), "success")
    return redirect(url_for("polls.index", slug=slug))


@bp.post("/polls/<int:poll_id>/vote")
@requires(Action.VOTE_POLL)
def vote(poll_id: int) -> ResponseReturnValue:
    """Vote without JavaScript: the form's boxes or buttons name the options chosen."""
    poll = services.get_poll(poll_id)
    user = acting_user()
    with flash_refusal(_l("Your vote was not counted: %(reason)s")) as attempt:
        wait = limiter().hit("poll_vote", f"user:{user.id}")
        if wait:
            raise RateLimited(retry_after=math.ceil(wait))
        values = request.form.getlist("option")[: services.MAX_OPTIONS + 1]
        if not all(value.isdigit() and len(value) < 19 for value in values):
            raise Invalid(_l("Choose among the poll's options."), field="option_ids")
        try:
            services.vote(poll, user, [int(value) for value in values])
        except Forbidden as refusal:
            # Closed, or voted already: something to say on the page, not an error page.
            db.session.rollback()
            flash(_("Your vote was not counted: %(reason)s", reason=refusal.message), "error")
            attempt.refused = True
    if not attempt.refused:
        flash(_("Thank you: your vote was counted."), "success")
    return redirect(url_for("polls.index", slug=poll.room.slug, _anchor=f"poll-{poll.id}"))


@bp.post("/polls/<int:poll_id>/close")
@requires(Action.CLOSE_POLL)
def close(poll_id: int) -> ResponseReturnValue:
    poll = services.get_poll(poll_id)
    services.close(poll, acting_user())
    return redirect(url_for("polls.index", slug=poll.room.slug, _anchor=f"poll-{poll.id}"))


@bp.get("/api/rooms/<slug>/polls")
@requires(Action.JOIN_ROOM)
def api_index(slug: str) -> ResponseReturnValue:
    """The room's polls, open ones first, with the options the reader chose in each."""
    room = get_room(slug)
    panel = services.panel(room, acting_user())
    return jsonify(
        {
            "room": room.slug,
            "polls": [poll_json(poll) for poll in panel.polls],
            "mine": {str(poll_id): chosen for poll_id, chosen in panel.mine.items()},
        }
    )
