"""Which language and time zone each page is shown in."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from .event.services import current_event


def select_locale() -> str:
    """The reader's choice, then the browser's preference, then the default."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI, a background task
        return current_app.config["DEFAULT_LOCALE"]  # type: ignore[no-any-return]
    try:
        user_locale = current_user.locale if current_user.is_authenticated else None
    except SQLAlchemyError:  # the database is down: still render pages (and errors)
        user_locale = None
    if user_locale in languages:
        return user_locale  # type: ignore[no-any-return]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen  # type: ignore[no-any-return]
    return request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The event's time zone: what delegates meeting there expect to read."""
    try:
        event = current_event()
    except SQLAlchemyError:
        event = None
    return event.timezone if event else current_app.config["DEFAULT_TIMEZONE"]
