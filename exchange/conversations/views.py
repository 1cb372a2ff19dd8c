"""Conversations: the list of one's own, starting one, and the list as JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from ..errors import Invalid
from ..forms import flash_refusal
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import requires
from ..rooms.schemas import message_json
from ..rooms.schemas import user_json
from . import services

bp = Blueprint("conversations", __name__)


@bp.get("/conversations")
@requires(Action.JOIN_ROOM)
def index() -> ResponseReturnValue:
    """One's conversations, the latest active first, each with its unread count."""
    return render_template(
        "conversations/index.html", conversations=services.conversations_of(acting_user())
    )


def _member_ids() -> Any:
    """The ``members`` of a JSON body (a list) or of a form (repeated fields)."""
    if request.is_json:
        body = request.get_json(silent=True)
        return body.get("members") if isinstance(body, dict) else None
    try:
        return [int(value) for value in request.form.getlist("members")]
    except ValueError:
        raise Invalid(
            _l("'%(field)s' must be a list of people ids.", field="members"), field="members"
        ) from None


@bp.post("/conversations")
@requires(Action.START_CONVERSATION)
def start() -> ResponseReturnValue:
    """Start a conversation with ``members`` (or reopen the one-to-one one), then open it."""
    if request.is_json:
        room, created = services.start_conversation(acting_user(), _member_ids())
        url = url_for("rooms.show", slug=room.slug)
        return jsonify({"ok": True, "room": room.slug, "url": url, "created": created}), (
            201 if created else 200
        )
    with flash_refusal(_l("The conversation was not started: %(reason)s")) as attempt:
        room, _created = services.start_conversation(acting_user(), _member_ids())
    if attempt.refused:
        return redirect(request.referrer or url_for("conversations.index"))
    return redirect(url_for("rooms.show", slug=room.slug))


@bp.get("/api/conversations")
@requires(Action.JOIN_ROOM)
def api_index() -> ResponseReturnValue:
    """One's conversations as JSON: members, unread count and the latest message of each."""
    reader = acting_user()
    summaries = services.conversations_of(reader)
    return jsonify(
        {
            "conversations": [
                {
                    "room": summary.room.slug,
                    "url": url_for("rooms.show", slug=summary.room.slug),
                    "members": [user_json(person) for person in summary.others],
                    "unread": summary.unread_count,
                    "last_message": (
                        message_json(summary.last_message) if summary.last_message else None
                    ),
                }
                for summary in summaries
            ],
            "unread_total": sum(summary.unread_count for summary in summaries),
        }
    )
