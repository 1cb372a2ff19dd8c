"""Hostile bytes on a real WebSocket: every malformed event is answered or dropped, never stored.

These speak raw Engine.IO/Socket.IO frames, as an attacker's script would, to
reach what a well-behaved client library never sends.
"""

from __future__ import annotations

import json

import pytest
import websocket

from exchange.accounts.models import Role

from ..conftest import PASSWORD

pytestmark = pytest.mark.live


class RawSocket:
    """A Socket.IO connection made of raw WebSocket frames."""

    def __init__(self, live_server, session) -> None:
        cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        url = live_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(url, header=[f"Cookie: {cookie}"], timeout=10)
        assert self.ws.recv().startswith("0")  # Engine.IO open
        self.ws.send("40")  # connect to namespace "/"
        assert self.ws.recv().startswith("40")
        self.next_id = 1

    def emit_raw(self, event_json: str) -> int:
        ack_id = self.next_id
        self.next_id += 1
        self.ws.send(f"42{ack_id}{event_json}")
        return ack_id

    def ack(self, ack_id: int):
        while True:
            frame = self.ws.recv()
            if frame == "2":  # Engine.IO ping
                self.ws.send("3")
                continue
            if frame.startswith(f"43{ack_id}["):
                return json.loads(frame[len(f"43{ack_id}") :])[0]

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def delegate(make_user):
    return make_user(Role.DELEGATE, email="raw@example.org")


@pytest.fixture
def raw(live_server, delegate):
    connection = RawSocket(live_server, live_server.login(delegate.email, PASSWORD))
    yield connection
    connection.close()


@pytest.mark.parametrize(
    "event_json",
    [
        '["send",{"room":"plenary","body":"x","client_id":',  # cut short
        '["send",{"room":"plenary","body":"x","client_id":"a"} trailing',
        '["send",' + "[" * 20000 + "]" * 20000 + "]",  # nested past the recursion limit
        '["send",' + "[" * 300 + "]" * 300 + "]",  # nested, but decodable
        '["send",{"room":"plenary","body":{"$gt":""},"client_id":"a"}]',
        '["send",{"room":"plenary","body":"x","client_id":"a"},{"second":"argument"}]',
        '["send","plenary","hello","id-1"]',
        '["send",{"room":"plenary","body":"\\ud800","client_id":"a"}]',  # a lone surrogate
        '["send",{"room":"plenary","body":"nul\\u0000byte","client_id":"a"}]',
        '["join",{"room":["plenary"]}]',
        '["join",{"room":"plenary","after":1e400}]',
        '["join",{"room":"plenary","after":99999999999999999999999999}]',
    ],
)
def test_malformed_events_are_answered_invalid_and_store_nothing(raw, event_json):
    ack = raw.ack(raw.emit_raw(event_json))
    assert ack["ok"] is False
    assert ack["error"]["code"] in {"invalid", "too_long"}
    history = raw.ack(raw.emit_raw('["join",{"room":"plenary"}]'))
    assert history["ok"] and history["messages"] == []


def test_an_event_with_binary_parts_is_answered_in_text_and_stores_nothing(raw):
    """Binary attachments in from a script reach the handler as bytes, which no field takes."""
    raw.ws.send(
        '451-7["send",{"room":"plenary","body":{"_placeholder":true,"num":0},"client_id":"b"}]'
    )
    raw.ws.send_binary(b"\x00\x01 not a body")
    ack = raw.ack(7)  # a text ACK: the exchange sends nothing binary
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    history = raw.ack(raw.emit_raw('["join",{"room":"plenary"}]'))
    assert history["ok"] and history["messages"] == []


def test_a_packet_over_the_size_limit_closes_only_that_connection(live_server, raw, make_user):
    other = make_user(Role.DELEGATE, email="bystander@example.org", administration="ferla")
    bystander = live_server.socket(live_server.login(other.email, PASSWORD))
    huge = json.dumps(["send", {"room": "plenary", "body": "x" * 100_000, "client_id": "big"}])
    # Closed while the packet is still being written (a broken pipe, a reset) or once it is
    # read. A timeout is not a close: the server would have kept the connection.
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        raw.ws.send(f"421{huge}")
        raw.ack(1)
    ack = bystander.call(
        "send", {"room": "plenary", "body": "still here", "client_id": "ok"}, timeout=10
    )
    assert ack["ok"] is True
    history = bystander.call("join", {"room": "plenary"}, timeout=10)["messages"]
    assert [m["body"] for m in history] == ["still here"]
    bystander.disconnect()


def test_bytes_that_are_not_utf8_do_not_crash_the_server(live_server, raw, delegate):
    frame = websocket.ABNF.create_frame(
        b'421["send",{"body":"\xff\xfe"}]', websocket.ABNF.OPCODE_TEXT
    )
    raw.ws.send_frame(frame)
    # The connection may be closed for the protocol error; the server lives on.
    session = live_server.login(delegate.email, PASSWORD)
    client = live_server.socket(session)
    assert client.call("send", {"room": "plenary", "body": "fine", "client_id": "u"}, timeout=10)[
        "ok"
    ]
    client.disconnect()


def test_unknown_events_and_empty_events_leave_the_connection_usable(raw):
    raw.ws.send("42")
    raw.ws.send("42[]")
    raw.ws.send('42["no_such_event",{}]')
    raw.ws.send("4x[]")  # not a Socket.IO packet type
    ack = raw.ack(
        raw.emit_raw('["send",{"room":"plenary","body":"after the garbage","client_id":"g"}]')
    )
    assert ack["ok"] is True


def test_garbage_that_breaks_the_framing_closes_only_that_connection(live_server, raw, delegate):
    raw.ws.send("this is not an engine.io frame")
    client = live_server.socket(live_server.login(delegate.email, PASSWORD))
    assert client.call("send", {"room": "plenary", "body": "fine", "client_id": "g2"}, timeout=10)[
        "ok"
    ]
    client.disconnect()
