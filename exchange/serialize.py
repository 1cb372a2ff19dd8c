"""Shapes of values shared by every JSON document the exchange sends or exports."""

from __future__ import annotations

import datetime as dt


def iso_utc(moment: dt.datetime) -> str:
    """Format an aware datetime as ISO 8601 in UTC with millisecond precision."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
