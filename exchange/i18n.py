"""Which language and time zone each page is shown in."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import current_app
from flask import Flask
from flask import g
from flask import has_request_context
from flask import request
from flask import session
from flask_babel import get_locale
from flask_babel import get_translations
from sqlalchemy.exc import SQLAlchemyError

from .event.services import current_event

#: How each interface language formats dates and numbers: English as in Europe
#: (24-hour clock, day before month), not as in the United States.
FORMAT_LOCALES = {"en": "en_GB"}


def locale_code() -> str:
    """The reader's interface language ("it"), as catalogues and content are keyed."""
    locale = get_locale()
    return locale.language if locale else "en"


def format_locale() -> str:
    """The reader's locale for dates and numbers, as a BCP 47 tag ("en-GB")."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale else "en-GB"


def page_translations() -> NullTranslations:
    """The translations of the language the page is in, found once per page and language.

    Flask-Babel finds them anew at every call, through a dozen context-local
    lookups; a room's page asks for hundreds of words. Kept with the locale they
    were found for, so that a mail written in its reader's language
    (``force_locale``) inside a request gets that language's words.
    """
    locale = get_locale()
    if locale is None:  # outside an application context
        return get_translations()
    kept: tuple[Locale, NullTranslations] | None = g.get("_page_translations")
    if kept is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    g._page_translations = (locale, translations)
    return translations


def install_template_gettext(app: Flask) -> None:
    """Templates find their words through :func:`page_translations`."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: page_translations().ugettext(string),
        ngettext=lambda singular, plural, n: page_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: page_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: page_translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )


def select_locale() -> str:
    """The reader's choice, then the browser's preference, then the default.

    The choice is read from the session (copied there from the account at
    sign-in) or from an account already loaded for this request: working out
    a language never costs a database query of its own, so that refusing a
    flood of socket events stays cheap.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI, a background task
        code: str = current_app.config["DEFAULT_LOCALE"]
        return FORMAT_LOCALES.get(code, code)
    chosen = session.get("locale")
    if chosen not in languages:
        chosen = getattr(g.get("_login_user"), "locale", None)
    if chosen not in languages:
        chosen = request.accept_languages.best_match(languages)
    code = str(chosen or current_app.config["DEFAULT_LOCALE"])
    return FORMAT_LOCALES.get(code, code)


def select_timezone() -> str:
    """The reader's chosen time zone, else the event's: what delegates meeting there expect."""
    if has_request_context():
        chosen = session.get("timezone") or getattr(g.get("_login_user"), "timezone", None)
        if chosen in available_timezones():
            return chosen  # type: ignore[no-any-return]
    try:
        event = current_event()
    except SQLAlchemyError:
        event = None
    return event.timezone if event else current_app.config["DEFAULT_TIMEZONE"]


@functools.cache
def available_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_choices() -> list[str]:
    """Time zones to offer, Europe's first."""
    zones = sorted(available_timezones())
    return (
        [z for z in zones if z.startswith("Europe/")]
        + ["UTC"]
        + [
            z
            for z in zones
            if not z.startswith("Europe/") and "/" in z and not z.startswith("Etc/")
        ]
    )


#: Languages people may say they wrote something in (a chat message, a best practice):
#: the official languages of the EU, as ISO 639-1 codes. Content is never translated;
#: pages mark it up with its language so that screen readers read it correctly.
CONTENT_LANGUAGES = [
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "fi",
    "fr",
    "ga",
    "hr",
    "hu",
    "it",
    "lt",
    "lv",
    "mt",
    "nl",
    "pl",
    "pt",
    "ro",
    "sk",
    "sl",
    "sv",
]


@functools.cache
def iso_639_1_codes() -> frozenset[str]:
    """Every ISO 639-1 language code ("it", "el"), from Babel's list of languages.

    Any two letters are not a language: ``lang="xx"`` would mislead screen readers.
    """
    codes = Locale("en").languages
    return frozenset(code for code in codes if isinstance(code, str) and len(code) == 2)


def language_names(languages: list[str]) -> list[tuple[str, str]]:
    """Each language in its own words ("Italiano", "Deutsch"), for the picker."""
    return [(code, language_name(code)) for code in languages]


def language_name(code: str) -> str:
    """A language in its own words: "it" → "Italiano"."""
    name = Locale.parse(code).get_display_name(code)
    # Babel knows every language the settings offer; an unknown one keeps its code.
    return name.capitalize() if name else code


def remember_choices(user: Any) -> None:
    """Copy a person's saved language and time zone into their session at sign-in."""
    if user.locale:
        session["locale"] = user.locale
    if user.timezone:
        session["timezone"] = user.timezone
