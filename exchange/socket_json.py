"""The JSON codec of Socket.IO packets: malformed input becomes something we can answer,
and what we send is never searched for binary parts.

python-socketio decodes every packet with ``loads``. Undecodable JSON, nesting
deep enough to exhaust the recursion limit, or text that is not valid Unicode
would otherwise raise inside the server, get logged with a traceback per
packet, and leave the client without an answer. Here such a packet becomes
the event it names with a :data:`MALFORMED` argument, which every handler
refuses with an ``invalid`` acknowledgement.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from socketio.packet import Packet

#: Stands for an argument that could not be decoded.
MALFORMED = object()

_EVENT_NAME = re.compile(r'^\s*\[\s*"([A-Za-z_]{1,32})"')


class RawJSON:
    """JSON text encoded already, sent as it is where it stands in a payload.

    A join's page of messages (rooms/pages.py) is encoded once and sent to everyone
    who joins while it holds; encoding it again for each would cost as much as the
    rest of the acknowledgement.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"RawJSON({self.text[:40]!r}...)"


def dumps(obj: Any, **kwargs: Any) -> str:
    """Encode ``obj``, with each :class:`RawJSON` in it written as its text.

    Each stands in as a string no payload can hold (a random mark made for this call)
    and is put in place after encoding.
    """
    embedded: list[str] = []
    mark = ""

    def embed(value: Any) -> str:
        nonlocal mark
        if not isinstance(value, RawJSON):
            raise TypeError(f"{type(value).__name__} is not JSON serializable")
        mark = mark or secrets.token_hex(16)
        embedded.append(value.text)
        return f"{mark}:{len(embedded) - 1}"

    text = json.dumps(obj, default=embed, **kwargs)
    for index, raw in enumerate(embedded):
        text = text.replace(f'"{mark}:{index}"', raw, 1)
    return text


def loads(text: str | bytes, **kwargs: Any) -> Any:
    try:
        return json.loads(text, **kwargs)
    except (ValueError, RecursionError, UnicodeDecodeError):
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        match = _EVENT_NAME.match(text)
        if match is None:
            raise ValueError("malformed Socket.IO packet") from None
        return [match.group(1), MALFORMED]


class TextPacket(Packet):  # type: ignore[misc]  # python-socketio has no type hints
    """A Socket.IO packet the exchange sends: JSON text, never binary attachments.

    python-socketio walks every payload it sends, every list and dict, to find
    bytes to send as attachments. Nothing the exchange emits or acknowledges holds
    any (files go over HTTP), and the walk cost each ``join`` more than a thousand
    calls for its page of messages. Bytes put in a payload by mistake now fail to
    encode, loudly, instead of going out as an attachment. Packets that come in are
    decoded as before: a client's binary events still reach the handlers, which
    refuse them like any malformed argument.
    """

    uses_binary_events = False
