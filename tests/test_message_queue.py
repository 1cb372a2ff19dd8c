"""Several server processes behind the real Redis: one room, whichever process people reach.

Each test starts two ``python wsgi.py`` processes on one database, sharing a
Redis message queue on a channel of their own (pub/sub channels are global to
a Redis server, so two test runs must never share one).
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.db import utcnow
from exchange.extensions import db
from exchange.message_queue import client_manager
from exchange.message_queue import RecoveringRedisManager

from .conftest import PASSWORD
from .support.live import csrf_token
from .support.live import FollowingClient
from .support.live import free_port
from .support.live import LiveServer
from .support.services import REDIS_URL
from .support.services import require
from .support.services import require_program


def test_without_a_queue_one_process_manages_its_own_clients():
    assert client_manager(None, "exchange", dict) is None


def test_a_queue_must_be_redis():
    assert isinstance(client_manager(REDIS_URL, "exchange", dict), RecoveringRedisManager)
    with pytest.raises(ValueError, match="must be a Redis URL"):
        client_manager("amqp://127.0.0.1//", "exchange", dict)


def start_pair(database_url: str, workdir: Path, queue_url: str) -> list[LiveServer]:
    env = {"EXCHANGE_MESSAGE_QUEUE": queue_url, "EXCHANGE_MESSAGE_QUEUE_CHANNEL": uuid.uuid4().hex}
    servers = []
    for name in ("a", "b"):
        folder = workdir / name
        folder.mkdir()
        servers.append(LiveServer(database_url, folder, env=env))
    for server in servers:
        server.start()
    return servers


@pytest.fixture
def two_processes(database_url: str, tmp_path: Path) -> Iterator[list[LiveServer]]:
    """Two server processes on this test's database and the machine's Redis."""
    require("Redis", REDIS_URL, 6379)
    servers = start_pair(database_url, tmp_path, REDIS_URL)
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def people(make_user):
    return {
        "elena": make_user(Role.DELEGATE, email="elena@example.org", administration="ferla"),
        "kasia": make_user(
            Role.DELEGATE, email="kasia@example.org", administration="demo-przykladowo"
        ),
        "olga": make_user(Role.ORGANIZER, email="olga@example.org", name="Olga"),
        "marco": make_user(Role.MODERATOR, email="marco@example.org", name="Marco"),
    }


def connect(server: LiveServer, person, **kwargs):
    return server.socket(server.login(person.email, PASSWORD), **kwargs)


def send(client, body: str, room: str = "plenary"):
    ack = client.call(
        "send", {"room": room, "body": body, "client_id": uuid.uuid4().hex}, timeout=10
    )
    assert ack["ok"], ack
    return ack["message"]


@pytest.mark.live
@pytest.mark.redis
def test_a_message_sent_to_one_process_reaches_clients_of_the_other(two_processes, people):
    a, b = two_processes
    elena, kasia = connect(a, people["elena"]), connect(b, people["kasia"])
    for client in (elena, kasia):
        assert client.call("join", {"room": "plenary"}, timeout=10)["ok"]

    from_a = send(elena, "Buongiorno from process A")
    assert kasia.wait_for(lambda: from_a in kasia.events("message"))
    from_b = send(kasia, "Dzień dobry from process B")
    assert elena.wait_for(lambda: from_b in elena.events("message"))
    # Each arrives once: the sender's process delivers locally, the other through Redis.
    assert [m["id"] for m in kasia.events("message")] == [from_a["id"], from_b["id"]]
    # Presence is shared too: each process lists both people.
    assert elena.wait_for(
        lambda: any(p["online_count"] == 2 for p in elena.events("presence")), timeout=5
    )


@pytest.mark.live
@pytest.mark.redis
def test_moderation_on_one_process_reaches_clients_of_the_other(two_processes, people):
    a, b = two_processes
    kasia = connect(b, people["kasia"])
    assert kasia.call("join", {"room": "plenary"}, timeout=10)["ok"]
    message = send(kasia, "Buy cheap panels at example.org")
    marco = connect(a, people["marco"])
    hidden = marco.call("hide", {"message_id": message["id"], "reason": "Spam"}, timeout=10)
    assert hidden["ok"]
    assert kasia.wait_for(lambda: kasia.events("message_hidden"))
    assert kasia.events("message_hidden")[0]["id"] == message["id"]
    assert kasia.wait_for(lambda: kasia.events("notice"))  # told why, on the other process

    olga = a.login(people["olga"].email, PASSWORD)  # bans over HTTP, on process A
    token = csrf_token(olga.get(a.url + "/moderation/people", timeout=10).text)
    response = olga.post(
        f"{a.url}/moderation/people/{people['kasia'].id}/ban",
        data={"csrf_token": token, "reason": "Spam again"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    assert kasia.wait_for(lambda: not kasia.connected, timeout=10)  # closed on process B
    assert kasia.events("session_ended") == [{"reason": "banned"}]


@pytest.mark.live
@pytest.mark.redis
def test_commands_reach_clients_of_every_process(two_processes, people):
    a, b = two_processes
    listeners = [connect(server, people["kasia"]) for server in (a, b)]
    for client in listeners:
        assert client.call("join", {"room": "plenary"}, timeout=10)["ok"]
    result = a.command(
        "announce", "--as", "olga@example.org", "--room", "plenary", "The plenary starts at ten."
    )
    assert result.returncode == 0, result.stderr
    for client in listeners:
        assert client.wait_for(lambda c=client: c.events("message"), timeout=10)
        [message] = client.events("message")
        assert message["body"] == "The plenary starts at ten."
        assert message["author"]["name"] == "Olga"

    # A new role reaches open sockets too: the command closes them, wherever they are.
    result = b.command("set-role", "kasia@example.org", "attendee", "--reason", "Left the team")
    assert result.returncode == 0, result.stderr
    for client in listeners:
        assert client.wait_for(lambda c=client: not c.connected, timeout=10)


class PrivateRedis:
    """A real Redis server of this test alone, on a free port, to stop and start at will."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    require_program("Redis", "redis-server")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.mark.live
@pytest.mark.redis
def test_clients_of_every_process_catch_up_after_redis_was_away(
    database_url, tmp_path, private_redis, people
):
    a, b = start_pair(database_url, tmp_path, private_redis.url)
    try:
        followers = []
        for server in (a, b):
            follower = FollowingClient("plenary")
            followers.append(connect(server, people["kasia"], client=follower))
        elena_a, olga_b = connect(a, people["elena"]), connect(b, people["olga"])
        assert all(f.wait_for(lambda f=f: f.joins == 1) for f in followers)
        before = send(elena_a, "before the outage")
        assert all(f.wait_for(lambda f=f: before["id"] in f.messages) for f in followers)

        private_redis.stop()
        during = [send(elena_a, f"from A while Redis is away {i}") for i in range(5)]
        during += [send(olga_b, f"from B while Redis is away {i}") for i in range(5)]
        # Every send was acknowledged, so every one is stored; the other process did not hear.
        time.sleep(1)
        private_redis.start()

        expected = {before["id"], *(message["id"] for message in during)}
        for follower in followers:
            assert follower.wait_for(lambda f=follower: set(f.messages) == expected, timeout=20), (
                sorted(expected - set(follower.messages))
            )
            assert follower.resyncs >= 1  # told to catch up, not reconnected
            assert follower.duplicates <= len(expected)  # live and backfill may overlap; ids dedupe
            assert follower.connected

        after = send(olga_b, "after the outage")  # and live delivery works again, both ways
        assert all(f.wait_for(lambda f=f: after["id"] in f.messages) for f in followers)
    finally:
        a.stop()
        b.stop()


def test_clients_catch_up_from_before_an_outage_with_a_margin(app, make_user):
    import datetime as dt

    from exchange import lifecycle
    from exchange.event.services import get_room
    from exchange.extensions import db
    from exchange.rooms.services import post_message

    author = make_user(Role.DELEGATE)
    with app.app_context():
        room = get_room("plenary")
        ids = []
        for minutes_ago in (30, 20, 1):
            message = post_message(room, db.session.merge(author), "hello", uuid.uuid4().hex)
            message.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
            db.session.commit()
            ids.append(message.id)
    outage = time.time() - 10 * 60  # ten minutes ago
    assert lifecycle.resync_cursors(app, outage) == {
        "reason": "queue_recovered",
        "after": ids[1],  # the last message older than the outage and its margin
        "changes_after": 0,
    }
    assert lifecycle.resync_cursors(app, time.time() - 3600)["after"] == 0


class RecordingManager(RecoveringRedisManager):
    """The exchange's manager, keeping what it emits to this process's own clients."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.local_emits: list[tuple[str, Any]] = []

    def emit(self, event, data, namespace=None, room=None, skip_sid=None, callback=None, **kwargs):
        if kwargs.get("ignore_queue"):
            self.local_emits.append((event, data))
        return super().emit(event, data, namespace, room, skip_sid, callback, **kwargs)


def next_message(pubsub: Any, timeout: float = 5) -> Any:
    """The next message on a subscription (the confirmation of subscribing is skipped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None:
            return message
    return None


@pytest.mark.redis
def test_a_process_whose_publish_failed_tells_every_client_to_catch_up_once_it_works():
    """Its own clients too: Redis was away for its subscription, noticed or not."""
    import json

    import redis
    import socketio

    require("Redis", REDIS_URL, 6379)
    channel = f"test-recover-{uuid.uuid4().hex[:8]}"
    cursors = {"reason": "queue_recovered", "after": 41, "changes_after": 7}
    manager = RecordingManager(REDIS_URL, channel, lambda failed_at: cursors)
    socketio.Server(client_manager=manager, async_mode="threading")
    watcher = redis.Redis.from_url(REDIS_URL).pubsub(ignore_subscribe_messages=True)
    watcher.subscribe(channel)
    try:
        assert manager.recover_publishing() is None  # nothing failed: nothing to say
        manager.publishing_failed_at = time.time() - 5
        assert manager.recover_publishing() == cursors
        assert manager.publishing_failed_at is None
        assert manager.local_emits == [("resync", cursors)]
        published = json.loads(next_message(watcher)["data"])
        assert published["event"] == "resync" and published["data"] == [cursors]
        assert published["host_id"] == manager.host_id  # the others act on it, not us
        assert manager.recover_publishing() is None  # said once per failure
        assert next_message(watcher, timeout=0.5) is None
    finally:
        watcher.close()


@pytest.mark.live
@pytest.mark.redis
def test_two_processes_agree_on_read_positions_and_never_move_one_back(two_processes, people):
    """Elena reads on process A; her tab on B hears it at once, and B counts it once written."""
    a, b = two_processes
    kasia = connect(a, people["kasia"])
    messages = [send(kasia, f"news {n}") for n in range(3)]
    on_a, on_b = connect(a, people["elena"]), connect(b, people["elena"])
    assert on_b.call("join", {"room": "funding"}, timeout=10)["ok"]

    read = on_a.call("read", {"room": "plenary", "message_id": messages[1]["id"]}, timeout=10)
    assert read["message_id"] == messages[1]["id"] and read["unread_count"] == 1
    assert on_b.wait_for(
        lambda: (
            {"room": "plenary", "message_id": messages[1]["id"], "unread_count": 1}
            in on_b.events("read")
        )
    )

    def unread_on(server: LiveServer) -> int:
        session = server.login(people["elena"].email, PASSWORD)
        rooms = session.get(server.url + "/api/rooms", timeout=10).json()["rooms"]
        return next(room["unread"] for room in rooms if room["slug"] == "plenary")

    # B sees A's position once A wrote it (within EXCHANGE_READ_FLUSH_INTERVAL, 1 s).
    deadline = time.monotonic() + 5
    while unread_on(b) != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert unread_on(b) == 1 and unread_on(a) == 1

    # An older report on B moves nothing, here or there.
    back = on_b.call("read", {"room": "plenary", "message_id": messages[0]["id"]}, timeout=10)
    assert back["message_id"] == messages[1]["id"] and back["unread_count"] == 1
    later = on_b.call("read", {"room": "plenary", "message_id": messages[2]["id"]}, timeout=10)
    assert later["unread_count"] == 0
    assert on_a.wait_for(
        lambda: (
            {"room": "plenary", "message_id": messages[2]["id"], "unread_count": 0}
            in on_a.events("read")
        )
    )
    time.sleep(1.5)  # both processes have written what they gathered
    for server in (a, b):
        assert unread_on(server) == 0
        rejoined = connect(server, people["elena"])
        assert (
            rejoined.call("join", {"room": "plenary"}, timeout=10)["last_read_id"]
            == (messages[2]["id"])
        )
        rejoined.disconnect()


@pytest.mark.live
@pytest.mark.redis
def test_a_ban_acts_on_the_next_event_of_an_open_socket_on_another_process(
    app, two_processes, people
):
    """Even if no word of it reached process B (here: the row changed behind both processes'
    backs, as when the close published through Redis is lost), B's next event of the banned
    person is refused, and a role taken away is too."""
    a, b = two_processes
    kasia, elena = connect(b, people["kasia"]), connect(b, people["elena"])
    for client in (kasia, elena):
        assert client.call("join", {"room": "plenary"}, timeout=10)["ok"]
        send(client, "before")  # the account was read, and remembered, on B
    send(connect(a, people["kasia"]), "from A")

    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.id == people["kasia"].id).values(banned_at=utcnow())
        )
        db.session.execute(
            sa.update(User).where(User.id == people["elena"].id).values(role=Role.ATTENDEE)
        )
        db.session.commit()

    ack = kasia.call("send", {"room": "plenary", "body": "after", "client_id": "k-2"}, timeout=10)
    assert ack["ok"] is False and ack["error"]["code"] == "unauthenticated"
    ack = elena.call("send", {"room": "plenary", "body": "after", "client_id": "e-2"}, timeout=10)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
