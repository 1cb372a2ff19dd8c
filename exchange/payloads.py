"""Read the payloads of Socket.IO events and HTTP requests without trusting them.

Every problem becomes :class:`~exchange.errors.Invalid` naming the field, so a
client learns what to fix and nothing malformed reaches a service. Two checks
hold at the edges for every route and every event, so that no handler has to
remember them: identifiers in URLs are whole numbers a database column holds
(anything larger matches no route: 404), and no text carries a NUL character or
a lone surrogate, which no database stores (400, or an ``invalid`` ack).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from flask import Flask
from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Map

from .errors import Invalid
from .errors import TooLong

#: The largest identifier: a signed 64-bit column (PostgreSQL BIGINT, SQLite INTEGER).
MAX_ID = 2**63 - 1


class Payload:
    """The single JSON object a client sent, with typed accessors."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    @classmethod
    def from_event_args(cls, args: Sequence[Any]) -> Payload:
        """Accept exactly one argument, a JSON object, as every event of ours takes."""
        if len(args) != 1 or not isinstance(args[0], Mapping):
            raise Invalid(_l("Send one JSON object with this event."))
        for field, text in _texts(args[0]):
            check_storable(text, field)
        return cls(args[0])

    def text(self, key: str, *, max_length: int | None = None) -> str:
        """Return a required string field."""
        value = self.data.get(key)
        if not isinstance(value, str):
            raise Invalid(_l("'%(field)s' must be a text.", field=key), field=key)
        if max_length is not None and len(value) > max_length:
            raise TooLong(
                _l(
                    "'%(field)s' is too long (at most %(max)d characters).",
                    field=key,
                    max=max_length,
                ),
                field=key,
                max_length=max_length,
            )
        return value

    def optional_text(self, key: str, *, max_length: int) -> str | None:
        """Return an optional string field."""
        if self.data.get(key) is None:
            return None
        return self.text(key, max_length=max_length)

    def required_int(self, key: str, *, minimum: int = 0) -> int:
        """Return a required whole-number field."""
        value = self.optional_int(key, minimum=minimum)
        if value is None:
            raise Invalid(_l("'%(field)s' must be a whole number.", field=key), field=key)
        return value

    def optional_int(self, key: str, *, minimum: int = 0) -> int | None:
        """Return an optional whole-number field (booleans are not numbers here)."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(_l("'%(field)s' must be a whole number.", field=key), field=key)
        if value < minimum or value > MAX_ID:
            raise Invalid(_l("'%(field)s' is out of range.", field=key), field=key)
        return value

    def int_list(self, key: str, *, maximum_length: int) -> list[int]:
        """Return an optional list of ids (absent or null: empty)."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > maximum_length:
            raise Invalid(
                _l(
                    "'%(field)s' must be a list of at most %(max)d ids.",
                    field=key,
                    max=maximum_length,
                ),
                field=key,
            )
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_ID:
                raise Invalid(_l("'%(field)s' must hold whole numbers.", field=key), field=key)
        return value


def check_storable(text: str, field: str) -> None:
    """Refuse text that no database can store: NUL characters and lone surrogates."""
    if "\x00" in text:
        raise Invalid(_l("This text contains a character that cannot be stored."), field=field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(_l("This text is not valid Unicode."), field=field) from None


def query_int(
    args: Mapping[str, str], key: str, *, minimum: int = 0, maximum: int = MAX_ID
) -> int | None:
    """Read an optional whole number (ASCII digits only) from a query string."""
    raw = args.get(key)
    if raw is None or raw == "":
        return None
    # int() would also take " 5", "+5", "5_000" and other scripts' digits: an API
    # says what it accepts (/api/openapi.json), and accepts nothing else.
    if not (raw.isascii() and raw.isdigit()):
        raise Invalid(_l("'%(field)s' must be a whole number.", field=key), field=key)
    value = int(raw)
    if value < minimum or value > maximum:
        raise Invalid(_l("'%(field)s' is out of range.", field=key), field=key)
    return value


def _texts(data: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every text in a JSON object, keys included, with the top-level field it is under."""
    pending: list[tuple[str, Any]] = [(str(key), key) for key in data]
    pending += [(str(key), value) for key, value in data.items()]
    while pending:  # a loop, not recursion: nesting depth is the sender's choice
        field, value = pending.pop()
        if isinstance(value, str):
            yield field, value
        elif isinstance(value, Mapping):
            pending += [(field, key) for key in value]
            pending += [(field, item) for item in value.values()]
        elif isinstance(value, list | tuple):
            pending += [(field, item) for item in value]


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number beyond a database id matches nothing (404)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def check_request_text() -> None:
    """Refuse a request whose path, query, form or file names carry text no database stores."""
    fields: list[tuple[str, str]] = [
        (name, value) for name, value in (request.view_args or {}).items() if isinstance(value, str)
    ]
    for source in (request.args, request.form):
        for name, values in source.lists():
            if name is None:  # a multipart part without a readable name
                raise Invalid(_l("The form could not be read; please try again."))
            fields.append((name, name))
            fields.extend((name, value) for value in values)
    fields.extend((name, upload.filename or "") for name, upload in request.files.items(multi=True))
    for name, value in fields:
        check_storable(value, name)


def init_app(app: Flask) -> None:
    """Check identifiers and text at the edges of every route (before blueprints register)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request_text)
