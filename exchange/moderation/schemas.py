"""The JSON shapes of moderation events (docs/protocol.md)."""

from __future__ import annotations

from typing import Any

from ..practices.schemas import practice_ref_json
from ..rooms.schemas import message_json
from ..rooms.schemas import user_json
from ..serialize import iso_utc
from .models import Notice
from .models import Report


def report_json(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "reason": report.reason,
        "created_at": iso_utc(report.created_at),
        "reporter": user_json(report.reporter),
        "message": message_json(report.message, staff=True) if report.message else None,
        "practice": practice_ref_json(report.practice) if report.practice else None,
    }


def notice_json(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "kind": notice.kind,
        "data": notice.data,
        "created_at": iso_utc(notice.created_at),
    }
