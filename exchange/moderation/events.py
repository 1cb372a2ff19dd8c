"""Socket.IO handlers of moderation (docs/protocol.md, "Moderation")."""

from __future__ import annotations

from typing import Any

from flask_socketio import SocketIO

from ..event.services import get_room
from ..payloads import Payload
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import can
from ..permissions import check
from ..rooms.schemas import message_json
from ..rooms.services import get_message
from ..sockets import socket_event
from . import services
from .schemas import report_json


def register_handlers(socketio: SocketIO) -> None:
    socketio.on_event("hide", on_hide)
    socketio.on_event("restore", on_restore)
    socketio.on_event("report", on_report)
    socketio.on_event("set_slow_mode", on_set_slow_mode)


@socket_event(Action.HIDE_MESSAGE)
def on_hide(payload: Payload) -> dict[str, Any]:
    """A moderator or the author sends ``hide {message_id, reason}``; the room loses it.

    Moderators hide any message (giving a reason); authors withdraw their own.
    The room gets ``message_hidden``; the author, if someone else hid it, a ``notice``.
    """
    user = acting_user()
    message = get_message(payload.required_int("message_id"))
    check(user, Action.HIDE_MESSAGE, message)
    reason = payload.optional_text("reason", max_length=services.REASON_MAX_LENGTH)
    message = services.hide_message(message, user, reason)
    staff = can(user, Action.SEE_HIDDEN_CONTENT, message)
    return {"ok": True, "message": message_json(message, staff=staff)}


@socket_event(Action.RESTORE_MESSAGE)
def on_restore(payload: Payload) -> dict[str, Any]:
    """Moderator sends ``restore {message_id}``; the room gets ``message_restored``."""
    message = get_message(payload.required_int("message_id"))
    message = services.restore_message(message, acting_user())
    return {"ok": True, "message": message_json(message, staff=True)}


@socket_event(Action.REPORT_CONTENT)
def on_report(payload: Payload) -> dict[str, Any]:
    """Anyone signed in sends ``report {message_id, reason}``; moderators get ``report_created``."""
    user = acting_user()
    message = get_message(payload.required_int("message_id"))
    report = services.report_message(
        message, user, payload.text("reason", max_length=services.REASON_MAX_LENGTH)
    )
    data = report_json(report)
    if not can(user, Action.SEE_HIDDEN_CONTENT, report):
        data = {"id": data["id"], "reason": data["reason"], "created_at": data["created_at"]}
    return {"ok": True, "report": data}


@socket_event(Action.SET_SLOW_MODE)
def on_set_slow_mode(payload: Payload) -> dict[str, Any]:
    """Moderator sends ``set_slow_mode {room, seconds, reason?}``; clients get ``room_updated``."""
    room = get_room(payload.text("room", max_length=80))
    room = services.set_slow_mode(
        room,
        payload.required_int("seconds"),
        acting_user(),
        payload.optional_text("reason", max_length=services.REASON_MAX_LENGTH),
    )
    return {"ok": True, "room": {"slug": room.slug, "slow_mode_seconds": room.slow_mode_seconds}}
