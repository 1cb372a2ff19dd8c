"""A room's latest page of messages, as a join acknowledges it, kept while nothing in it changes.

Everyone who joins a room gets its last messages in the acknowledgement. Loading
and encoding that page was half of what a join cost the server (docs/performance.md),
and at the opening of a plenary hundreds of people join one room within seconds,
each asking for the same page. So a process keeps the page it encoded last for each
room and kind of reader, with the room's version (``RoomVersion``): database
triggers move the version on whenever anything the page shows changes, whoever
writes, so a kept page is sent only while it is what reading afresh would give.
Catching up (``after``) is answered afresh: it depends on where each client stopped.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask import Flask
from flask_babel import get_locale

from .. import permissions
from ..accounts.models import User
from ..db import read_core
from ..event.models import Room
from ..socket_json import RawJSON
from ..stamped_cache import StampedCache
from . import services
from .models import EVERY_ROOM
from .models import RoomVersion
from .schemas import message_json

#: Pages a process keeps (least recently used go first): a room's is some 50 KB.
CACHE_SIZE = 64


@dataclass(frozen=True)
class Page:
    """Messages as the protocol shows them, oldest first, encoded or not."""

    messages: RawJSON | list[dict[str, Any]]
    has_more: bool


#: Which page: the room, whether hidden messages are in it and marked, the language a
#: deleted person's name is given in, and how many messages a page holds.
PageKey = tuple[int, bool, bool, str, int]

#: The latest page per room and kind of reader, stamped with the version it was read at.
PageCache = StampedCache[PageKey, Page]


def init_app(app: Flask) -> None:
    app.extensions["exchange.room_pages"] = PageCache(CACHE_SIZE)


def page_cache() -> PageCache:
    return cast(PageCache, current_app.extensions["exchange.room_pages"])


@functools.cache
def _version_statement() -> sa.Select[Any]:
    """Built once: the room's row of room_versions plus the row every room shares."""
    versions = cast(sa.Table, RoomVersion.__table__)
    return sa.select(sa.func.coalesce(sa.func.sum(versions.c.version), 0)).where(
        sa.or_(versions.c.room_id == EVERY_ROOM, versions.c.room_id == sa.bindparam("room_id"))
    )


def room_version(room: Room) -> int:
    """A number that has grown whenever anything ``room``'s messages show has changed."""
    return int(read_core(_version_statement(), {"room_id": room.id}).scalar_one())


def join_page(room: Room, reader: User, *, after: int | None = None) -> Page:
    """The page a join acknowledges: the latest messages, or those ``after`` an id.

    The version is read before the page, so a page kept is never older than its
    version says (a change committed in between makes it newer, which its live
    event will repeat; clients deduplicate by id).
    """
    hidden_too = permissions.can(reader, permissions.Action.SEE_HIDDEN_CONTENT, room)
    staff = permissions.can(reader, permissions.Action.SEE_HIDDEN_CONTENT)
    if after is not None:
        history = services.history(room, reader, after=after)
        return Page([message_json(m, staff=staff) for m in history.messages], history.has_more)
    key: PageKey = (
        room.id,
        hidden_too,
        staff,
        str(get_locale()),
        current_app.config["HISTORY_LIMIT"],
    )
    cache = page_cache()
    version = room_version(room)
    kept = cache.get(key, version)
    if kept is not None:
        return kept
    history = services.history(room, reader)
    shown = [message_json(m, staff=staff) for m in history.messages]
    # As python-socketio encodes the rest of the packet.
    page = Page(RawJSON(json.dumps(shown, separators=(",", ":"))), history.has_more)
    cache.put(key, version, page)
    return page
