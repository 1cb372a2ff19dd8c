"""Tell connected clients what changed: the one place that emits to Socket.IO.

Services call these functions after their commit, never before, so a client
is never told about something the database does not hold. With a message
queue configured, every emit reaches clients connected to any process.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, current_app

from .extensions import db, socketio

if TYPE_CHECKING:
    from .accounts.models import User
    from .event.models import Room
    from .files.models import StoredFile
    from .moderation.models import Notice, Report
    from .practices.models import Practice
    from .rooms.models import Message
    from .rooms.unread import ReadState

logger = logging.getLogger(__name__)

NAMESPACE = "/"


def _server() -> Any:
    """Return python-socketio's server, which Flask-SocketIO makes in init_app."""
    # types-Flask-SocketIO does not declare the attribute; python-socketio is untyped.
    return socketio.server  # type: ignore[attr-defined]


def room_channel(slug: str) -> str:
    """The Socket.IO room of a themed room (prefixed so it never clashes with others)."""
    return f"room:{slug}"


def user_channel(user_id: int) -> str:
    """The Socket.IO room every socket of one person joins."""
    return f"user:{user_id}"


class RealtimeState:
    """Per-application state: this process's node id and pending presence updates."""

    def __init__(self, app: Flask) -> None:
        self.node_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.started = False
        self.lock = threading.Lock()
        self.dirty_rooms: set[int] = set()
        #: New messages not yet announced to everyone, by room slug: (last id, how many).
        self.activity: dict[str, tuple[int, int]] = {}


def init_app(app: Flask) -> None:
    app.extensions["exchange.realtime"] = RealtimeState(app)


def _state() -> RealtimeState:
    return current_app.extensions["exchange.realtime"]  # type: ignore[no-any-return]


def node_id() -> str:
    return _state().node_id


def ensure_node_started() -> None:
    """Register this process as a node and start its loops, once, on the first connection."""
    from .rooms import presence

    state = _state()
    if state.started:
        return
    with state.lock:
        if state.started:
            return
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        changed = presence.register_node(state.node_id, sole_node=not app.config["MESSAGE_QUEUE"])
        state.started = True
        if app.config["BACKGROUND_TASKS"]:
            socketio.start_background_task(_heartbeat_loop, app)
            if app.config["PRESENCE_INTERVAL"] > 0:
                socketio.start_background_task(_presence_loop, app)
            if app.config["ACTIVITY_INTERVAL"] > 0:
                socketio.start_background_task(_activity_loop, app)
    presence_changed(changed)


def _heartbeat_loop(app: Flask) -> None:
    """Keep this node alive, purge dead ones, and once an hour apply the retention rules."""
    from .accounts.privacy import purge_ended_login_sessions
    from .event.phases import now
    from .files.services import delete_unattached_files
    from .retention.services import apply_retention
    from .rooms import presence

    interval = app.config["NODE_HEARTBEAT_SECONDS"]
    next_purge = time.monotonic()
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                alive, changed = presence.heartbeat(_state().node_id)
                if not alive:
                    _recover_lost_node()
                presence_changed(changed)
                if time.monotonic() >= next_purge:
                    purge_ended_login_sessions()
                    delete_unattached_files()
                    apply_retention(now())
                    next_purge = time.monotonic() + 3600
        except Exception:
            logger.exception("heartbeat failed; trying again in %s s", interval)


def _recover_lost_node() -> None:
    """Our node was purged while we stalled: register again and make clients reconnect.

    The purge dropped the records of our connections; reconnecting recreates
    them, and clients backfill whatever they missed.
    """
    from .rooms import presence

    state = _state()
    logger.warning(
        "node %s was purged by another process; asking clients to reconnect", state.node_id
    )
    presence.register_node(state.node_id, sole_node=False)
    for sid, _eio_sid in list(_server().manager.get_participants(NAMESPACE, None)):
        _server().disconnect(sid, namespace=NAMESPACE)


def _presence_loop(app: Flask) -> None:
    interval = app.config["PRESENCE_INTERVAL"]
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                flush_presence()
        except Exception:
            logger.exception("presence broadcast failed")


def presence_changed(room_ids: Iterable[int]) -> None:
    """Note that who is in these rooms changed; tell the rooms now or on the next tick.

    Coalescing matters: when a thousand people enter the plenary at once, each
    of them gets one presence update per interval instead of a thousand.
    """
    room_ids = set(room_ids)
    if not room_ids:
        return
    state = _state()
    if current_app.config["PRESENCE_INTERVAL"] > 0 and current_app.config["BACKGROUND_TASKS"]:
        with state.lock:
            state.dirty_rooms |= room_ids
        return
    for room_id in room_ids:
        _emit_presence(room_id)


def flush_presence() -> None:
    """Send the pending presence updates."""
    state = _state()
    with state.lock:
        room_ids, state.dirty_rooms = state.dirty_rooms, set()
    for room_id in room_ids:
        _emit_presence(room_id)


def _emit_presence(room_id: int) -> None:
    from .event.models import Room
    from .rooms import presence
    from .rooms.schemas import presence_json

    room = db.session.get(Room, room_id)
    if room is None:
        return
    online = presence.online_in(room_id, limit=current_app.config["PRESENCE_LIST_LIMIT"])
    socketio.emit(
        "presence", presence_json(room, online), to=room_channel(room.slug), namespace=NAMESPACE
    )


def message_posted(message: Message) -> None:
    """Deliver a stored message to everyone in its room."""
    from .rooms.schemas import message_json

    socketio.emit(
        "message", message_json(message), to=room_channel(message.room.slug), namespace=NAMESPACE
    )


#: The Socket.IO room every signed-in socket joins: rooms lists hear of activity through it.
EVERYONE = "everyone"


def room_active(message: Message) -> None:
    """Note a new message for the next ``room_activity``, which keeps unread counts live.

    Thousands of people each keep a rooms list, so messages are gathered: one
    packet per interval tells every socket about every room that got any,
    however many messages they were.
    """
    state = _state()
    slug = message.room.slug
    with state.lock:
        last_id, count = state.activity.get(slug, (0, 0))
        state.activity[slug] = (max(last_id, message.id), count + 1)
    if not (current_app.config["ACTIVITY_INTERVAL"] > 0 and current_app.config["BACKGROUND_TASKS"]):
        flush_activity()


def flush_activity() -> None:
    """Send ``room_activity {rooms: [{room, last_message_id, count}]}`` for what was gathered."""
    state = _state()
    with state.lock:
        activity, state.activity = state.activity, {}
    if not activity:
        return
    rooms = [
        {"room": slug, "last_message_id": last_id, "count": count}
        for slug, (last_id, count) in sorted(activity.items())
    ]
    socketio.emit("room_activity", {"rooms": rooms}, to=EVERYONE, namespace=NAMESPACE)


def _activity_loop(app: Flask) -> None:
    interval = app.config["ACTIVITY_INTERVAL"]
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                flush_activity()
        except Exception:
            logger.exception("room activity broadcast failed")


def read_moved(user_id: int, slug: str, state: ReadState, *, skip_sid: str | None) -> None:
    """Tell a person's other tabs and devices how far they have now read in a room."""
    socketio.emit(
        "read",
        {"room": slug, "message_id": state.last_read_id, "unread_count": state.unread_count},
        to=user_channel(user_id),
        skip_sid=skip_sid,
        namespace=NAMESPACE,
    )


def typing(slug: str, user: User, *, skip_sid: str | None) -> None:
    """Tell the others in a room that ``user`` is writing."""
    socketio.emit(
        "typing",
        {"room": slug, "user": {"id": user.id, "name": user.display_name}},
        to=room_channel(slug),
        skip_sid=skip_sid,
        namespace=NAMESPACE,
    )


#: The Socket.IO room every moderator's and organizer's socket joins.
MODERATORS = "moderators"


def message_hidden(message: Message, change_id: int) -> None:
    """Take a message out of every open page; moderators keep it, greyed, with why."""
    from .rooms import presence
    from .rooms.schemas import message_json

    public = {"id": message.id, "room": message.room.slug, "change": change_id}
    staff_sids = presence.staff_sids_in_room(message.room_id)
    for sid in staff_sids:
        socketio.emit(
            "message_hidden",
            {**public, "message": message_json(message, staff=True)},
            to=sid,
            namespace=NAMESPACE,
        )
    socketio.emit(
        "message_hidden",
        public,
        to=room_channel(message.room.slug),
        skip_sid=staff_sids or None,
        namespace=NAMESPACE,
    )


def message_restored(message: Message, change_id: int) -> None:
    """Put a restored message back into every open page of its room."""
    from .rooms.schemas import message_json

    socketio.emit(
        "message_restored",
        {
            "id": message.id,
            "room": message.room.slug,
            "change": change_id,
            "message": message_json(message),
        },
        to=room_channel(message.room.slug),
        namespace=NAMESPACE,
    )


def report_created(report: Report) -> None:
    """Tell the moderators, live, that something was reported."""
    from .moderation.schemas import report_json

    socketio.emit("report_created", report_json(report), to=MODERATORS, namespace=NAMESPACE)


def reports_resolved(kind: str, target_id: int) -> None:
    """Tell the moderators that the reports about a message or practice were dismissed."""
    socketio.emit("reports_resolved", {f"{kind}_id": target_id}, to=MODERATORS, namespace=NAMESPACE)


#: The namespace anyone may connect to, signed in or not, to hear about the library.
LIBRARY_NAMESPACE = "/library"


def practice_hidden(practice: Practice) -> None:
    """Take a hidden practice out of every open page of the library, for every reader."""
    socketio.emit("practice_hidden", {"id": practice.id}, namespace=LIBRARY_NAMESPACE)


def file_changed(file: StoredFile) -> None:
    """Tell the pages showing a file's owner that the file was hidden or restored.

    ``file_hidden {id, owner}`` or ``file_restored {id, owner, file}``, where
    ``owner`` is ``{type, id}``; clients of staff keep showing a hidden file.
    """
    from .files.owners import owner_kinds
    from .files.schemas import file_json

    if file.owner_type is None:
        return
    kind = owner_kinds().by_name.get(file.owner_type)
    owner = db.session.get(kind.model, file.owner_id) if kind is not None else None
    channel = kind.channel(owner) if kind is not None and owner is not None else None
    if channel is None:
        return
    payload: dict[str, Any] = {
        "id": file.id,
        "owner": {"type": file.owner_type, "id": file.owner_id},
    }
    if file.is_hidden:
        socketio.emit("file_hidden", payload, to=channel, namespace=NAMESPACE)
    else:
        socketio.emit(
            "file_restored", {**payload, "file": file_json(file)}, to=channel, namespace=NAMESPACE
        )


def room_updated(room: Room) -> None:
    """Tell a room's clients that its settings changed (slow mode)."""
    socketio.emit(
        "room_updated",
        {"room": {"slug": room.slug, "slow_mode_seconds": room.slow_mode_seconds}},
        to=room_channel(room.slug),
        namespace=NAMESPACE,
    )


def notice_created(notice: Notice) -> None:
    """Tell a person, on every tab they have open, what a moderator did about them."""
    from .moderation.schemas import notice_json

    socketio.emit(
        "notice", notice_json(notice), to=user_channel(notice.user_id), namespace=NAMESPACE
    )


def end_login_session(login_session_id: int, reason: str) -> None:
    """Close every socket opened with one sign-in session (sign-out)."""
    from .rooms import presence

    _end_sockets(presence.sids_of_login_session(login_session_id), reason)


def end_user_sessions(user_id: int, reason: str) -> None:
    """Close every socket of one person, on every process (ban, account deletion)."""
    from .rooms import presence

    _end_sockets(presence.sids_of_user(user_id), reason)


def reconnect_user(user_id: int) -> None:
    """Make one person's clients reconnect, so that they pick up a new role."""
    from .rooms import presence

    for sid in presence.sids_of_user(user_id):
        _server().disconnect(sid, namespace=NAMESPACE)


def _end_sockets(sids: Iterable[str], reason: str) -> None:
    for sid in sids:
        # Say why first, so that the client shows it instead of reconnecting.
        socketio.emit("session_ended", {"reason": reason}, to=sid, namespace=NAMESPACE)
        _server().disconnect(sid, namespace=NAMESPACE)


#: How long before an outage of the message queue clients catch up from: events of
#: the seconds before it may have been published, and lost, during it; and the
#: clocks of several machines differ a little.
RESYNC_MARGIN_SECONDS = 10.0


def resync_cursors(app: Flask, outage_started_at: float) -> dict[str, Any]:
    """The ``resync`` payload: catch up from the last message and change before the outage."""
    from .moderation.models import ModerationChange
    from .rooms.models import Message

    cutoff = dt.datetime.fromtimestamp(outage_started_at - RESYNC_MARGIN_SECONDS, dt.UTC)
    with app.app_context():
        after = db.session.scalar(
            sa.select(sa.func.max(Message.id)).where(Message.created_at < cutoff)
        )
        changes_after = db.session.scalar(
            sa.select(sa.func.max(ModerationChange.id)).where(ModerationChange.created_at < cutoff)
        )
    return {"reason": "queue_recovered", "after": after or 0, "changes_after": changes_after or 0}


def emit_to_room(slug: str, event: str, payload: dict[str, Any]) -> None:
    """Send any room-level event (used by features that build on the chat)."""
    socketio.emit(event, payload, to=room_channel(slug), namespace=NAMESPACE)
