"""The room page, its no-JavaScript fallback for sending, and the chat's JSON API."""

from __future__ import annotations

import datetime as dt
import uuid

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from ..accounts.models import User
from ..agenda.services import current_session
from ..db import utcnow
from ..errors import ExchangeError
from ..errors import Invalid
from ..errors import NotFound
from ..event.models import Room
from ..event.phases import current_phase
from ..event.phases import now
from ..event.phases import Phase
from ..event.services import get_room
from ..event.services import list_rooms
from ..files import services as files
from ..forms import flash_refusal
from ..i18n import CONTENT_LANGUAGES
from ..i18n import language_names
from ..i18n import locale_code
from ..notifications import services as notifications
from ..payloads import query_int
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import can
from ..permissions import check
from ..permissions import requires
from . import mentions
from . import presence
from . import search
from . import services
from . import unread
from .languages import DETECT_LANGUAGE
from .models import Message
from .schemas import message_json
from .schemas import revision_json
from .schemas import room_json
from .schemas import user_json

bp = Blueprint("rooms", __name__)

#: The latest mentions the room's panel lists (the Mentions page has them all).
MENTIONS_IN_PANEL = 10


@bp.get("/rooms/search")
@requires(Action.JOIN_ROOM)
def search_page() -> ResponseReturnValue:
    """The rooms' search box and what it finds (the same search as ``GET /api/messages``)."""
    text = request.args.get("q", "")[:200]
    room = request.args.get("room", "")
    results, error = None, None
    if text.strip():
        try:
            page = query_int(request.args, "page", minimum=1, maximum=50) or 1
            results = search.search_messages(
                acting_user(), search.MessageQuery(text=text, room=room), page=page
            )
        except ExchangeError as refusal:
            error = refusal.message
    return render_template(
        "rooms/search.html", text=text, room=room, rooms=list_rooms(), results=results, error=error
    )


@bp.get("/rooms/<slug>")
@requires(Action.JOIN_ROOM)
def show(slug: str) -> ResponseReturnValue:
    user = acting_user()
    room = get_room(slug, user)
    staff = can(user, Action.SEE_HIDDEN_CONTENT, room)
    past = services.history(room, user)
    online = presence.online_in(room.id, limit=current_app.config["PRESENCE_LIST_LIMIT"])
    rooms = list_rooms()
    archived = current_phase() is Phase.AFTER
    can_send = can(user, Action.SEND_MESSAGE, room) and not archived
    return render_template(
        "rooms/show.html",
        room=room,
        rooms=rooms,
        read=unread.read_state(user, room),
        muted_until=user.muted_until if user.muted_at(utcnow()) else None,
        unread_counts=unread.unread_counts(user, (other for other in rooms if other.id != room.id)),
        mention_counts=(mention_counts := mentions.unread_mention_counts(user, rooms)),
        unread_mentions=sum(mention_counts.values()),
        recent_mentions=mentions.mentions_of(user, limit=MENTIONS_IN_PANEL),
        history=past,
        online=online,
        staff=staff,
        last_change=services.last_moderation_change(room),
        archived=archived,
        current_session=current_session(room, now()),
        can_send=can_send,
        replying_to=_reply_draft(room) if can_send else None,
        can_react=can(user, Action.REACT) and not archived,
        reaction_choices=services.REACTION_CHOICES,
        fallback_client_id=uuid.uuid4().hex,
        message_languages=language_names(CONTENT_LANGUAGES),
        max_length=current_app.config["MESSAGE_MAX_LENGTH"],
        can_look_up_people=can(user, Action.LOOK_UP_PEOPLE),
        notify_levels=notifications.room_levels(user, rooms),
    )


def _reply_draft(room: Room) -> Message | None:
    """The message a "Reply" link (``?reply_to=``) asks to answer, when it can be answered."""
    try:
        message_id = query_int(request.args, "reply_to", minimum=1)
        return services.reply_target(room, message_id) if message_id else None
    except ExchangeError:
        return None


@bp.post("/rooms/<slug>/messages")
@requires(Action.SEND_MESSAGE)
def post(slug: str) -> ResponseReturnValue:
    """Send a message without JavaScript; the form's client_id makes resubmits harmless."""
    user = acting_user()
    room = get_room(slug, user)
    check(user, Action.SEND_MESSAGE, room)
    client_id = request.form.get("client_id", "")
    with flash_refusal(_l("Your message was not sent: %(reason)s")):
        # A resubmitted form finds its message stored: its file is not uploaded twice.
        sent = services.sent_message(user, client_id)
        uploads = [upload for upload in request.files.getlist("file") if upload.filename]
        services.post_message(
            room,
            user,
            body=request.form.get("body", ""),
            client_id=client_id,
            # The form's "(from the words)": the message gets the language read from them.
            language=request.form.get("language") or DETECT_LANGUAGE,
            reply_to=query_int(request.form, "reply_to", minimum=1),
            attachments=(
                [file.id for file in sent.files] if sent is not None else _upload(user, uploads)
            ),
        )
    return redirect(url_for("rooms.show", slug=slug, _anchor="composer"))


def _upload(user: User, uploads: list[FileStorage]) -> list[int]:
    """Store the file sent with the no-script form, as ``POST /api/attachments`` does."""
    if not uploads:
        return []
    if len(uploads) > 1:
        raise Invalid(_l("Send one file, in the form field “file”."), field="file")
    maximum = current_app.config["UPLOAD_MAX_BYTES"]
    files.count_upload(user)
    data = uploads[0].stream.read(maximum + 1)
    return [files.upload_file(user, data, uploads[0].filename).id]


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A form over the size limit (its file), refused while it was read: say so on the page."""
    refusal = files.too_large(current_app.config["UPLOAD_MAX_BYTES"])
    flash(str(_l("Your message was not sent: %(reason)s")) % {"reason": refusal.message}, "error")
    slug = (request.view_args or {}).get("slug")
    if slug is None:
        return {"ok": False, "error": refusal.to_dict()}, 413
    return redirect(url_for("rooms.show", slug=slug, _anchor="composer"))


@bp.route("/rooms/<slug>/messages/<int:message_id>/reactions", methods=["GET", "POST"])
@requires(Action.REACT)
def react(slug: str, message_id: int) -> ResponseReturnValue:
    """How a browser without JavaScript reacts: the page of emoji a message may get, whose
    forms give one or take it back (form field ``emoji``) and return to the message.

    The room page links here from each message instead of carrying these forms in
    every message it shows (scripts replace them with the toolbar's picker)."""
    if request.method == "GET":
        message = services.reaction_target(slug, message_id, acting_user())
        return render_template(
            "rooms/react.html",
            room=message.room,
            message=message,
            reaction_choices=services.REACTION_CHOICES,
        )
    message = services.get_message(message_id)
    if message.room.slug != slug:
        raise NotFound()
    with flash_refusal(_l("Your reaction was not saved: %(reason)s")):
        services.react(message, acting_user(), request.form.get("emoji", ""))
    return redirect(url_for("rooms.show", slug=slug, _anchor=f"message-{message.id}"))


@bp.get("/api/rooms")
@requires(Action.JOIN_ROOM)
def api_index() -> ResponseReturnValue:
    """Every open room, with how many are in it, how many messages the reader has not read,
    and how many of those mention them."""
    rooms = list_rooms()
    counts = presence.online_counts()
    reader = acting_user()
    unread_counts = unread.unread_counts(reader, rooms)
    mention_counts = mentions.unread_mention_counts(reader, rooms)
    locale = locale_code()
    return jsonify(
        {
            "rooms": [
                {
                    **room_json(r, locale, counts.get(r.id, 0)),
                    "unread": unread_counts[r.id],
                    "mentions": mention_counts[r.id],
                }
                for r in rooms
            ]
        }
    )


@bp.get("/api/rooms/<slug>/messages")
@requires(Action.JOIN_ROOM)
def api_messages(slug: str) -> ResponseReturnValue:
    reader = acting_user()
    room = get_room(slug, reader)
    staff = can(reader, Action.SEE_HIDDEN_CONTENT, room)
    past = services.history(
        room,
        reader,
        after=query_int(request.args, "after"),
        before=query_int(request.args, "before"),
        limit=query_int(request.args, "limit", minimum=1, maximum=500),
    )
    return jsonify(
        {
            "room": room_json(room, locale_code()),
            "messages": [message_json(m, staff=staff) for m in past.messages],
            "has_more": past.has_more,
        }
    )


def _moment(name: str) -> dt.datetime | None:
    """An optional ISO 8601 date or moment of the query string (a date is its midnight UTC)."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        message = _l("'%(field)s' must be a date such as 2026-12-04.", field=name)
        raise Invalid(message, field=name) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@bp.get("/api/messages")
@requires(Action.JOIN_ROOM)
def api_search() -> ResponseReturnValue:
    """Messages of every room with the words of ``q``, best first (rooms/search.py)."""
    query = search.MessageQuery(
        text=request.args.get("q", "")[:200],
        room=request.args.get("room", ""),
        author=query_int(request.args, "author", minimum=1),
        before=_moment("before"),
        after=_moment("after"),
    )
    results = search.search_messages(
        acting_user(), query, page=query_int(request.args, "page", minimum=1, maximum=50) or 1
    )
    return jsonify(
        {
            "messages": [message_json(m) for m in results.messages],
            "total": results.total,
            "total_exact": results.total_exact,
            "page": results.page,
            "has_more": results.has_more,
        }
    )


@bp.get("/api/messages/<int:message_id>/revisions")
@requires(Action.READ_EDIT_HISTORY)
def api_revisions(message_id: int) -> ResponseReturnValue:
    """The earlier words of an edited message, for those who moderate its room."""
    message = services.get_message(message_id)
    return jsonify(
        {
            "message": message_json(message, staff=True),
            "revisions": [revision_json(r) for r in services.revisions(message, acting_user())],
        }
    )


@bp.get("/api/rooms/<slug>/online")
@requires(Action.JOIN_ROOM)
def api_online(slug: str) -> ResponseReturnValue:
    room = get_room(slug, acting_user())
    online = presence.online_in(room.id)
    return jsonify(
        {
            "room": room.slug,
            "online": [user_json(u) for u in online.users],
            "online_count": online.count,
        }
    )
