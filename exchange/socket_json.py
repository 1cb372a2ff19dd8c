"""The JSON codec of Socket.IO packets: malformed input becomes something we can answer.

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
