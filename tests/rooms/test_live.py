"""The chat against the real server process (python wsgi.py under eventlet) and real clients."""

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import socketio

from exchange.accounts.models import Role

from ..conftest import PASSWORD
from ..html_checks import assert_only_safe_chat_markup
from ..support.live import LiveServer

pytestmark = pytest.mark.live


@pytest.fixture
def people(make_user):
    return {
        "elena": make_user(
            Role.DELEGATE, name="Elena", email="elena@example.org", administration="campi-bisenzio"
        ),
        "salvatore": make_user(
            Role.DELEGATE, name="Salvatore", email="salvatore@example.org", administration="ferla"
        ),
        "kasia": make_user(
            Role.DELEGATE,
            name="Kasia",
            email="kasia@example.org",
            administration="demo-przykladowo",
        ),
        "anna": make_user(Role.ATTENDEE, name="Anna", email="anna@example.org"),
    }


def connect(live_server, person):
    return live_server.socket(live_server.login(person.email, PASSWORD))


def send(client, body, client_id=None, room="plenary"):
    return client.call(
        "send", {"room": room, "body": body, "client_id": client_id or uuid.uuid4().hex}, timeout=10
    )


def test_delegates_of_two_administrations_chat_and_a_reconnecting_client_misses_nothing(
    live_server, people
):
    elena = connect(live_server, people["elena"])
    salvatore = connect(live_server, people["salvatore"])
    kasia = connect(live_server, people["kasia"])
    for client in (elena, salvatore, kasia):
        assert client.call("join", {"room": "plenary"}, timeout=10)["ok"]

    first = send(elena, "Buongiorno from Campi Bisenzio")["message"]
    assert salvatore.wait_for(lambda: first in salvatore.events("message"))
    reply = send(salvatore, "Ciao from Ferla")["message"]
    assert elena.wait_for(lambda: reply in elena.events("message"))
    assert reply["author"]["administration"]["name"] == "Ferla"
    assert kasia.wait_for(lambda: reply in kasia.events("message"))

    # Kasia drops off; the others keep talking.
    last_seen = reply["id"]
    kasia.disconnect()
    missed = [
        send(elena if i % 2 else salvatore, f"while you were away {i}")["message"] for i in range(5)
    ]

    kasia = connect(live_server, people["kasia"])
    ack = kasia.call("join", {"room": "plenary", "after": last_seen}, timeout=10)
    assert ack["messages"] == missed
    for client in (elena, salvatore, kasia):
        client.disconnect()


def test_the_same_client_id_sent_twice_is_stored_once(live_server, people):
    elena = connect(live_server, people["elena"])
    first = send(elena, "only once", client_id="live-retry-1")
    second = send(elena, "only once", client_id="live-retry-1")
    assert first["ok"] and second["message"] == first["message"]
    history = elena.call("join", {"room": "plenary"}, timeout=10)["messages"]
    assert [m["client_id"] for m in history] == ["live-retry-1"]
    elena.disconnect()


def test_an_attendee_is_refused_sending(live_server, people):
    anna = connect(live_server, people["anna"])
    assert anna.call("join", {"room": "plenary"}, timeout=10)["ok"]
    assert send(anna, "may I?")["error"]["code"] == "forbidden"
    anna.disconnect()


def test_an_anonymous_connection_is_refused_with_a_reason(live_server, event):
    refusals = []
    client = socketio.Client(reconnection=False)
    client.on("connect_error", refusals.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, transports=["websocket"], wait_timeout=5)
    assert refusals[0]["data"]["code"] == "unauthenticated"


def test_a_foreign_origin_is_refused(live_server, people):
    session = live_server.login(people["elena"].email, PASSWORD)
    client = socketio.Client(reconnection=False)
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            live_server.url,
            headers={"Cookie": cookie, "Origin": "https://evil.example"},
            transports=["websocket"],
            wait_timeout=5,
        )


def test_naughty_strings_come_back_byte_identical_and_never_as_markup(
    live_server, people, naughty_strings
):
    elena = connect(live_server, people["elena"])
    stored = 0
    for index, text in enumerate(naughty_strings):
        ack = send(elena, text, client_id=f"blns-{index}", room="data-for-planning")
        if not text.strip():
            assert ack["error"]["code"] == "invalid", repr(text)
            continue
        assert ack["ok"], (text, ack)
        assert ack["message"]["body"] == text
        assert ack["message"]["body"].encode("utf-8") == text.encode("utf-8")
        assert_only_safe_chat_markup(ack["message"]["body_html"])
        stored += 1
    # And the same, read back from the database through backfill.
    bodies = []
    after = 0
    while True:
        page = elena.call("join", {"room": "data-for-planning", "after": after}, timeout=10)
        bodies += [m["body"] for m in page["messages"]]
        if not page["has_more"]:
            break
        after = page["messages"][-1]["id"]
    assert bodies == [text for text in naughty_strings if text.strip()]
    assert stored == len(bodies)
    elena.disconnect()


def test_read_positions_unread_activity_and_typing_over_the_wire(live_server, people):
    """Two tabs of Elena in another room, Salvatore writing: counts stay live and in step."""
    salvatore = connect(live_server, people["salvatore"])
    tab = connect(live_server, people["elena"])
    other_tab = connect(live_server, people["elena"])
    for client in (salvatore, tab):
        assert client.call("join", {"room": "plenary"}, timeout=10)["ok"]
    assert other_tab.call("join", {"room": "funding"}, timeout=10)["ok"]

    assert tab.call("typing", {"room": "plenary"}, timeout=10) == {"ok": True}
    assert salvatore.wait_for(
        lambda: (
            {"room": "plenary", "user": {"id": people["elena"].id, "name": "Elena"}}
            in salvatore.events("typing")
        )
    )

    first = send(salvatore, "first")["message"]
    second = send(salvatore, "second")["message"]
    # Gathered per room and interval: the tab in another room hears of both, within 3 s.
    assert other_tab.wait_for(
        lambda: (
            sum(
                entry["count"]
                for activity in other_tab.events("room_activity")
                for entry in activity["rooms"]
                if entry["room"] == "plenary"
            )
            == 2
        ),
        timeout=3,
    )
    latest = max(
        entry["last_message_id"]
        for activity in other_tab.events("room_activity")
        for entry in activity["rooms"]
    )
    assert latest == second["id"]

    rejoined = other_tab.call("join", {"room": "plenary"}, timeout=10)
    assert rejoined["last_read_id"] is None and rejoined["unread_count"] == 2

    read = tab.call("read", {"room": "plenary", "message_id": first["id"]}, timeout=10)
    assert read["message_id"] == first["id"] and read["unread_count"] == 1
    assert other_tab.wait_for(
        lambda: (
            {"room": "plenary", "message_id": first["id"], "unread_count": 1}
            in other_tab.events("read")
        )
    )
    assert not tab.events("read")

    unread = {
        room["slug"]: room["unread"]
        for room in live_server.login(people["elena"].email, PASSWORD)
        .get(live_server.url + "/api/rooms", timeout=10)
        .json()["rooms"]
    }
    assert unread["plenary"] == 1 and unread["funding"] == 0
    for client in (salvatore, tab, other_tab):
        client.disconnect()


def test_read_positions_gathered_in_memory_are_written_when_the_server_stops(
    database_url, tmp_path, people
):
    """A position waiting for its interval is not lost when the process is stopped (SIGTERM)."""
    server = LiveServer(
        database_url, tmp_path, env={"EXCHANGE_READ_FLUSH_INTERVAL": "3600"}
    ).start()
    try:
        salvatore, elena = connect(server, people["salvatore"]), connect(server, people["elena"])
        first, second = send(salvatore, "first")["message"], send(salvatore, "second")["message"]
        read = elena.call("read", {"room": "plenary", "message_id": second["id"]}, timeout=10)
        assert read["message_id"] == second["id"] and read["unread_count"] == 0
        back = elena.call("read", {"room": "plenary", "message_id": first["id"]}, timeout=10)
        assert back["message_id"] == second["id"]
        for client in (salvatore, elena):
            client.disconnect()
        server.stop()
        assert "read positions written" in server.log_tail()

        server.start()
        again = connect(server, people["elena"])
        join = again.call("join", {"room": "plenary"}, timeout=10)
        assert join["last_read_id"] == second["id"] and join["unread_count"] == 0
        again.disconnect()
    finally:
        server.stop()


def test_a_crowd_connecting_to_a_fresh_server_at_once_all_connect_and_join(live_server, make_user):
    """The opening of a plenary: many more people than the database pool has connections
    connect and join in the same moment, the first of them to a process that has just
    started. Connections and presences are recorded in shared turns; whoever writes a turn
    must never wait for a pool connection held by those queued behind it."""
    crowd = [
        live_server.login(make_user(Role.DELEGATE, name=f"Delegate {n}").email, PASSWORD)
        for n in range(60)
    ]

    async def connect_and_join(session):
        client = socketio.AsyncClient(reconnection=False)
        cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        await client.connect(
            live_server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=20
        )
        answer = await client.call("join", {"room": "plenary"}, timeout=20)
        await client.disconnect()
        return answer

    async def everyone():
        return await asyncio.gather(*(connect_and_join(session) for session in crowd))

    started = time.monotonic()
    # A loop of its own, in a thread: the browser tests' may be running in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        answers = thread.submit(asyncio.run, everyone()).result()
    assert [answer["ok"] for answer in answers] == [True] * len(crowd), live_server.log_tail()
    assert time.monotonic() - started < 15, live_server.log_tail()  # the pool waits 30 s
    assert "QueuePool limit" not in live_server.log_tail(400)
