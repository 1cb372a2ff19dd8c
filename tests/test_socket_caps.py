"""Connection caps against the real server (python wsgi.py) with real Socket.IO clients."""

from __future__ import annotations

import pytest
import socketio

from exchange.accounts.models import Role

from .conftest import PASSWORD
from .support.live import LiveServer

pytestmark = pytest.mark.live


@pytest.fixture
def capped(database_url, tmp_path):
    server = LiveServer(
        database_url,
        tmp_path,
        env={
            "EXCHANGE_MAX_SOCKETS_PER_SESSION": "2",
            "EXCHANGE_MAX_SOCKETS_PER_ACCOUNT": "3",
            "EXCHANGE_MAX_LIBRARY_SOCKETS_PER_ADDRESS": "3",
        },
    ).start()
    yield server
    server.stop()


def open_socket(server, cookies=None, namespace="/"):
    """Connect, and return (client, refusal data or None)."""
    refusals = []
    client = socketio.Client(reconnection=False)
    client.on("connect_error", refusals.append, namespace=namespace)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    try:
        client.connect(
            server.url,
            headers=headers,
            namespaces=[namespace],
            transports=["websocket"],
            wait_timeout=10,
        )
    except socketio.exceptions.ConnectionError:
        return None, refusals[0] if refusals else {}
    return client, None


def test_a_sign_in_session_and_an_account_hold_only_so_many_sockets(capped, make_user):
    person = make_user(Role.DELEGATE, email="elena@example.org")
    laptop = capped.login(person.email, PASSWORD).cookies
    phone = capped.login(person.email, PASSWORD).cookies

    open_ones = [open_socket(capped, laptop)[0] for _ in range(2)]
    assert all(open_ones)
    _, refusal = open_socket(capped, laptop)
    assert refusal["data"]["code"] == "too_many_connections"
    assert refusal["data"]["scope"] == "session" and refusal["data"]["limit"] == 2

    third, _ = open_socket(capped, phone)  # another browser of the same person
    assert third is not None
    _, refusal = open_socket(capped, phone)
    assert refusal["data"]["scope"] == "account" and refusal["data"]["limit"] == 3

    open_ones[0].disconnect()  # a page closed makes room
    again, _ = open_socket(capped, phone)
    assert again is not None
    for client in (open_ones[1], third, again):
        client.disconnect()


def test_anonymous_library_sockets_are_capped_per_network_address(capped, event):
    readers = [open_socket(capped, namespace="/library")[0] for _ in range(3)]
    assert all(readers)
    client, refusal = open_socket(capped, namespace="/library")
    assert client is None
    assert refusal["data"]["code"] == "too_many_connections"
    assert refusal["data"]["scope"] == "address" and refusal["data"]["limit"] == 3
    assert refusal["message"]  # a sentence a page can show

    readers[0].disconnect()
    capped_log = capped.log_tail()
    assert "library connection from 127.0.0.1 refused" in capped_log
    again = None
    for _ in range(20):  # the server hears of the closed page a moment later
        again, _ = open_socket(capped, namespace="/library")
        if again is not None:
            break
    assert again is not None
    for client in (*readers[1:], again):
        client.disconnect()
