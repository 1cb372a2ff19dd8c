"""Faults injected into the real server: crashes, dropped links, a locked or missing database.

The guarantee under test (docs/protocol.md, "Delivery"): a message acknowledged
to its sender is stored, reaches every member of the room live or by backfill,
and a message retried with its client_id is stored exactly once.
"""

from __future__ import annotations

import collections
import sqlite3
import threading
import time
from urllib.parse import urlsplit

import pytest
import socketio
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.db import database_url
from exchange.extensions import db
from exchange.rooms.models import Message

from ..conftest import PASSWORD
from ..support.live import FollowingClient
from ..support.live import LiveServer
from ..support.live import RecordingClient
from ..support.netproxy import CuttableProxy

pytestmark = pytest.mark.live

RETRYABLE = {"unavailable", "internal", "rate_limited"}


class PersistentSender(threading.Thread):
    """Sends numbered messages, each retried with the same client_id until acknowledged."""

    def __init__(self, client: RecordingClient, name: str, count: int, room: str = "plenary"):
        super().__init__(daemon=True)
        self.client, self.name, self.count, self.room = client, name, count, room
        self.acknowledged: dict[str, int] = {}
        self.retried: set[str] = set()
        self.failure: BaseException | None = None

    def run(self) -> None:
        deadline = time.monotonic() + 90
        try:
            for number in range(self.count):
                client_id = f"{self.name}-{number}"
                while client_id not in self.acknowledged:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{client_id} never acknowledged")
                    if not self.client.connected:
                        time.sleep(0.05)
                        continue
                    payload = {
                        "room": self.room,
                        "body": f"{self.name} says {number}",
                        "client_id": client_id,
                    }
                    try:
                        ack = self.client.call("send", payload, timeout=3)
                    except socketio.exceptions.SocketIOError:
                        self.retried.add(client_id)  # no answer: it may or may not be stored
                        time.sleep(0.1)
                        continue
                    if ack["ok"]:
                        self.acknowledged[client_id] = ack["message"]["id"]
                    elif ack["error"]["code"] in RETRYABLE:
                        self.retried.add(client_id)
                        time.sleep(ack["error"].get("retry_after", 1))
                    else:
                        raise AssertionError(ack)
        except BaseException as error:  # reported by the test
            self.failure = error


def stored_by_client_id(app) -> dict[str, list[int]]:
    with app.app_context():
        rows = db.session.execute(sa.select(Message.client_id, Message.id)).all()
    stored: dict[str, list[int]] = collections.defaultdict(list)
    for client_id, message_id in rows:
        stored[client_id].append(message_id)
    return stored


def test_kill_9_while_clients_send_loses_nothing_and_duplicates_nothing(
    app, live_server, make_user
):
    senders = []
    for name, administration in (
        ("ferla", "ferla"),
        ("aprilia", "aprilia"),
        ("campi", "campi-bisenzio"),
    ):
        person = make_user(
            Role.DELEGATE, email=f"{name}@example.org", administration=administration
        )
        client = live_server.socket(
            live_server.login(person.email, PASSWORD),
            client=RecordingClient(
                reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1
            ),
        )
        senders.append(PersistentSender(client, name, count=40))
    listener_person = make_user(Role.ATTENDEE, email="listener@example.org")
    listener = live_server.socket(
        live_server.login(listener_person.email, PASSWORD), client=FollowingClient("plenary")
    )

    for sender in senders:
        sender.start()
    while sum(len(s.acknowledged) for s in senders) < 30:
        time.sleep(0.01)
    live_server.stop(kill=True)  # kill -9, in the middle of the traffic
    time.sleep(1)
    live_server.start()
    for sender in senders:
        sender.join(timeout=120)
        assert sender.failure is None, sender.failure

    stored = stored_by_client_id(app)
    for sender in senders:
        for client_id, message_id in sender.acknowledged.items():
            assert stored[client_id] == [message_id]  # acknowledged means stored, once
        for client_id in sender.retried:
            assert len(stored[client_id]) == 1
    assert sum(len(s.retried) for s in senders) > 0, "the crash should have interrupted someone"
    assert len(stored) == 3 * 40

    everything = sorted(id for ids in stored.values() for id in ids)
    assert listener.wait_for(lambda: sorted(listener.messages) == everything, timeout=30)
    for client in [s.client for s in senders] + [listener]:
        client.disconnect()


def test_a_client_cut_off_for_30_seconds_receives_everything_it_missed(live_server, make_user):
    proxy = CuttableProxy("127.0.0.1", live_server.port)
    away = make_user(Role.DELEGATE, email="away@example.org", administration="ferla")
    talker = make_user(Role.DELEGATE, email="talker@example.org", administration="aprilia")
    follower = live_server.socket(
        live_server.login(away.email, PASSWORD),
        client=FollowingClient("energy-communities"),
        url=f"http://127.0.0.1:{proxy.port}",
    )
    speaker = live_server.socket(live_server.login(talker.email, PASSWORD))
    say = lambda text: speaker.call(  # noqa: E731
        "send", {"room": "energy-communities", "body": text, "client_id": text}, timeout=10
    )["message"]["id"]
    assert follower.wait_for(lambda: follower.joins == 1)  # in the room before the drop
    before = say("before-the-drop")
    assert follower.wait_for(lambda: before in follower.messages)

    proxy.cut()
    missed = []
    for second in range(30):
        missed.append(say(f"while-away-{second}"))
        time.sleep(1)
    assert not set(missed) & set(follower.messages)  # really cut off
    proxy.restore()

    assert follower.wait_for(lambda: set(missed) <= set(follower.messages), timeout=30)
    assert sorted(follower.messages) == [before, *missed]
    assert follower.joins >= 2
    follower.disconnect()
    speaker.disconnect()
    proxy.close()


def test_a_locked_or_unreachable_database_gets_a_retryable_answer_never_silence(
    app, database_url, tmp_path, make_user
):
    person = make_user(Role.DELEGATE, email="patient@example.org")
    proxy = None
    server_db_url = database_url
    if database_url.startswith("postgresql"):
        target = urlsplit(database_url)
        proxy = CuttableProxy(target.hostname or "127.0.0.1", target.port or 5432)
        server_db_url = target._replace(netloc=f"{target.hostname}:{proxy.port}").geturl()
    server = LiveServer(
        server_db_url,
        tmp_path,
        env={"EXCHANGE_SQLITE_BUSY_TIMEOUT": "0.3", "EXCHANGE_DATABASE_LOCK_TIMEOUT_MS": "300"},
    ).start()
    try:
        client = server.socket(server.login(person.email, PASSWORD))
        payload = {"room": "plenary", "body": "patience", "client_id": "held-1"}

        with _database_locked(database_url):
            refused = client.call("send", payload, timeout=10)
        assert refused["ok"] is False and refused["error"]["code"] == "unavailable"
        assert refused["error"]["retry_after"] >= 1

        if proxy is not None:  # PostgreSQL: the server loses its database altogether
            proxy.cut()
            lost = client.call("send", payload, timeout=15)
            assert lost["ok"] is False and lost["error"]["code"] == "unavailable"
            proxy.restore()

        accepted = client.call("send", payload, timeout=10)
        assert accepted["ok"] is True
        assert (
            client.call("send", payload, timeout=10)["message"]["id"] == accepted["message"]["id"]
        )
        assert stored_by_client_id(app) == {"held-1": [accepted["message"]["id"]]}
        client.disconnect()
    finally:
        server.stop()
        if proxy is not None:
            proxy.close()


class _database_locked:
    """Hold a lock on the messages table from outside the server, as another process might."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> None:
        if self.url.startswith("sqlite"):
            self.connection = sqlite3.connect(
                self.url.removeprefix("sqlite:///"), isolation_level=None
            )
            self.connection.execute("BEGIN EXCLUSIVE")
        else:
            self.engine = sa.create_engine(database_url(self.url))
            self.connection = self.engine.connect()
            self.transaction = self.connection.begin()
            self.connection.execute(sa.text("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE"))

    def __exit__(self, *exc_info: object) -> None:
        if self.url.startswith("sqlite"):
            self.connection.execute("ROLLBACK")
            self.connection.close()
        else:
            self.transaction.rollback()
            self.connection.close()
            self.engine.dispose()
