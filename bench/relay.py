"""The bare stack: Flask + Flask-SocketIO relaying chat messages, with no accounts and no storage.

    .venv/bin/python -m bench.relay --port 5100 --async-mode eventlet
    .venv/bin/python -m bench.relay --port 5101 --async-mode gevent \\
        --message-queue redis://127.0.0.1:6379/0 --channel bench-1234

It speaks the chat's contract (docs/protocol.md) as far as the benchmark uses it,
``join {room}`` and ``send {room, body, client_id}`` acknowledged with
``{ok: true, message}`` while the room receives ``message``, and serves the way
wsgi.py serves the exchange (monkey patching first, then its listening socket and limits), so
that what the exchange costs beyond it is what the exchange itself does. Its
messages have the shape and size of the exchange's (an author with an
administration, an escaped ``body_html``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

#: Who "wrote" every relayed message: the same shape as the exchange's Person.
AUTHOR = {
    "id": 1,
    "name": "Bench Delegate",
    "role": "delegate",
    "administration": {"slug": "campi-bisenzio", "name": "Campi Bisenzio", "country": "IT"},
}


def _patch(async_mode: str) -> None:
    """Monkey-patch the standard library first, as wsgi.py does for the exchange."""
    if async_mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif async_mode == "gevent":
        from gevent import monkey

        monkey.patch_all()


def create_relay(
    async_mode: str, message_queue: str | None = None, channel: str = "bench-relay"
) -> tuple[Any, Any]:
    """Build the bare Flask app and its SocketIO server (imported late: after patching)."""
    import datetime as dt
    import html
    import itertools

    from flask import Flask
    from flask import jsonify
    from flask import request
    from flask_socketio import join_room
    from flask_socketio import leave_room
    from flask_socketio import SocketIO

    app = Flask(__name__)
    socketio = SocketIO(
        app,
        async_mode=async_mode,
        message_queue=message_queue,
        channel=channel,
        cors_allowed_origins="*",
        max_http_buffer_size=64 * 1024,
        logger=False,
        engineio_logger=False,
    )
    ids = itertools.count(1)
    #: The latest messages, which clients may edit (the oldest forgotten, as memory counts).
    sent: dict[int, dict[str, Any]] = {}

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(ok=True)

    @socketio.on("join")
    def on_join(payload: dict[str, Any]) -> dict[str, Any]:
        """Client sends ``join {room}``; the ack has no history (nothing is stored)."""
        room = str(payload["room"])
        join_room(f"room:{room}")
        return {
            "ok": True,
            "room": {"slug": room},
            "messages": [],
            "has_more": False,
            "online": [],
            "online_count": 0,
        }

    @socketio.on("leave")
    def on_leave(payload: dict[str, Any]) -> dict[str, Any]:
        """Client sends ``leave {room}``: it hears the room no more."""
        leave_room(f"room:{payload['room']}")
        return {"ok": True}

    @socketio.on("send")
    def on_send(payload: dict[str, Any]) -> dict[str, Any]:
        """Client sends ``send {room, body, client_id}``; the room gets ``message``, then an ack."""
        room = str(payload["room"])
        body = str(payload["body"])
        created = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        message = {
            "id": next(ids),
            "room": room,
            "body": body,
            "body_html": html.escape(body).replace("\n", "<br>\n"),
            "client_id": str(payload["client_id"]),
            "language": None,
            "created_at": created.replace("+00:00", "Z"),
            "author": AUTHOR,
            "practice": None,
        }
        socketio.emit("message", message, to=f"room:{room}")
        sent[message["id"]] = message
        if len(sent) > 2000:
            sent.pop(next(iter(sent)))
        return {"ok": True, "message": message}

    @socketio.on("react")
    def on_react(payload: dict[str, Any]) -> dict[str, Any]:
        """Client sends ``react {message_id, emoji}``; the room gets ``reactions`` (no toggling)."""
        message = sent.get(payload["message_id"])
        if message is None:
            return {"ok": False, "error": {"code": "not_found"}}
        reactions = [{"emoji": str(payload["emoji"]), "count": 1, "user_ids": [AUTHOR["id"]]}]
        socketio.emit(
            "reactions",
            {"message_id": message["id"], "room": message["room"], "reactions": reactions},
            to=f"room:{message['room']}",
        )
        return {"ok": True, "message_id": message["id"], "reacted": True, "reactions": reactions}

    @socketio.on("edit")
    def on_edit(payload: dict[str, Any]) -> dict[str, Any]:
        """Client sends ``edit {message_id, body}``; the room gets ``message_edited``."""
        message = sent.get(payload["message_id"])
        if message is None:
            return {"ok": False, "error": {"code": "not_found"}}
        body = str(payload["body"])
        edited = {**message, "body": body, "body_html": html.escape(body).replace("\n", "<br>\n")}
        sent[message["id"]] = edited
        socketio.emit("message_edited", {"message": edited}, to=f"room:{message['room']}")
        return {"ok": True, "message": edited}

    @socketio.on("typing")
    def on_typing(payload: dict[str, Any]) -> dict[str, Any]:
        """Client sends ``typing {room}``; the others in the room hear it (nothing checked)."""
        room = str(payload["room"])
        socketio.emit(
            "typing", {"room": room, "user": AUTHOR}, to=f"room:{room}", skip_sid=request.sid
        )
        return {"ok": True}

    @socketio.on("read")
    def on_read(payload: dict[str, Any]) -> dict[str, Any]:
        """Client sends ``read {room, message_id}``; the relay keeps no positions."""
        return {"ok": True, "room": str(payload["room"]), "message_id": payload["message_id"]}

    return app, socketio


def _serve(app: Any, async_mode: str, host: str, port: int, max_connections: int) -> None:
    """Serve as wsgi.py serves the exchange: its listening socket, its limits."""
    from exchange.serving import listening_socket
    from exchange.serving import tune_garbage_collection

    listener = listening_socket(host, port)
    tune_garbage_collection()
    if async_mode == "eventlet":
        import eventlet.wsgi

        eventlet.wsgi.server(listener, app, log_output=False, max_size=max_connections)
    else:
        from gevent import pywsgi

        pywsgi.WSGIServer(listener, app, log=None).serve_forever()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--async-mode", choices=("eventlet", "gevent"), default="eventlet")
    parser.add_argument("--message-queue", help="Redis URL, to relay between processes")
    parser.add_argument("--channel", default="bench-relay", help="the Redis channel")
    parser.add_argument("--max-connections", type=int, default=10_000)
    options = parser.parse_args(argv)
    _patch(options.async_mode)
    from exchange.serving import raise_open_file_limit

    raise_open_file_limit(options.max_connections)
    app, socketio = create_relay(options.async_mode, options.message_queue, options.channel)
    _serve(app, options.async_mode, options.host, options.port, options.max_connections)
    return 0


if __name__ == "__main__":
    sys.exit(main())
