"""Read the payloads of Socket.IO events and JSON requests without trusting them.

Every problem becomes :class:`~exchange.errors.Invalid` naming the field, so a
client learns what to fix and nothing malformed reaches a service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from .errors import Invalid, TooLong


class Payload:
    """The single JSON object a client sent, with typed accessors."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    @classmethod
    def from_event_args(cls, args: Sequence[Any]) -> Payload:
        """Accept exactly one argument, a JSON object, as every event of ours takes."""
        if len(args) != 1 or not isinstance(args[0], Mapping):
            raise Invalid(_l("Send one JSON object with this event."))
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
        if value < minimum or value > 2**63 - 1:
            raise Invalid(_l("'%(field)s' is out of range.", field=key), field=key)
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
    args: Mapping[str, str], key: str, *, minimum: int = 0, maximum: int = 2**63 - 1
) -> int | None:
    """Read an optional whole number from a query string."""
    raw = args.get(key)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(_l("'%(field)s' must be a whole number.", field=key), field=key) from None
    if value < minimum or value > maximum:
        raise Invalid(_l("'%(field)s' is out of range.", field=key), field=key)
    return value
