"""Helpers shared by the forms of every feature."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash
from flask_wtf import FlaskForm

from .errors import ExchangeError
from .errors import Forbidden
from .errors import Unauthenticated
from .extensions import db


def apply_error(form: FlaskForm, error: ExchangeError) -> None:
    """Show a service's error next to the field it names, or above the form.

    An error that found several fields at fault (``field_errors``: name → message)
    puts each message next to its own field.
    """
    messages = error.details.get("field_errors") or {
        str(error.details.get("field", "")): error.message
    }
    for name, message in messages.items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, str(message)]
        else:
            form.form_errors.append(str(message))


def form_status(error: ExchangeError) -> int:
    """The status of a page showing a refused form: 422 for mistakes, else the error's own."""
    return 422 if error.http_status == 400 else error.http_status


@dataclass
class Attempt:
    """How the service call inside :func:`flash_refusal` went."""

    refused: bool = False

    @property
    def succeeded(self) -> bool:
        return not self.refused


@contextmanager
def flash_refusal(wording: str | None = None) -> Iterator[Attempt]:
    """Run a button's service call; if the service refuses, flash why and carry on.

    The view then sends the person back to the page they came from, which shows
    the flashed message. ``wording`` frames the reason (``"Not done: %(reason)s"``).
    Only refusals a person can do something about are flashed (a mistake, a
    mute, a limit, something gone): a missing sign-in or permission and server
    errors go on to the error handlers, which show the sign-in or error page.
    """
    attempt = Attempt()
    try:
        yield attempt
    except ExchangeError as error:
        if isinstance(error, Unauthenticated | Forbidden) or error.http_status >= 500:
            raise
        db.session.rollback()
        reason = str(error.message)
        flash(str(wording) % {"reason": reason} if wording else reason, "error")
        attempt.refused = True
