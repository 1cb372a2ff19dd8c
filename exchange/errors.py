"""Our exception hierarchy, mapped once to HTTP responses and once to socket acks.

Services raise these; views and socket handlers never catch them one by one.
Each error carries a stable machine ``code`` (part of docs/protocol.md), a
human message in the reader's language, and optional details such as
``retry_after``.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from flask import Flask
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .extensions import db

logger = logging.getLogger(__name__)


class ExchangeError(Exception):
    """Base of every error we report to a client on purpose."""

    code = "internal"
    http_status = 500
    default_message: Any = _l("Something went wrong on our side. Please try again.")

    def __init__(self, message: Any = None, **details: Any) -> None:
        # Kept lazy: translating needs the reader's language, which is only
        # worth working out if the message is actually shown.
        self.message = message if message is not None else self.default_message
        self.details = details
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)

    def to_dict(self) -> dict[str, Any]:
        """Describe the error as the ``error`` object of an ack or a JSON response."""
        return {"code": self.code, "message": str(self.message), **self.details}


class Unauthenticated(ExchangeError):
    code = "unauthenticated"
    http_status = 401
    default_message = _l("Please sign in first.")


class Forbidden(ExchangeError):
    code = "forbidden"
    http_status = 403
    default_message = _l("You are not allowed to do this.")


class Invalid(ExchangeError):
    code = "invalid"
    http_status = 400
    default_message = _l("The request is not valid.")


class NotFound(ExchangeError):
    code = "not_found"
    http_status = 404
    default_message = _l("This does not exist, or is no longer available.")


class TooLong(ExchangeError):
    code = "too_long"
    http_status = 400
    default_message = _l("This is too long.")


class TooLarge(ExchangeError):
    """A request or a file over a size limit (details say which)."""

    code = "too_large"
    http_status = 413
    default_message = _l("What you sent is too large.")


class RateLimited(ExchangeError):
    code = "rate_limited"
    http_status = 429
    default_message = _l("You are going too fast. Please wait a moment.")


class TooManyConnections(ExchangeError):
    """A new socket connection over the cap of its account or sign-in session."""

    code = "too_many_connections"
    http_status = 429
    default_message = _l(
        "You have too many pages of the exchange open at once. "
        "Close some of them and reload this one."
    )


class Muted(ExchangeError):
    code = "muted"
    http_status = 403
    default_message = _l("You have been muted by a moderator.")


class Archived(ExchangeError):
    """Refused because the event is over and its rooms are archives (event/phases.py)."""

    code = "archived"
    http_status = 403
    default_message = _l(
        "The event is over and this room is an archive: you can read it, but not write in it. "
        "What came of it is in the library of best practices."
    )


class Unavailable(ExchangeError):
    """A passing fault (database locked or unreachable): the client should retry."""

    code = "unavailable"
    http_status = 503
    default_message = _l(
        "The service is busy for a moment. Your request was not saved; please retry."
    )


def error_ack(error: BaseException) -> dict[str, Any]:
    """Turn any exception raised by a socket handler into an error acknowledgement."""
    return {"ok": False, "error": as_exchange_error(error).to_dict()}


def as_exchange_error(error: BaseException) -> ExchangeError:
    """Map an exception to the error a client is told about, logging the unexpected."""
    if isinstance(error, ExchangeError):
        return error
    if is_transient_database_error(error):
        logger.warning("transient database error: %s", error)
        return Unavailable(retry_after=1)
    logger.error("unexpected error", exc_info=error)
    return ExchangeError()


#: Messages of database errors that a later retry can cure.
_TRANSIENT_MARKERS = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
    "could not connect",
    "connection refused",
    "connection reset",
    "connection to server",
    "server closed the connection",
    "terminating connection",
    "connection already closed",
    "ssl connection has been closed",
    "deadlock detected",
    "could not serialize",
    "lock timeout",
    "statement timeout",
    "the database system is starting up",
    "the database system is shutting down",
)


def is_transient_database_error(error: BaseException) -> bool:
    """Tell database faults that a retry can cure (locks, timeouts, lost connections)."""
    if isinstance(error, PoolTimeout):  # every pooled connection is busy
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    if type(error.orig).__module__.startswith("psycopg2"):
        # PostgreSQL's operational errors are lost connections, timeouts,
        # deadlocks and serialization failures: all worth a retry.
        return True
    text = str(error.orig).lower()
    return any(marker in text for marker in _TRANSIENT_MARKERS)


def wants_json() -> bool:
    """Tell whether the current request is an API call rather than a page view."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def register_error_handlers(app: Flask) -> None:
    """Map errors to responses once: JSON for the API, a page for people."""

    def render(error: ExchangeError, status: int) -> Any:
        if wants_json():
            return {"ok": False, "error": error.to_dict()}, status
        return render_template("errors/error.html", error=error, status=status), status

    @app.errorhandler(ExchangeError)
    def handle_exchange_error(error: ExchangeError) -> Any:
        db.session.rollback()
        if isinstance(error, Unauthenticated) and not wants_json():
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        response = make_response(render(error, error.http_status))
        retry_after = error.details.get("retry_after")
        if isinstance(retry_after, int | float):  # RFC 9110: when asking again is worth it
            seconds = str(max(1, math.ceil(retry_after)))
            response.headers["Retry-After"] = seconds
            if isinstance(error, Unavailable) and request.method == "GET" and not wants_json():
                # A person shown "try again in a few seconds" should not have to: the
                # browser loads the page again by itself (an e-book then downloads).
                response.headers["Refresh"] = seconds
        return response

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError) -> Any:
        return render(
            Invalid(
                _l(
                    "This form could not be accepted: it has expired or did not come from "
                    "this site. Go back, reload the page and send it again."
                ),
                reason="csrf",
            ),
            400,
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Any:
        status = error.code or 500
        known: dict[int, type[ExchangeError]] = {
            400: Invalid,
            401: Unauthenticated,
            403: Forbidden,
            404: NotFound,
            429: RateLimited,
        }
        if status == 405:
            response = make_response(
                render(Invalid(_l("This address does not accept this kind of request.")), 405)
            )
            allowed = getattr(error, "valid_methods", None)
            if allowed:  # RFC 9110: a 405 says which methods the address does accept
                response.headers["Allow"] = ", ".join(allowed)
            return response
        if status == 413:
            return render(TooLarge(), 413)
        return render(known.get(status, ExchangeError)(), status)

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception) -> Any:
        db.session.rollback()
        mapped = as_exchange_error(error)
        return render(mapped, mapped.http_status)
