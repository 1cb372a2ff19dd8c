"""The JSON shape of a poll, as the poll events and the API show it (docs/protocol.md)."""

from __future__ import annotations

from typing import Any

from ..event.phases import now
from ..rooms.schemas import user_json
from ..serialize import iso_utc
from .models import Poll


def poll_json(poll: Poll) -> dict[str, Any]:
    """A poll with its counts; the voters of each option only when it is not anonymous."""
    return {
        "id": poll.id,
        "room": poll.room.slug,
        "question": poll.question,
        "client_id": poll.client_id,
        "author": user_json(poll.author),
        "multiple": poll.multiple,
        "anonymous": poll.anonymous,
        "created_at": iso_utc(poll.created_at),
        "closes_at": iso_utc(poll.closes_at) if poll.closes_at is not None else None,
        "closed_at": iso_utc(poll.closed_at) if poll.closed_at is not None else None,
        "open": poll.is_open(now()),
        "ballots": poll.ballot_count,
        "options": [
            {
                "id": option.id,
                "label": option.label,
                "votes": option.vote_count,
                **(
                    {}
                    if poll.anonymous
                    else {"voters": [user_json(ballot.user) for ballot in option.voters]}
                ),
            }
            for option in poll.options
        ],
    }
