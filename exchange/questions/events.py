"""Socket.IO handlers of questions (Q&A). The contract is docs/protocol.md."""

from __future__ import annotations

from typing import Any

from flask_socketio import SocketIO

from ..errors import Invalid
from ..event.services import get_room
from ..payloads import Payload
from ..permissions import acting_user
from ..permissions import Action
from ..sockets import socket_event
from . import services
from .schemas import question_json


def register_handlers(socketio: SocketIO) -> None:
    socketio.on_event("question_ask", on_ask)
    socketio.on_event("question_vote", on_vote)
    socketio.on_event("question_moderate", on_moderate)


@socket_event(Action.ASK_QUESTION)
def on_ask(payload: Payload) -> dict[str, Any]:
    """Anyone signed in sends ``question_ask {room, body, client_id}``.

    The question is stored before the ack; the room gets ``question`` (or, where
    questions wait for approval, the asker and moderators only).
    """
    room = get_room(payload.text("room", max_length=80))
    question = services.ask(
        room,
        acting_user(),
        body=payload.text("body"),
        client_id=payload.text("client_id", max_length=64),
    )
    return {"ok": True, "question": question_json(question)}


@socket_event(Action.VOTE_QUESTION)
def on_vote(payload: Payload) -> dict[str, Any]:
    """Anyone signed in sends ``question_vote {question_id}``: a vote, or its withdrawal.

    The ack says whether the sender now votes for it; the room gets ``question_updated``.
    """
    user = acting_user()
    question = services.readable_question(payload.required_int("question_id", minimum=1), user)
    voted = services.vote(question, user)
    return {"ok": True, "question_id": question.id, "voted": voted, "votes": question.vote_count}


@socket_event(Action.ANSWER_QUESTIONS)
def on_moderate(payload: Payload) -> dict[str, Any]:
    """A moderator or a speaker sends ``question_moderate {question_id, action, reason?, answer?}``.

    ``action`` is approve, answer (with an optional written ``answer``), unanswer,
    pin, unpin or hide (with a reason); speakers of the room's session answer and
    pin only, around its time (the service checks which). Whoever sees the
    question gets ``question_updated``.
    """
    user = acting_user()
    question = services.readable_question(payload.required_int("question_id", minimum=1), user)
    action = payload.text("action", max_length=20)
    if action not in services.Moderation.__members__.values():
        raise Invalid(field="action")
    services.moderate(
        question,
        user,
        services.Moderation(action),
        reason=payload.optional_text("reason", max_length=500) or "",
        answer=payload.optional_text("answer", max_length=services.MAX_LENGTH),
    )
    return {"ok": True, "question": question_json(question)}
