"""The JSON shape of a question, as the Q&A events and the API show it (docs/protocol.md)."""

from __future__ import annotations

from typing import Any

from ..rooms.schemas import user_json
from ..serialize import iso_utc
from .models import Question


def question_json(question: Question) -> dict[str, Any]:
    """A question; a hidden one shows only that it is hidden."""
    if question.is_hidden:
        return {"id": question.id, "room": question.room.slug, "hidden": True}
    return {
        "id": question.id,
        "room": question.room.slug,
        "session": question.session.slug if question.session is not None else None,
        "body": question.body,
        "body_html": question.body_html,
        "client_id": question.client_id,
        "author": user_json(question.author),
        "created_at": iso_utc(question.created_at),
        "votes": question.vote_count,
        "approved": question.is_approved,
        "answered": question.is_answered,
        "pinned": question.is_pinned,
        "hidden": False,
        "answer": _answer_json(question),
        "answer_body": question.answer_body or None,
    }


def _answer_json(question: Question) -> dict[str, Any] | None:
    """The written answer, if someone wrote one (a question may be answered without)."""
    author = question.answered_by
    if not question.has_answer or question.answered_at is None or author is None:
        return None
    return {
        "body_html": question.answer_html,
        "author": {"id": author.id, "name": author.display_name},
        "answered_at": iso_utc(question.answered_at),
    }
