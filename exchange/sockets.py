"""Plumbing shared by every Socket.IO handler: permission, payload, and the error ack."""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from typing import Any

from flask import request, session
from flask_login import current_user
from flask_socketio import disconnect

from .errors import RateLimited, error_ack
from .extensions import db
from .payloads import Payload
from .permissions import Action, check
from .ratelimit import limiter

logger = logging.getLogger(__name__)

Handler = Callable[[Payload], dict[str, Any]]


def socket_event(action: Action) -> Callable[[Handler], Callable[..., dict[str, Any]]]:
    """Wrap a handler: flood control, then ``action`` for the user loaded afresh, then its payload.

    Handlers return their ack (``{"ok": true, ...}``); exceptions become error
    acks in :func:`handle_socket_error`, never a silence.
    """

    def decorator(func: Handler) -> Callable[..., dict[str, Any]]:
        @functools.wraps(func)
        def handler(*args: Any) -> dict[str, Any]:
            throttle(request.event["message"])
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
    who = str(session.get("_user_id") or request.sid)
    wait = limits.hit(event if event in limits.limits else "default", who)
    if not wait:
        return
    if limits.hit("flood", request.sid):
        logger.warning("closing connection %s: it keeps flooding %r", request.sid, event)
        disconnect()
    raise RateLimited(retry_after=max(1, math.ceil(wait)))


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
