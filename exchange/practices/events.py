"""The library's Socket.IO namespace: anyone may listen, nobody may send.

Readers of the library need not be signed in, so "/" (which refuses anonymous
connections) cannot tell them that a practice was hidden; "/library" can. It
takes no events from clients.

Nobody signs in to open it, so nothing but the network address stops one
machine from opening thousands of connections to fill a process's
``EXCHANGE_MAX_CONNECTIONS``: each process accepts at most
``EXCHANGE_MAX_LIBRARY_SOCKETS_PER_ADDRESS`` at once from one address.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from typing import cast

from flask import current_app
from flask import Flask
from flask import request
from flask_socketio import SocketIO
from socketio.exceptions import ConnectionRefusedError

from ..errors import TooManyConnections
from ..realtime import LIBRARY_NAMESPACE
from ..sockets import connection_id

logger = logging.getLogger(__name__)


class LibrarySockets:
    """This process's open library connections, by network address."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_address: dict[str, set[str]] = {}
        self.address_of: dict[str, str] = {}

    def open(self, sid: str, address: str, cap: int) -> bool:
        """Count ``sid`` for ``address`` unless the address holds ``cap`` already."""
        with self.lock:
            sids = self.by_address.setdefault(address, set())
            if len(sids) >= cap:
                return False
            sids.add(sid)
            self.address_of[sid] = address
            return True

    def close(self, sid: str) -> None:
        with self.lock:
            address = self.address_of.pop(sid, None)
            if address is None:
                return
            sids = self.by_address.get(address, set())
            sids.discard(sid)
            if not sids:
                self.by_address.pop(address, None)


def init_app(app: Flask) -> None:
    app.extensions["exchange.library_sockets"] = LibrarySockets()


def _sockets() -> LibrarySockets:
    return cast(LibrarySockets, current_app.extensions["exchange.library_sockets"])


def register_handlers(socketio: SocketIO) -> None:
    socketio.on_event("connect", on_connect, namespace=LIBRARY_NAMESPACE)
    socketio.on_event("disconnect", on_disconnect, namespace=LIBRARY_NAMESPACE)


def on_connect(auth: object = None) -> bool:
    """Anyone's page connects to hear ``practice_hidden``, within its address's cap.

    Over the cap the client's ``connect_error`` gets ``data: {code:
    "too_many_connections", message, limit, scope: "address"}``.
    """
    cap = current_app.config["MAX_LIBRARY_SOCKETS_PER_ADDRESS"]
    address = request.remote_addr or "unknown"  # the proxy's client, with TRUSTED_PROXIES
    if not _sockets().open(connection_id(), address, cap):
        logger.warning("library connection from %s refused: %d per address", address, cap)
        error = TooManyConnections(limit=cap, scope="address")
        raise ConnectionRefusedError(str(error.message), error.to_dict())
    return True


def on_disconnect(*reason: Any) -> None:
    """A library page went away: its address may open another."""
    _sockets().close(connection_id())
