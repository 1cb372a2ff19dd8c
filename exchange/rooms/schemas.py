"""The JSON shapes of the chat protocol (docs/protocol.md), built in one place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..accounts.models import User
from ..event.models import Room
from .models import Message
from .presence import Online


def iso_utc(moment: dt.datetime) -> str:
    """Format an aware datetime as ISO 8601 in UTC with millisecond precision."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def user_json(user: User) -> dict[str, Any]:
    administration = user.administration
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role.value,
        "administration": (
            {
                "slug": administration.slug,
                "name": administration.name,
                "country": administration.country,
            }
            if administration is not None
            else None
        ),
    }


def message_json(message: Message) -> dict[str, Any]:
    from ..practices.schemas import practice_ref_json  # practices build on the chat, not back

    return {
        "id": message.id,
        "room": message.room.slug,
        "body": message.body,
        "body_html": message.body_html,
        "client_id": message.client_id,
        "created_at": iso_utc(message.created_at),
        "author": user_json(message.author),
        "practice": practice_ref_json(message.practice) if message.practice else None,
    }


def room_json(room: Room, locale: str, online_count: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": room.slug,
        "name": room.name_in(locale),
        "description": room.description_in(locale),
    }
    if online_count is not None:
        data["online_count"] = online_count
    return data


def presence_json(room: Room, online: Online) -> dict[str, Any]:
    return {
        "room": room.slug,
        "online": [user_json(user) for user in online.users],
        "online_count": online.count,
    }
