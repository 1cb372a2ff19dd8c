"""The library's Socket.IO namespace: anyone may listen, nobody may send.

Readers of the library need not be signed in, so "/" (which refuses anonymous
connections) cannot tell them that a practice was hidden; "/library" can. It
takes no events from clients.
"""

from __future__ import annotations

from flask_socketio import SocketIO

from ..realtime import LIBRARY_NAMESPACE


def register_handlers(socketio: SocketIO) -> None:
    socketio.on_event("connect", on_connect, namespace=LIBRARY_NAMESPACE)


def on_connect(auth: object = None) -> bool:
    """Anyone's page connects to hear ``practice_hidden``; nothing is recorded."""
    return True
