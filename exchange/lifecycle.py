"""This process's life as a node of the exchange: heartbeat, retention, presence, polls.

Every process that serves Socket.IO registers itself as a node on its first
connection, then keeps a heartbeat so that the others can purge the
connections of a process that died. Once an hour the heartbeat also applies
the retention rules (ended sign-in sessions, files never attached); every few
seconds polls whose closing time came are closed. Telling
clients what changed is realtime.py's job; this module only decides when.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask import Flask

from . import realtime
from .accounts.privacy import purge_ended_login_sessions
from .event.phases import now
from .extensions import db
from .extensions import socketio
from .files.services import delete_unattached_files
from .moderation.models import ModerationChange
from .polls.services import close_due as close_due_polls
from .retention.services import apply_retention
from .rooms import presence
from .rooms import unread
from .rooms.models import Message

logger = logging.getLogger(__name__)


class NodeState:
    """Per-application state: this process's node id, and whether its loops run."""

    def __init__(self) -> None:
        self.node_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.started = False
        self.lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions["exchange.lifecycle"] = NodeState()


def _state() -> NodeState:
    return cast(NodeState, current_app.extensions["exchange.lifecycle"])


def node_id() -> str:
    """Return the id under which this process records its connections."""
    return _state().node_id


def ensure_node_started() -> None:
    """Register this process as a node and start its loops, once, on the first connection."""
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
            for interval, flush in (
                (app.config["PRESENCE_INTERVAL"], realtime.flush_presence),
                (app.config["ACTIVITY_INTERVAL"], realtime.flush_activity),
                (app.config["READ_FLUSH_INTERVAL"], unread.flush_read_positions),
                (app.config["POLL_CLOSE_INTERVAL"], close_due_polls),
            ):
                if interval > 0:
                    socketio.start_background_task(_broadcast_loop, app, interval, flush)
    realtime.presence_changed(changed)


def _heartbeat_loop(app: Flask) -> None:
    """Keep this node alive, purge dead ones, and once an hour apply the retention rules."""
    interval = app.config["NODE_HEARTBEAT_SECONDS"]
    next_purge = time.monotonic()
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                alive, changed = presence.heartbeat(_state().node_id)
                if not alive:
                    _recover_lost_node()
                realtime.presence_changed(changed)
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
    state = _state()
    logger.warning(
        "node %s was purged by another process; asking clients to reconnect", state.node_id
    )
    presence.register_node(state.node_id, sole_node=False)
    server = realtime.server()
    for sid, _eio_sid in list(server.manager.get_participants(realtime.NAMESPACE, None)):
        server.disconnect(sid, namespace=realtime.NAMESPACE)


def _broadcast_loop(app: Flask, interval: float, flush: Callable[[], object]) -> None:
    """Pass on what ``flush`` gathered (presence, room activity, read positions, polls whose
    time is up) every ``interval`` seconds."""
    while True:
        # types-Flask-SocketIO says whole seconds; both server loops sleep for any float.
        socketio.sleep(interval)  # type: ignore[arg-type]
        try:
            with app.app_context():
                flush()
        except Exception:
            logger.exception("%s failed", flush.__name__)


def shut_down(app: Flask) -> None:
    """Write what this process still holds in memory (read positions) before it stops."""
    with app.app_context():
        try:
            written = unread.flush_read_positions()
        except Exception:
            logger.exception("could not write the read positions before stopping")
        else:
            logger.info("stopping; %d read positions written", written)


#: How long before an outage of the message queue clients catch up from: events of
#: the seconds before it may have been published, and lost, during it; and the
#: clocks of several machines differ a little.
RESYNC_MARGIN_SECONDS = 10.0


def resync_cursors(app: Flask, outage_started_at: float) -> dict[str, Any]:
    """The ``resync`` payload: catch up from the last message and change before the outage."""
    cutoff = dt.datetime.fromtimestamp(outage_started_at - RESYNC_MARGIN_SECONDS, dt.UTC)
    with app.app_context():
        after = db.session.scalar(
            sa.select(sa.func.max(Message.id)).where(Message.created_at < cutoff)
        )
        changes_after = db.session.scalar(
            sa.select(sa.func.max(ModerationChange.id)).where(ModerationChange.created_at < cutoff)
        )
    return {"reason": "queue_recovered", "after": after or 0, "changes_after": changes_after or 0}
