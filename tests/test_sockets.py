"""The plumbing every Socket.IO event goes through."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask.ctx import RequestContext
from socketio import packet
from socketio.packet import Packet

from exchange import socket_json
from exchange.accounts.models import Role
from exchange.extensions import socketio
from exchange.socket_json import RawJSON
from exchange.socket_json import TextPacket
from exchange.sockets import SOCKET_PATH


def test_an_event_leaves_no_reference_cycle_for_the_collector(connect, make_user):
    # Each event's request context once failed to match the Socket.IO path and kept the
    # NotFound, whose traceback held the context: a cycle of ~100 objects per event.
    connection = connect(make_user(Role.DELEGATE))
    connection.emit("join", {"room": "plenary"}, callback=True)  # compiles, caches, warms up

    with collected_garbage() as garbage:
        for _ in range(10):
            assert connection.emit("join", {"room": "plenary"}, callback=True)["ok"]

    assert not [thing for thing in garbage if isinstance(thing, RequestContext)]


def test_the_socket_path_is_answered_by_engine_io_not_by_a_flask_view(client):
    handshake = client.get(f"{SOCKET_PATH}?EIO=4&transport=polling")
    assert handshake.status_code == 200
    assert handshake.get_data(as_text=True).startswith("0{")  # Engine.IO's open packet


@contextmanager
def collected_garbage() -> Iterator[list[object]]:
    """What the collector would free, kept for inspection, of what the block made."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    found: list[object] = []
    try:
        yield found
        gc.collect()
        found.extend(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.collect()


def test_what_the_exchange_sends_is_json_text_never_searched_for_binary_parts(app, monkeypatch):
    packet_class = socketio.server.packet_class
    assert issubclass(packet_class, TextPacket)
    searched = []

    def search(cls, data):
        searched.append(data)
        return False

    monkeypatch.setattr(Packet, "data_is_binary", classmethod(search))
    messages = [{"id": n, "body": "words", "reactions": []} for n in range(50)]
    page = {"ok": True, "messages": messages}
    encoded = packet_class(packet.ACK, data=[page], id=3).encode()
    assert searched == []  # a join's page of messages is not walked value by value
    assert encoded.startswith("33[") and '{"id":49,' in encoded
    with pytest.raises(TypeError):  # bytes by mistake fail loudly, never go out as binary
        packet_class(packet.EVENT, data=["message", {"body": b"\x00"}]).encode()


def test_json_encoded_once_goes_out_as_it_is_wherever_it_stands(app):
    page = RawJSON(json.dumps([{"id": 1, "body": "Grazie! ✓"}], separators=(",", ":")))
    answer = {"ok": True, "messages": page, "online": [RawJSON("[]")], "note": '"x":0'}
    encoded = TextPacket(packet.ACK, data=[answer], id=7).encode()
    assert encoded == (
        '37[{"ok":true,"messages":[{"id":1,"body":"Grazie! \\u2713"}],"online":[[]],'
        '"note":"\\"x\\":0"}]'
    )
    assert Packet(encoded_packet=encoded).data == [
        {"ok": True, "messages": [{"id": 1, "body": "Grazie! ✓"}], "online": [[]], "note": '"x":0'}
    ]


def test_what_is_neither_json_nor_encoded_json_still_fails_to_encode():
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        socket_json.dumps({"ids": {1, 2}})
