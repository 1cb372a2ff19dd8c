"""The JSON shape of a banner, as the ``banner`` event carries it."""

from __future__ import annotations

from typing import Any

from ..serialize import iso_utc
from .models import Announcement


def banner_json(announcement: Announcement) -> dict[str, Any]:
    """``{id, body_html, until}``: ``body_html`` is sanitized, ``until`` ISO 8601 UTC."""
    assert announcement.banner_until is not None
    return {
        "id": announcement.id,
        "body_html": announcement.body_html,
        "until": iso_utc(announcement.banner_until),
    }
