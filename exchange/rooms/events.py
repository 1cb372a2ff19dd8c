"""Socket.IO handlers of the chat (namespace "/"). The contract is docs/protocol.md."""

from __future__ import annotations

import logging
from typing import Any
from typing import NoReturn

from flask_login import current_user
from flask_socketio import join_room
from flask_socketio import leave_room
from flask_socketio import rooms
from flask_socketio import SocketIO
from socketio.exceptions import ConnectionRefusedError

from .. import lifecycle
from .. import realtime
from ..errors import as_exchange_error
from ..errors import ExchangeError
from ..errors import Unauthenticated
from ..event.services import get_room
from ..i18n import locale_code
from ..moderation.services import open_report_count
from ..payloads import Payload
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import can
from ..permissions import check
from ..practices.services import published_practice
from ..sockets import connection_id
from ..sockets import socket_event
from . import pages
from . import presence
from . import services
from . import unread
from .languages import DETECT_LANGUAGE
from .mentions import MAX_MENTIONS
from .schemas import change_json
from .schemas import message_json
from .schemas import reactions_json
from .schemas import room_json

logger = logging.getLogger(__name__)


def register_handlers(socketio: SocketIO) -> None:
    socketio.on_event("connect", on_connect)
    socketio.on_event("disconnect", on_disconnect)
    socketio.on_event("join", on_join)
    socketio.on_event("leave", on_leave)
    socketio.on_event("send", on_send)
    socketio.on_event("edit", on_edit)
    socketio.on_event("react", on_react)
    socketio.on_event("read", on_read)
    socketio.on_event("typing", on_typing)


def on_connect(auth: Any = None) -> None:
    """A browser or client connects with its session cookie; anonymous ones are refused.

    Moderators and organizers get ``report_count`` at once, on every (re)connection.

    The refusal is python-socketio's ConnectionRefusedError (not the built-in
    one of the same name), which reaches the client as ``connect_error``.
    """
    if not current_user.is_authenticated:
        _refuse(Unauthenticated())
    user = acting_user()
    try:
        lifecycle.ensure_node_started()
        presence.open_connection(connection_id(), user, user.current_login, lifecycle.node_id())
    except Exception as error:
        _refuse(as_exchange_error(error))
    join_room(realtime.user_channel(user.id))
    join_room(realtime.EVERYONE)
    if can(user, Action.REVIEW_REPORTS):
        join_room(realtime.MODERATORS)
        # The menu's count of open reports may be older than this connection (reports
        # filed or settled while the page loaded, or while it was offline).
        realtime.report_count(open_report_count(), to=connection_id())


def _refuse(error: ExchangeError) -> NoReturn:
    """Refuse a connection; the client's ``connect_error`` gets ``data: {code, message}``."""
    raise ConnectionRefusedError(str(error.message), error.to_dict())


def on_disconnect(*reason: Any) -> None:
    """The connection ended (closed, dropped, or ended by us): forget its presence."""
    try:
        rooms = presence.close_connection(connection_id())
        realtime.presence_changed(rooms)
    except Exception:
        logger.exception("could not record the end of connection %s", connection_id())


@socket_event(Action.JOIN_ROOM)
def on_join(payload: Payload) -> dict[str, Any]:
    """Client sends ``join {room, after?, changes_after?}``; the ack carries history,
    who is online, and how far the person has read (``last_read_id``, ``unread_count``).

    The socket subscribes to the room before history is read, so a message
    committed in between arrives live (and maybe in history too: clients
    deduplicate by id) instead of being missed.
    """
    slug = payload.text("room", max_length=80)
    after = payload.optional_int("after")
    changes_after = payload.optional_int("changes_after")
    user = acting_user()
    staff = can(user, Action.SEE_HIDDEN_CONTENT)
    room = get_room(slug, user)
    channel = realtime.room_channel(slug)
    join_room(channel)
    try:
        result = services.join(connection_id(), room, user, changes_after=changes_after)
        page = pages.join_page(room, user, after=after)
    except Exception:
        leave_room(channel)
        raise
    return {
        "ok": True,
        "room": room_json(result.room, locale_code()),
        "messages": page.messages,
        "has_more": page.has_more,
        **realtime.join_presence(result.room),
        "changes": [change_json(change, staff=staff) for change in result.changes],
        "last_change": result.last_change,
        "last_read_id": result.read.last_read_id,
        "unread_count": result.read.unread_count,
    }


@socket_event(Action.JOIN_ROOM)
def on_leave(payload: Payload) -> dict[str, Any]:
    """Client sends ``leave {room}``; it stops receiving the room's events."""
    slug = payload.text("room", max_length=80)
    leave_room(realtime.room_channel(slug))
    services.leave(connection_id(), slug, acting_user())
    return {"ok": True}


@socket_event(Action.SEND_MESSAGE)
def on_send(payload: Payload) -> dict[str, Any]:
    """Client sends ``send {room, body, client_id, language?, practice_id?, reply_to?,
    attachments?, mentions?}``.

    The message is stored (committed) before it is acknowledged and delivered
    to the room as ``message``; ``practice_id`` links a published best practice,
    ``reply_to`` the message of the room it answers, ``attachments`` lists ids
    of files the sender uploaded for it; each person of ``mentions`` whose
    ``@Name`` the body holds gets ``mention``. Without ``language`` the message
    gets the one read from its words, if sure; ``language: null`` says none.
    """
    room = get_room(payload.text("room", max_length=80), acting_user(), with_event=True)
    check(acting_user(), Action.SEND_MESSAGE, room)
    practice_id = payload.optional_int("practice_id", minimum=1)
    attachments = payload.data.get("attachments")
    message = services.post_message(
        room,
        acting_user(),
        body=payload.text("body"),
        client_id=payload.text("client_id", max_length=64),
        language=(
            payload.optional_text("language", max_length=8)
            if "language" in payload.data
            else DETECT_LANGUAGE
        ),
        practice=published_practice(practice_id) if practice_id is not None else None,
        reply_to=payload.optional_int("reply_to", minimum=1),
        attachments=() if attachments is None else attachments,
        mentions=payload.int_list("mentions", maximum_length=MAX_MENTIONS),
    )
    return {"ok": True, "message": message_json(message)}


@socket_event(Action.EDIT_MESSAGE)
def on_edit(payload: Payload) -> dict[str, Any]:
    """Client sends ``edit {message_id, body, language?, mentions?}`` to change its own
    message's words.

    The new words are stored (and the earlier kept) before the ack; the room
    then gets ``message_edited {message}``, each person newly named ``mention``,
    and each no longer named ``mention_withdrawn``.
    """
    message = services.get_bare_message(payload.required_int("message_id", minimum=1))
    language = (
        payload.optional_text("language", max_length=8)
        if "language" in payload.data
        else services.KEEP_LANGUAGE
    )
    message = services.edit_message(
        message,
        acting_user(),
        body=payload.text("body"),
        language=language,
        mentions=payload.int_list("mentions", maximum_length=MAX_MENTIONS),
    )
    return {"ok": True, "message": message_json(message)}


@socket_event(Action.REACT)
def on_react(payload: Payload) -> dict[str, Any]:
    """Client sends ``react {message_id, emoji}`` to give an emoji to a message, or take it back.

    The room then gets ``reactions {message_id, room, reactions}``.
    """
    message = services.get_bare_message(payload.required_int("message_id", minimum=1))
    given, reactions = services.react(message, acting_user(), payload.text("emoji", max_length=64))
    return {
        "ok": True,
        "message_id": message.id,
        "reacted": given,
        "reactions": reactions_json(reactions),
    }


@socket_event(Action.JOIN_ROOM)
def on_read(payload: Payload) -> dict[str, Any]:
    """Client sends ``read {room, message_id}`` when its reader has seen up to that message.

    The position never moves backwards; the person's other sockets get
    ``read {room, message_id, unread_count}`` when it moves.
    """
    room = get_room(payload.text("room", max_length=80), acting_user())
    message_id = payload.required_int("message_id", minimum=1)
    state = unread.mark_read(acting_user(), room, message_id, skip_sid=connection_id())
    return {
        "ok": True,
        "room": room.slug,
        "message_id": state.last_read_id,
        "unread_count": state.unread_count,
    }


@socket_event(Action.SEND_MESSAGE)
def on_typing(payload: Payload) -> dict[str, Any]:
    """Client sends ``typing {room}`` while its person writes (at most every few seconds).

    The others in the room get ``typing {room, user: {id, name}}``. Only a
    socket that joined the room may say so, and nothing is stored.
    """
    slug = payload.text("room", max_length=80)
    services.announce_typing(
        acting_user(), slug, joined=realtime.room_channel(slug) in rooms(), sid=connection_id()
    )
    return {"ok": True}
