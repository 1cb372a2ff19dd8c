"""Shapes of values shared by every JSON document the exchange sends or exports."""

from __future__ import annotations

import datetime as dt


def iso_utc(moment: dt.datetime) -> str:
    """Format an aware datetime as ISO 8601 in UTC with millisecond precision."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def excerpt(text: str, length: int = 140) -> str:
    """The start of a text on one line, cut at a word where one is near (quotes, previews)."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = flat[: length - 1]
    space = cut.rfind(" ")
    if space > length // 2:
        cut = cut[:space]
    return cut + "…"
