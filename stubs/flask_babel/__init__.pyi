# Flask-Babel 4.0, only the names the exchange imports.
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from datetime import datetime
from datetime import tzinfo
from decimal import Decimal
from typing import Any

from babel import Locale
from flask import Flask

class Babel:
    def __init__(self, app: Flask | None = ..., **kwargs: Any) -> None: ...
    def init_app(
        self,
        app: Flask,
        default_locale: str = ...,
        default_domain: str = ...,
        default_translation_directories: str = ...,
        default_timezone: str = ...,
        locale_selector: Callable[[], str | None] | None = ...,
        timezone_selector: Callable[[], str | None] | None = ...,
    ) -> None: ...

def get_locale() -> Locale | None: ...
def get_timezone() -> tzinfo: ...
def force_locale(locale: str | Locale) -> AbstractContextManager[None]: ...
def gettext(string: str, **variables: Any) -> str: ...
def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str: ...

# A LazyString is a proxy that turns into the translation when used as a str: WTForms labels,
# Jinja and our exceptions take it wherever they take a str, so it is typed as one.
def lazy_gettext(string: str, **variables: Any) -> str: ...
def lazy_ngettext(singular: str, plural: str, num: int, **variables: Any) -> str: ...
def format_date(date: date | datetime | None = ..., format: str | None = ...) -> str: ...
def format_decimal(number: int | float | Decimal, format: str | None = ...) -> str: ...
