"""Files attached to chat messages: who attaches them, who reads them, how many."""

from __future__ import annotations

from typing import Any

from .. import realtime
from ..db import utcnow
from ..files.owners import OwnerKind
from ..permissions import Action
from ..permissions import can
from .models import Message


def _may_attach(actor: Any, message: Message) -> bool:
    """Only the author, to a message still in view, while they may post."""
    return bool(
        message.author_id == actor.id and not message.is_hidden and not actor.muted_at(utcnow())
    )


def _may_read(reader: Any, message: Message) -> bool:
    """Whoever may read the room; a hidden message's files, only moderators and organizers."""
    if not can(reader, Action.JOIN_ROOM, message.room):
        return False
    return not message.is_hidden or can(reader, Action.SEE_HIDDEN_CONTENT, message)


MESSAGE_FILES = OwnerKind(
    name="message",
    model=Message,
    limit_setting="ATTACHMENTS_PER_MESSAGE",
    may_attach=_may_attach,
    may_read=_may_read,
    channel=lambda message: realtime.room_channel(message.room.slug),
)
