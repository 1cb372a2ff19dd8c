"""Which language and time zone each page is shown in."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from sqlalchemy.exc import SQLAlchemyError

from .event.services import current_event


def select_locale() -> str:
    """The reader's choice, then the browser's preference, then the default.

    The choice is read from the session (copied there from the account at
    sign-in) or from an account already loaded for this request: working out
    a language never costs a database query of its own, so that refusing a
    flood of socket events stays cheap.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI, a background task
        return current_app.config["DEFAULT_LOCALE"]  # type: ignore[no-any-return]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen  # type: ignore[no-any-return]
    user = g.get("_login_user")
    if getattr(user, "locale", None) in languages:
        return user.locale  # type: ignore[union-attr,no-any-return]
    return request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The event's time zone: what delegates meeting there expect to read."""
    try:
        event = current_event()
    except SQLAlchemyError:
        event = None
    return event.timezone if event else current_app.config["DEFAULT_TIMEZONE"]
