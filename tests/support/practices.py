"""Best practices for tests, written as their writers would."""

from __future__ import annotations

from typing import Any

from exchange.event.services import get_room
from exchange.practices.services import PracticeContent


def content(**fields: Any) -> PracticeContent:
    """A complete practice (ready to submit), with ``fields`` changed; needs an app context."""
    values: dict[str, Any] = {
        "title": "Solar roofs on schools",
        "theme": "renewable-energy",
        "summary": "Six schools produce their own electricity.",
        "challenge": "Schools were the largest item of the electricity bill.",
        "actions": "We installed photovoltaic panels on six roofs.",
        "results": "About half of their electricity is now their own.",
        "year_from": 2021,
    }
    values.update(fields)
    values["theme"] = get_room(values["theme"])
    return PracticeContent(**values)
