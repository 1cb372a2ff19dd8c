"""Flood control on Socket.IO events: a fast sender waits, a flooder is cut off."""

import threading
import time

import pytest

from exchange.accounts.models import Role
from exchange.config import DefaultConfig

from ..conftest import PASSWORD
from ..support.live import LiveServer


@pytest.fixture
def app(app):
    app.config["RATE_LIMITS"].update({"send": "3/30s", "flood": "5/60s"})
    return app


def send(connection, number):
    return connection.emit(
        "send",
        {"room": "plenary", "body": f"message {number}", "client_id": f"f-{number}"},
        callback=True,
    )


def test_sending_too_fast_is_refused_with_the_time_to_wait(connect, make_user):
    connection = connect(make_user(Role.DELEGATE))
    assert all(send(connection, n)["ok"] for n in range(3))
    refused = send(connection, 3)
    assert refused["ok"] is False
    assert refused["error"]["code"] == "rate_limited"
    assert refused["error"]["retry_after"] == 10
    history = connection.emit("join", {"room": "plenary"}, callback=True)["messages"]
    assert len(history) == 3  # the refused one was not stored


def test_one_person_waiting_does_not_slow_down_another(connect, make_user):
    fast = connect(make_user(Role.DELEGATE))
    other = connect(make_user(Role.DELEGATE, administration="ferla"))
    for n in range(4):
        send(fast, n)
    assert send(other, 100)["ok"] is True


def test_a_connection_that_ignores_the_limit_is_closed(connect, make_user):
    connection = connect(make_user(Role.DELEGATE))
    for n in range(3 + 5):
        send(connection, n)
    assert connection.is_connected()
    send(connection, 99)
    assert not connection.is_connected()


def test_other_events_have_their_own_default_limit(app, connect, make_user):
    app.config["RATE_LIMITS"]["default"] = "2/60s"
    connection = connect(make_user(Role.DELEGATE))
    assert connection.emit("leave", {"room": "plenary"}, callback=True)["ok"]
    assert connection.emit("leave", {"room": "plenary"}, callback=True)["ok"]
    assert (
        connection.emit("leave", {"room": "plenary"}, callback=True)["error"]["code"]
        == "rate_limited"
    )


@pytest.mark.live
def test_under_a_flood_from_one_account_the_others_keep_talking(
    app, database_url, tmp_path, make_user
):
    """The flooder is refused, then cut off; the room's conversation never stalls."""

    defaults = {  # the shipped limits, not this module's tighter ones
        f"EXCHANGE_RATE_LIMITS__{name}": DefaultConfig.RATE_LIMITS[name]
        for name in ("send", "flood", "default")
    }
    server = LiveServer(database_url, tmp_path, env=defaults).start()
    try:
        flooder_account = make_user(Role.DELEGATE, email="flooder@example.org")
        speaker_account = make_user(
            Role.DELEGATE, email="speaker@example.org", administration="ferla"
        )
        listener_account = make_user(Role.ATTENDEE, email="listener@example.org")
        flooder = server.socket(server.login(flooder_account.email, PASSWORD))
        speaker = server.socket(server.login(speaker_account.email, PASSWORD))
        listener = server.socket(server.login(listener_account.email, PASSWORD))
        listener.call("join", {"room": "plenary"}, timeout=10)
        arrivals: dict[str, int] = {}  # body -> message id
        listener.on("message", lambda m: arrivals.setdefault(m["body"], m["id"]))

        def flood():
            for number in range(3000):
                if not flooder.connected:
                    return
                flooder.emit(
                    "send", {"room": "plenary", "body": f"spam {number}", "client_id": f"s{number}"}
                )

        threading.Thread(target=flood, daemon=True).start()
        sent = []
        for number in range(5):
            body = f"speaker {number}"
            sent.append(body)
            ack = speaker.call(
                "send",
                {"room": "plenary", "body": body, "client_id": body.replace(" ", "-")},
                timeout=10,
            )
            assert ack["ok"], ack
            time.sleep(0.3)
        # Every one was acknowledged and reached the room, through the flood and after it.
        # How late, on a given machine, is not for this test to say: the wait is only how
        # long to look before calling them lost.
        assert listener.wait_for(lambda: set(sent) <= set(arrivals), timeout=10)
        assert flooder.wait_for(lambda: not flooder.connected, timeout=10)
        spam = [body for body in arrivals if body.startswith("spam")]
        # Only the burst got through, plus a token or two that refilled meanwhile.
        assert 8 <= len(spam) <= 10
    finally:
        server.stop()
