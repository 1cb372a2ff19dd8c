"""The questions page of a room, its forms for browsers without JavaScript, and its API."""

from __future__ import annotations

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

from ..agenda.services import current_session
from ..agenda.services import speaker_grace
from ..agenda.services import speaking_session
from ..errors import Invalid
from ..errors import RateLimited
from ..event.phases import current_phase
from ..event.phases import now
from ..event.phases import Phase
from ..event.services import get_room
from ..forms import flash_refusal
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import can
from ..permissions import requires
from ..practices.services import develop_question
from ..ratelimit import limiter
from . import services
from .schemas import question_json

bp = Blueprint("questions", __name__)


def _order() -> services.Order:
    value = request.args.get("order", services.Order.VOTES.value)
    return (
        services.Order(value)
        if value in services.Order.__members__.values()
        else (services.Order.VOTES)
    )


@bp.get("/rooms/<slug>/questions")
@requires(Action.JOIN_ROOM)
def index(slug: str) -> ResponseReturnValue:
    """The room's questions, sorted by votes or time; the page updates live with JavaScript."""
    room = get_room(slug)
    user = acting_user()
    panel = services.panel(room, user, _order())
    moment = now()
    speaking = speaking_session(user, room, moment)
    return render_template(
        "questions/index.html",
        room=room,
        panel=panel,
        session=current_session(room, moment),
        speaking=speaking,
        speaking_until=speaking.ends_at + speaker_grace() if speaking else None,
        archived=current_phase() is Phase.AFTER,
        staff=can(user, Action.MODERATE_QUESTIONS),
        hosting=can(user, Action.ANSWER_QUESTIONS, room),
        fallback_client_id=uuid.uuid4().hex,
        max_length=services.MAX_LENGTH,
    )


@bp.post("/rooms/<slug>/questions")
@requires(Action.ASK_QUESTION)
def ask(slug: str) -> ResponseReturnValue:
    """Ask without JavaScript; the form's client_id makes a resubmitted form harmless."""
    room = get_room(slug)
    user = acting_user()
    with flash_refusal(_l("Your question was not sent: %(reason)s")) as attempt:
        wait = limiter().hit("question_ask", f"user:{user.id}")
        if wait:
            raise RateLimited(retry_after=math.ceil(wait))
        question = services.ask(
            room,
            user,
            body=request.form.get("body", ""),
            client_id=request.form.get("client_id", ""),
        )
    if not attempt.refused and not question.is_approved:
        flash(_("Thank you: your question will appear once a moderator approves it."), "success")
    return redirect(url_for("questions.index", slug=slug))


@bp.post("/questions/<int:question_id>/vote")
@requires(Action.VOTE_QUESTION)
def vote(question_id: int) -> ResponseReturnValue:
    user = acting_user()
    question = services.readable_question(question_id, user)
    with flash_refusal():
        services.vote(question, user)
    return redirect(
        url_for("questions.index", slug=question.room.slug, _anchor=f"question-{question.id}")
    )


@bp.post("/questions/<int:question_id>/moderate")
@requires(Action.ANSWER_QUESTIONS)
def moderate(question_id: int) -> ResponseReturnValue:
    user = acting_user()
    question = services.readable_question(question_id, user)
    action = request.form.get("action", "")
    with flash_refusal():
        if action not in services.Moderation.__members__.values():
            raise Invalid(field="action")
        services.moderate(
            question,
            user,
            services.Moderation(action),
            reason=request.form.get("reason", ""),
            answer=request.form.get("answer"),
        )
    return redirect(url_for("questions.index", slug=question.room.slug))


@bp.post("/questions/<int:question_id>/develop")
@requires(Action.DEVELOP_QUESTION)
def develop(question_id: int) -> ResponseReturnValue:
    """A delegate starts a draft practice from a question."""
    question = services.readable_question(question_id, acting_user())
    practice = develop_question(question, acting_user())
    flash(
        _("A draft practice was started from the question. Complete it, then submit it."),
        "success",
    )
    return redirect(url_for("practices.edit", practice_id=practice.id))


@bp.get("/api/rooms/<slug>/questions")
@requires(Action.JOIN_ROOM)
def api_index(slug: str) -> ResponseReturnValue:
    """The room's questions as the reader sees them, in the order asked for, with their votes."""
    room = get_room(slug)
    panel = services.panel(room, acting_user(), _order())
    return jsonify(
        {
            "room": room.slug,
            "order": panel.order.value,
            "questions": [question_json(q) for q in panel.questions],
            "voted": sorted(panel.voted),
        }
    )
