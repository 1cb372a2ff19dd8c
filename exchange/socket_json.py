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
from typing import Any

from socketio.packet import Packet

#: Stands for an argument that could not be decoded.
MALFORMED = object()

_EVENT_NAME = re.compile(r'^\s*\[\s*"([A-Za-z_]{1,32})"')


def dumps(obj: Any, **kwargs: Any) -> str:
    return json.dumps(obj, **kwargs)


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
