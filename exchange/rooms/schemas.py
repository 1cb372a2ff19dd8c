"""The JSON shapes of the chat protocol (docs/protocol.md), built in one place."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..accounts.models import User
from ..event.models import Room
from ..files.schemas import file_json
from ..moderation.models import ModerationChange
from ..practices.schemas import practice_ref_json
from ..serialize import excerpt
from ..serialize import iso_utc
from .models import Message
from .models import MessageRevision
from .models import Reaction
from .presence import Online

#: How much of an answered message a reply quotes, in characters.
REPLY_EXCERPT_LENGTH = 140


def user_json(user: User) -> dict[str, Any]:
    administration = user.administration
    return {
        "id": user.id,
        "name": user.display_name,
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


def message_json(message: Message, *, staff: bool = False) -> dict[str, Any]:
    """A message as the protocol shows it; moderators also see why a hidden one is hidden.

    The practice it links is shown only while everyone may read it: a card of a
    hidden practice is no help to moderating the room.
    """
    data = {
        "id": message.id,
        "room": message.room.slug,
        "body": message.body,
        "body_html": message.body_html,
        "client_id": message.client_id,
        "language": message.language,
        "created_at": iso_utc(message.created_at),
        "author": user_json(message.author),
        "practice": (
            practice_ref_json(message.practice)
            if message.practice is not None and message.practice.is_public
            else None
        ),
        "mentions": [mention.user_id for mention in message.named],
        "mentions_room": message.mentions_room,
    }
    data["reply_to"] = reply_json(message.reply_to)
    data["attachments"] = attachments_json(message, staff=staff)
    data["edited_at"] = iso_utc(message.edited_at) if message.edited_at is not None else None
    data["reactions"] = reactions_json(message.reactions)
    if staff:
        data["hidden"] = hidden_json(message)
    return data


def reply_json(original: Message | None) -> dict[str, Any] | None:
    """What a reply quotes of the message it answers; nothing of its words once it is hidden."""
    if original is None:
        return None
    return {
        "id": original.id,
        "author": user_json(original.author),
        "excerpt": None if original.is_hidden else excerpt(original.body, REPLY_EXCERPT_LENGTH),
    }


def attachments_json(message: Message, *, staff: bool = False) -> list[dict[str, Any]]:
    """The message's files in order; a file a moderator hid, only to staff (marked ``hidden``)."""
    if staff:
        return [{**file_json(file), "hidden": file.is_hidden} for file in message.files]
    return [file_json(file) for file in message.files if not file.is_hidden]


def reactions_json(reactions: Iterable[Reaction]) -> list[dict[str, Any]]:
    """Reactions grouped by emoji, in the order each emoji was first given."""
    grouped: dict[str, list[int]] = {}
    for reaction in reactions:
        grouped.setdefault(reaction.emoji, []).append(reaction.user_id)
    return [
        {"emoji": emoji, "count": len(user_ids), "user_ids": user_ids}
        for emoji, user_ids in grouped.items()
    ]


def revision_json(revision: MessageRevision) -> dict[str, Any]:
    """An earlier body of an edited message: what it said, from when until when."""
    return {
        "body": revision.body,
        "language": revision.language,
        "written_at": iso_utc(revision.written_at),
        "replaced_at": iso_utc(revision.created_at),
    }


def hidden_json(message: Message) -> dict[str, Any] | None:
    if message.hidden_at is None:
        return None
    return {
        "at": iso_utc(message.hidden_at),
        "by": user_json(message.hidden_by) if message.hidden_by else None,
        "reason": message.hidden_reason or "",
        "by_author": message.hidden_by_author,
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


def change_json(change: ModerationChange, *, staff: bool) -> dict[str, Any]:
    """A hide or restore a reconnecting client missed; the message comes along when it is shown."""
    data: dict[str, Any] = {"id": change.message_id, "hidden": change.hidden, "change": change.id}
    if staff or not change.hidden:
        data["message"] = message_json(change.message, staff=staff)
    return data
