"""Plumbing shared by every Socket.IO handler: permission, payload, and the error ack."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask_babel import get_locale
from flask_login import current_user

from .errors import error_ack
from .extensions import db
from .payloads import Payload
from .permissions import Action, check

logger = logging.getLogger(__name__)

Handler = Callable[[Payload], dict[str, Any]]


def socket_event(action: Action) -> Callable[[Handler], Callable[..., dict[str, Any]]]:
    """Wrap a handler: check ``action`` for the user loaded afresh, then parse its one object.

    Handlers return their ack (``{"ok": true, ...}``); exceptions become error
    acks in :func:`handle_socket_error`, never a silence.
    """

    def decorator(func: Handler) -> Callable[..., dict[str, Any]]:
        @functools.wraps(func)
        def handler(*args: Any) -> dict[str, Any]:
            check(current_user, action)
            return func(Payload.from_event_args(args))

        handler.required_action = action  # type: ignore[attr-defined]
        return handler

    return decorator


def handle_socket_error(error: BaseException) -> dict[str, Any]:
    """Answer any failed event with ``{"ok": false, "error": {...}}`` and drop its transaction."""
    db.session.rollback()
    return error_ack(error)


def locale_code() -> str:
    locale = get_locale()
    return str(locale) if locale else "en"
