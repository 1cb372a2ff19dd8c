"""Plumbing shared by every Socket.IO handler: permission, payload, and the error ack."""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from typing import Any

from flask import abort
from flask import Flask
from flask import request
from flask import session
from flask_login import current_user
from flask_socketio import disconnect

from .errors import error_ack
from .errors import NotFound
from .errors import RateLimited
from .extensions import db
from .payloads import Payload
from .permissions import Action
from .permissions import check
from .ratelimit import limiter

logger = logging.getLogger(__name__)

Handler = Callable[[Payload], dict[str, Any]]

#: Where Socket.IO connects (python-engineio's default path); Engine.IO answers it before Flask.
SOCKET_PATH = "/socket.io/"


def connection_id() -> str:
    """Return the Socket.IO id of the connection whose event is being handled."""
    # Flask-SocketIO sets request.sid on the request context it makes for each event;
    # Flask's Request type does not know it.
    return str(request.sid)  # type: ignore[attr-defined]


def event_name() -> str:
    """Return the name of the Socket.IO event being handled."""
    # Flask-SocketIO sets request.event too ({"message": name, "args": ...}).
    return str(request.event["message"])  # type: ignore[attr-defined]


def socket_event(action: Action) -> Callable[[Handler], Callable[..., dict[str, Any]]]:
    """Wrap a handler: flood control, then ``action`` for the user loaded afresh, then its payload.

    Handlers return their ack (``{"ok": true, ...}``); exceptions become error
    acks in :func:`handle_socket_error`, never a silence.
    """

    def decorator(func: Handler) -> Callable[..., dict[str, Any]]:
        @functools.wraps(func)
        def handler(*args: Any) -> dict[str, Any]:
            throttle(event_name())
            check(current_user, action)
            return func(Payload.from_event_args(args))

        handler.required_action = action  # type: ignore[attr-defined]
        return handler

    return decorator


def throttle(event: str) -> None:
    """Refuse an event sent too fast, before it costs a database query.

    Limits apply per sign-in session (all tabs of one browser together). A
    connection that keeps going after being told to wait is closed.
    """
    limits = limiter()
    who = str(session.get("_user_id") or connection_id())
    wait = limits.hit(event if event in limits.limits else "default", who)
    if not wait:
        return
    if limits.hit("flood", connection_id()):
        logger.warning("closing connection %s: it keeps flooding %r", connection_id(), event)
        disconnect()
    raise RateLimited(retry_after=max(1, math.ceil(wait)))


def route_socket_path(app: Flask) -> None:
    """Give the Socket.IO path a URL rule, so that each event's request context matches it.

    Flask-SocketIO handles every event in a request context built from the
    connection's first request. With no rule for its path, each of those contexts
    raised ``NotFound`` and kept it on the request, and the exception's traceback
    held the frames that held the context: a reference cycle per event, about a
    hundred objects with the account read for it, which reference counting never
    frees: they waited for the garbage collector, which pauses the whole process
    while it works. In 28 s of the busy room of ``make bench`` that was 214,000
    objects of garbage; with the rule, 40,000 (docs/performance.md).
    """
    for websocket in (False, True):  # connected by long-polling, or by WebSocket at once
        app.add_url_rule(
            SOCKET_PATH,
            endpoint="socket_io",
            view_func=_answered_by_engineio,
            websocket=websocket,
            strict_slashes=False,  # "/socket.io" too, as Engine.IO takes it, never a redirect
        )


def _answered_by_engineio() -> Any:
    """Never reached while Engine.IO is mounted: it takes this path before any view."""
    abort(404)


def answer_unknown_event(event: str, *args: Any) -> dict[str, Any]:
    """Any client sends an event we do not have: answered ``not_found`` once, like every event.

    Counted against flood control as any other event, so unknown names cost no more.
    """
    throttle("default")
    raise NotFound(event=event[:64])


def handle_socket_error(error: BaseException) -> dict[str, Any]:
    """Answer any failed event with ``{"ok": false, "error": {...}}`` and drop its transaction."""
    db.session.rollback()
    return error_ack(error)


class MalformedPacketFilter(logging.Filter):
    """Log an undecodable Socket.IO packet as one line, not a traceback per packet.

    Such packets come from broken or hostile clients; python-socketio drops
    them (our handlers never see them) and engineio logs the decoding error
    with a full traceback, which would let anyone flood the logs.
    """

    MALFORMED = (ValueError, TypeError, IndexError, KeyError)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "message handler error" and record.exc_info:
            error = record.exc_info[1]
            if isinstance(error, self.MALFORMED):
                record.msg = "dropped a malformed Socket.IO packet (%s: %s)"
                record.args = (type(error).__name__, error)
                record.levelno, record.levelname = logging.WARNING, "WARNING"
                record.exc_info = record.exc_text = None
        return True


def quiet_malformed_packets() -> None:
    engineio_logger = logging.getLogger("engineio.server")
    if not any(isinstance(f, MalformedPacketFilter) for f in engineio_logger.filters):
        engineio_logger.addFilter(MalformedPacketFilter())
