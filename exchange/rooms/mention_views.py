"""Mentions: the person's list of messages that name them, and the lookup behind ``@``."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue

from ..payloads import query_int
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import requires
from . import mentions
from .schemas import message_json
from .schemas import user_json

bp = Blueprint("mentions", __name__)

#: Mentions shown on one page of the list.
PAGE = 50


@bp.get("/mentions")
@requires(Action.JOIN_ROOM)
def index() -> ResponseReturnValue:
    """The messages that mention the reader, newest first; unread ones marked."""
    before = query_int(request.args, "before", minimum=1)
    entries = mentions.mentions_of(acting_user(), before=before, limit=PAGE + 1)
    return render_template(
        "rooms/mentions.html",
        entries=entries[:PAGE],
        next_before=entries[PAGE - 1].message.id if len(entries) > PAGE else None,
    )


@bp.get("/api/mentions")
@requires(Action.JOIN_ROOM)
def api_index() -> ResponseReturnValue:
    """``{"mentions": [{message, unread}], "has_more"}``, newest first, ``before`` a message id."""
    before = query_int(request.args, "before", minimum=1)
    limit = query_int(request.args, "limit", minimum=1, maximum=PAGE) or PAGE
    entries = mentions.mentions_of(acting_user(), before=before, limit=limit + 1)
    return jsonify(
        {
            "mentions": [
                {"message": message_json(entry.message), "unread": entry.unread}
                for entry in entries[:limit]
            ],
            "has_more": len(entries) > limit,
        }
    )


@bp.get("/api/people/suggest")
@requires(Action.LOOK_UP_PEOPLE)
def suggest_people() -> ResponseReturnValue:
    """People whose name or administration starts with ``q``: what ``@`` offers."""
    query = request.args.get("q", "")
    return jsonify(
        {"people": [user_json(user) for user in mentions.suggest_people(acting_user(), query)]}
    )
