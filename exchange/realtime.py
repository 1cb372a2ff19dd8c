"""Tell connected clients what changed: the one place that emits to Socket.IO.

Services call these functions after their commit, never before, so a client
is never told about something the database does not hold. With a message
queue configured, every emit reaches clients connected to any process.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from typing import cast
from typing import TYPE_CHECKING

from flask import current_app
from flask import Flask

from .accounts.models import User
from .announcements.models import Announcement
from .announcements.schemas import banner_json
from .event.models import Room
from .extensions import db
from .extensions import socketio
from .files.models import StoredFile
from .files.owners import owner_kinds
from .files.schemas import file_json
from .moderation.models import Notice
from .moderation.models import Report
from .moderation.schemas import notice_json
from .moderation.schemas import report_json
from .polls.models import Poll
from .polls.schemas import poll_json
from .practices.models import Practice
from .questions.models import Question
from .questions.schemas import question_json
from .rooms import presence
from .rooms.models import Message
from .rooms.models import Reaction
from .rooms.schemas import message_json
from .rooms.schemas import presence_json
from .rooms.schemas import reactions_json
from .socket_json import RawJSON

if TYPE_CHECKING:  # rooms/unread.py tells the world through this module
    from .rooms.unread import ReadState

logger = logging.getLogger(__name__)

NAMESPACE = "/"


def server() -> Any:
    """Return python-socketio's server, which Flask-SocketIO makes in init_app."""
    # types-Flask-SocketIO does not declare the attribute; python-socketio is untyped.
    return socketio.server  # type: ignore[attr-defined]


def room_channel(slug: str) -> str:
    """The Socket.IO room of a themed room (prefixed so it never clashes with others)."""
    return f"room:{slug}"


def user_channel(user_id: int) -> str:
    """The Socket.IO room every socket of one person joins."""
    return f"user:{user_id}"


@dataclass
class _KeptPresence:
    """A room's ``presence`` payload as last read, kept for the presence interval."""

    read_at: float
    payload: dict[str, Any]
    #: Its list of people as JSON text, made the first time a join carries it.
    encoded_online: RawJSON | None = None


class _Pending:
    """What is gathered for the next broadcast, per application."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        #: Rooms whose presence changed since the last broadcast.
        self.room_ids: set[int] = set()
        #: New messages not yet announced to everyone, by room slug: (last id, how many).
        self.activity: dict[str, tuple[int, int]] = {}
        #: The last ``presence`` payload of each room, by room id, with when it was read.
        self.presence: dict[int, _KeptPresence] = {}


def init_app(app: Flask) -> None:
    app.extensions["exchange.realtime"] = _Pending()


def _pending() -> _Pending:
    return cast(_Pending, current_app.extensions["exchange.realtime"])


def _coalesced() -> bool:
    return bool(
        current_app.config["PRESENCE_INTERVAL"] > 0 and current_app.config["BACKGROUND_TASKS"]
    )


def join_presence(room: Room) -> dict[str, Any]:
    """Who is in the room, as a ``join`` ack carries it: ``online`` and ``online_count``.

    While presence is coalesced, what the last broadcast (or join) read is reused
    for up to ``EXCHANGE_PRESENCE_INTERVAL`` seconds, and its list of people is
    encoded once: when hundreds of people enter a room at once, each join would
    otherwise load and encode the whole list (up to ``EXCHANGE_PRESENCE_LIST_LIMIT``
    people: about 0.2 ms for 200, some 4% of a join), and a ``presence`` with the
    newest list follows within the interval anyway.
    """
    kept = _kept_presence(room) or _read_presence(room)
    if not _coalesced():  # nothing is kept, so nothing would be reused
        return {"online": kept.payload["online"], "online_count": kept.payload["online_count"]}
    if kept.encoded_online is None:
        kept.encoded_online = RawJSON(json.dumps(kept.payload["online"], separators=(",", ":")))
    return {"online": kept.encoded_online, "online_count": kept.payload["online_count"]}


def _kept_presence(room: Room) -> _KeptPresence | None:
    """The room's presence as read within the interval, while presence is coalesced."""
    if not _coalesced():
        return None
    kept = _pending().presence.get(room.id)
    if kept is None or time.monotonic() - kept.read_at >= current_app.config["PRESENCE_INTERVAL"]:
        return None
    return kept


def _read_presence(room: Room) -> _KeptPresence:
    """Read who is in ``room`` now; keep it for the interval while presence is coalesced."""
    online = presence.online_in(room.id, limit=current_app.config["PRESENCE_LIST_LIMIT"])
    kept = _KeptPresence(time.monotonic(), presence_json(room, online))
    if _coalesced():
        _pending().presence[room.id] = kept
    return kept


def presence_changed(room_ids: Iterable[int]) -> None:
    """Note that who is in these rooms changed; tell the rooms now or on the next tick.

    Coalescing matters: when a thousand people enter the plenary at once, each
    of them gets one presence update per interval instead of a thousand.
    """
    room_ids = set(room_ids)
    if not room_ids:
        return
    pending = _pending()
    if _coalesced():
        with pending.lock:
            pending.room_ids |= room_ids
        return
    for room_id in room_ids:
        _emit_presence(room_id)


def flush_presence() -> None:
    """Send the pending presence updates."""
    pending = _pending()
    with pending.lock:
        room_ids, pending.room_ids = pending.room_ids, set()
    for room_id in room_ids:
        _emit_presence(room_id)


def _emit_presence(room_id: int) -> None:

    room = db.session.get(Room, room_id)
    if room is None:
        return
    socketio.emit(
        "presence", _read_presence(room).payload, to=room_channel(room.slug), namespace=NAMESPACE
    )


def message_posted(message: Message) -> None:
    """Deliver a stored message to everyone in its room."""
    socketio.emit(
        "message", message_json(message), to=room_channel(message.room.slug), namespace=NAMESPACE
    )


def mentioned(message: Message, user_ids: Iterable[int]) -> None:
    """Tell each person a message mentions, on every socket they have open, in any room."""
    payload: dict[str, Any] | None = None
    for user_id in user_ids:
        payload = payload or {"room": message.room.slug, "message": message_json(message)}
        socketio.emit("mention", payload, to=user_channel(user_id), namespace=NAMESPACE)


def mention_withdrawn(message: Message, user_ids: Iterable[int]) -> None:
    """Tell each person an edited message no longer names that its mention is gone."""
    for user_id in user_ids:
        socketio.emit(
            "mention_withdrawn",
            {"room": message.room.slug, "message_id": message.id},
            to=user_channel(user_id),
            namespace=NAMESPACE,
        )


def reactions_changed(message: Message, reactions: list[Reaction]) -> None:
    """Tell a message's room who reacted to it with what, now."""
    socketio.emit(
        "reactions",
        {
            "message_id": message.id,
            "room": message.room.slug,
            "reactions": reactions_json(reactions),
        },
        to=room_channel(message.room.slug),
        namespace=NAMESPACE,
    )


def message_edited(message: Message) -> None:
    """Show everyone in its room a message's new words."""
    socketio.emit(
        "message_edited",
        {"message": message_json(message)},
        to=room_channel(message.room.slug),
        namespace=NAMESPACE,
    )


def replied(message: Message, user_id: int) -> None:
    """Tell the author of the message a new one answers, on every socket they have open."""
    socketio.emit(
        "reply",
        {"room": message.room.slug, "message": message_json(message)},
        to=user_channel(user_id),
        namespace=NAMESPACE,
    )


#: The Socket.IO room every signed-in socket joins: rooms lists hear of activity through it.
EVERYONE = "everyone"


def room_active(message: Message) -> None:
    """Note a new message for the next ``room_activity``, which keeps unread counts live.

    Thousands of people each keep a rooms list, so messages are gathered: one
    packet per interval tells every socket about every room that got any,
    however many messages they were.
    """
    pending = _pending()
    slug = message.room.slug
    with pending.lock:
        last_id, count = pending.activity.get(slug, (0, 0))
        pending.activity[slug] = (max(last_id, message.id), count + 1)
    if not (current_app.config["ACTIVITY_INTERVAL"] > 0 and current_app.config["BACKGROUND_TASKS"]):
        flush_activity()


def conversation_active(message: Message, unread: dict[int, tuple[int, int]]) -> None:
    """Tell each member of a message's conversation, on every socket they have open, that it
    came: ``conversation_activity {room, message, unread_count, unread_total}``.

    Only members hear of a conversation: it never goes into ``room_activity``.
    ``unread`` holds each member's (count in this conversation, count in all of theirs).
    """
    payload = {"room": message.room.slug, "message": message_json(message)}
    for user_id, (count, total) in unread.items():
        socketio.emit(
            "conversation_activity",
            {**payload, "unread_count": count, "unread_total": total},
            to=user_channel(user_id),
            namespace=NAMESPACE,
        )


def flush_activity() -> None:
    """Send ``room_activity {rooms: [{room, last_message_id, count}]}`` for what was gathered."""
    pending = _pending()
    with pending.lock:
        activity, pending.activity = pending.activity, {}
    if not activity:
        return
    rooms = [
        {"room": slug, "last_message_id": last_id, "count": count}
        for slug, (last_id, count) in sorted(activity.items())
    ]
    socketio.emit("room_activity", {"rooms": rooms}, to=EVERYONE, namespace=NAMESPACE)


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
    socketio.emit("report_created", report_json(report), to=MODERATORS, namespace=NAMESPACE)


def reports_resolved(kind: str, target_id: int) -> None:
    """Tell the moderators that the reports about a message or practice were dismissed."""
    socketio.emit("reports_resolved", {f"{kind}_id": target_id}, to=MODERATORS, namespace=NAMESPACE)


def report_count(count: int, to: str = MODERATORS) -> None:
    """Tell the moderators' and organizers' sockets (or one of them, ``to``) how many
    reports are open now."""
    socketio.emit("report_count", {"count": count}, to=to, namespace=NAMESPACE)


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


def banner_shown(announcement: Announcement) -> None:
    """Show an announcement's banner on every open page of every signed-in person."""
    socketio.emit("banner", banner_json(announcement), to=EVERYONE, namespace=NAMESPACE)


def banner_ended(announcement_id: int) -> None:
    """Take a banner down from every open page (its author ended it early)."""
    socketio.emit("banner_ended", {"id": announcement_id}, to=EVERYONE, namespace=NAMESPACE)


def banner_dismissed(user_id: int, announcement_id: int) -> None:
    """Close a banner on a person's other tabs and devices once they closed it on one."""
    socketio.emit(
        "banner_ended", {"id": announcement_id}, to=user_channel(user_id), namespace=NAMESPACE
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
    socketio.emit(
        "notice", notice_json(notice), to=user_channel(notice.user_id), namespace=NAMESPACE
    )


def end_login_session(login_session_id: int, reason: str) -> None:
    """Close every socket opened with one sign-in session (sign-out)."""
    _end_sockets(presence.sids_of_login_session(login_session_id), reason)


def end_user_sessions(user_id: int, reason: str) -> None:
    """Close every socket of one person, on every process (ban, account deletion)."""
    _end_sockets(presence.sids_of_user(user_id), reason)


def reconnect_user(user_id: int) -> None:
    """Make one person's clients reconnect, so that they pick up a new role."""
    for sid in presence.sids_of_user(user_id):
        server().disconnect(sid, namespace=NAMESPACE)


def _end_sockets(sids: Iterable[str], reason: str) -> None:
    for sid in sids:
        # Say why first, so that the client shows it instead of reconnecting.
        socketio.emit("session_ended", {"reason": reason}, to=sid, namespace=NAMESPACE)
        server().disconnect(sid, namespace=NAMESPACE)


def question_changed(question: Question, event: str) -> None:
    """Send ``question`` (new) or ``question_updated`` (votes, state) to whoever may see it.

    An approved question goes to its room; one waiting for approval only to its
    asker and to moderators. A hidden one leaves every open panel.
    """
    data = question_json(question)
    if question.is_approved or question.is_hidden:
        socketio.emit(event, data, to=room_channel(question.room.slug), namespace=NAMESPACE)
        return
    for channel in (user_channel(question.author_id), MODERATORS):
        socketio.emit(event, data, to=channel, namespace=NAMESPACE)


def poll_changed(poll: Poll, event: str) -> None:
    """Send ``poll`` (opened) or ``poll_updated`` (counts, closed) to the poll's room."""
    socketio.emit(event, poll_json(poll), to=room_channel(poll.room.slug), namespace=NAMESPACE)
