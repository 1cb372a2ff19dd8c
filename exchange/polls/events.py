"""Socket.IO handlers of polls. The contract is docs/protocol.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_socketio import SocketIO

from ..errors import Invalid
from ..event.services import get_room
from ..payloads import Payload
from ..permissions import acting_user
from ..permissions import Action
from ..sockets import socket_event
from . import services
from .schemas import poll_json


def register_handlers(socketio: SocketIO) -> None:
    socketio.on_event("poll_open", on_open)
    socketio.on_event("poll_vote", on_vote)
    socketio.on_event("poll_close", on_close)


def _flag(payload: Payload, key: str) -> bool:
    value = payload.data.get(key, False)
    if not isinstance(value, bool):
        raise Invalid(_l("'%(field)s' must be true or false.", field=key), field=key)
    return value


def _options(payload: Payload) -> list[str]:
    value = payload.data.get("options")
    if not isinstance(value, list) or len(value) > services.MAX_OPTIONS:
        raise Invalid(
            _l(
                "Give the poll between %(min)d and %(max)d options.",
                min=services.MIN_OPTIONS,
                max=services.MAX_OPTIONS,
            ),
            field="options",
        )
    if not all(isinstance(option, str) for option in value):
        raise Invalid(_l("'%(field)s' must hold texts.", field="options"), field="options")
    return value


def _closes_at(payload: Payload) -> dt.datetime | None:
    text = payload.optional_text("closes_at", max_length=40)
    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            _l("Give the closing time as an ISO 8601 moment with its time zone."),
            field="closes_at",
        ) from None


@socket_event(Action.OPEN_POLL)
def on_open(payload: Payload) -> dict[str, Any]:
    """A moderator or organizer sends ``poll_open {room, question, options, multiple,
    anonymous, closes_at, client_id}``.

    The poll is stored before the ack; the room gets ``poll``.
    """
    room = get_room(payload.text("room", max_length=80))
    draft = services.Draft(
        question=payload.text("question", max_length=2 * services.MAX_QUESTION_LENGTH),
        options=_options(payload),
        multiple=_flag(payload, "multiple"),
        anonymous=_flag(payload, "anonymous"),
        closes_at=_closes_at(payload),
    )
    poll = services.open_poll(
        room, acting_user(), draft, client_id=payload.text("client_id", max_length=64)
    )
    return {"ok": True, "poll": poll_json(poll)}


@socket_event(Action.VOTE_POLL)
def on_vote(payload: Payload) -> dict[str, Any]:
    """Anyone signed in sends ``poll_vote {poll_id, option_ids}``: their one, final ballot.

    The ack carries the poll and the options chosen; the room gets ``poll_updated``.
    """
    poll = services.get_poll(payload.required_int("poll_id", minimum=1))
    option_ids = payload.int_list("option_ids", maximum_length=services.MAX_OPTIONS)
    chosen = services.vote(poll, acting_user(), option_ids)
    return {"ok": True, "poll": poll_json(poll), "chosen": chosen}


@socket_event(Action.CLOSE_POLL)
def on_close(payload: Payload) -> dict[str, Any]:
    """A moderator or organizer sends ``poll_close {poll_id}``; the room gets ``poll_updated``."""
    poll = services.get_poll(payload.required_int("poll_id", minimum=1))
    services.close(poll, acting_user())
    return {"ok": True, "poll": poll_json(poll)}
