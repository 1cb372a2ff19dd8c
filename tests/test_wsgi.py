"""The served process (``python wsgi.py`` under eventlet): its limits, and a hub nothing blocks."""

from __future__ import annotations

import resource
import socket
import threading
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.db import database_url as driver_url

from .conftest import PASSWORD
from .support.live import LiveServer

pytestmark = pytest.mark.live


def open_file_limit(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise AssertionError("no open-file limit in /proc")


def test_the_server_raises_its_open_file_limit_to_fit_its_connections(database_url, tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 4000:
        pytest.fail(f"the hard open-file limit ({hard}) is too low for this test")

    def start_with_the_common_default() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))

    server = LiveServer(database_url, tmp_path, env={"EXCHANGE_MAX_CONNECTIONS": "3000"})
    server.start(preexec_fn=start_with_the_common_default)
    try:
        assert server.process is not None
        assert open_file_limit(server.process.pid) >= 3000 + 256
    finally:
        server.stop()


SLOW_INSERTS = """
CREATE FUNCTION slow_down_insert() RETURNS trigger AS $$
BEGIN
    IF NEW.body = 'take your time' THEN PERFORM pg_sleep(3); END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER messages_slow_insert BEFORE INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION slow_down_insert();
"""


@pytest.fixture
def slow_inserts(database_url):
    """Make the database take 3 s (pg_sleep) to store one particular message."""
    engine = sa.create_engine(driver_url(database_url))
    with engine.begin() as connection:
        connection.exec_driver_sql(SLOW_INSERTS)
    yield
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER messages_slow_insert ON messages")
        connection.exec_driver_sql("DROP FUNCTION slow_down_insert()")
    engine.dispose()


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
def test_a_slow_query_does_not_stall_other_clients(live_server, make_user, slow_inserts):
    """psycopg2 waits for PostgreSQL through eventlet's hub (psycogreen), so others go on.

    A driver that blocked the process would hold every other client until the
    slow insert returned. With psycopg 3 swapped in (COOPERATIVE_POSTGRESQL_DRIVER
    = "postgresql+psycopg"), this test fails so: the slow send is answered first,
    the quick events only after it.
    """
    elena = make_user(Role.DELEGATE, email="elena@example.org")
    kasia = make_user(Role.DELEGATE, email="kasia@example.org", administration="ferla")
    slow = live_server.socket(live_server.login(elena.email, PASSWORD))
    other = live_server.socket(live_server.login(kasia.email, PASSWORD))
    order: list[str] = []
    slow_stored = threading.Event()

    def stored(ack):
        order.append("slow send answered")
        slow_stored.set()

    slow.emit(
        "send",
        {"room": "plenary", "body": "take your time", "client_id": uuid.uuid4().hex},
        callback=stored,
    )
    # Another room: writers to one room take turns on its row lock (rooms/services.py).
    for i in range(3):  # while the slow insert sleeps in PostgreSQL
        assert other.call("join", {"room": "energy-communities"}, timeout=10)["ok"]
        ack = other.call(
            "send",
            {"room": "energy-communities", "body": f"quick {i}", "client_id": uuid.uuid4().hex},
            timeout=10,
        )
        assert ack["ok"]
        order.append(f"quick {i} answered")
    assert slow_stored.wait(10)
    assert order == [*(f"quick {i} answered" for i in range(3)), "slow send answered"]
    for client in (slow, other):
        client.disconnect()


def test_gevent_serves_the_chat_too(database_url, tmp_path, make_user):
    """EXCHANGE_ASYNC_MODE is one switch: the same contract holds under gevent."""
    person = make_user(Role.DELEGATE, email="elena@example.org")
    server = LiveServer(database_url, tmp_path, env={"EXCHANGE_ASYNC_MODE": "gevent"}).start()
    try:
        client = server.socket(server.login(person.email, PASSWORD))
        assert client.call("join", {"room": "plenary"}, timeout=10)["ok"]
        ack = client.call(
            "send", {"room": "plenary", "body": "Ciao", "client_id": "gevent-1"}, timeout=10
        )
        assert ack["ok"] and ack["message"]["body"] == "Ciao"
        assert client.wait_for(lambda: client.events("message"))
        client.disconnect()
    finally:
        server.stop()
    assert "(gevent)" in server.log_path.read_text()


def test_a_live_server_whose_free_port_was_taken_meanwhile_starts_on_another(
    database_url, tmp_path
):
    server = LiveServer(database_url, tmp_path)
    with socket.socket() as taker:
        taker.bind(("127.0.0.1", 0))
        server.port = taker.getsockname()[1]  # as if another process bound it first
        taken = server.port
        server.start()
    try:
        assert server.port != taken
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
    finally:
        server.stop()
