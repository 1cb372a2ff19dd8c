"""What one socket event costs the server, in CPU time: robust to a busy machine.

    .venv/bin/python -m bench.event_cost          # 20 clients, then 300 joining at once
    .venv/bin/python -m bench.event_cost --app-setting EXCHANGE_READ_FLUSH_INTERVAL=0

Latency and throughput follow whatever else the machine runs; the CPU seconds
the server process spends per event (from /proc) much less so. With real
python-socketio clients against ``python wsgi.py`` (eventlet, SQLite), as the
benchmark serves it: ``join`` again, ``send`` (delivered to every client), a
``read`` that moves the position, a ``send`` that names someone, an ``edit``, a
``react`` and a ``typing`` (each heard by every client); then ``--storm`` clients connecting and
joining the plenary at once (wall time and CPU per connection and join).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import uuid
from typing import Any

from . import servers


def _cpu(server: servers.Server) -> float:
    return servers.cpu_seconds(server.pid)


def per_event(url: str, cookies: list[str], server: servers.Server, rounds: int) -> dict[str, Any]:
    """Server CPU ms per ``join``, ``send`` and moved ``read``, in closed loops."""
    import socketio

    clients = []
    for cookie in cookies:
        client = socketio.Client(reconnection=False)
        client.connect(url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
        clients.append(client)
    for client in clients:
        assert client.call("join", {"room": "plenary"}, timeout=30)["ok"]

    def send(body: str) -> int:
        payload = {"room": "plenary", "body": body, "client_id": uuid.uuid4().hex}
        ack = clients[0].call("send", payload, timeout=30)
        assert ack["ok"], ack
        return int(ack["message"]["id"])

    before = _cpu(server)
    for _ in range(5):
        for client in clients:
            assert client.call("join", {"room": "plenary"}, timeout=30)["ok"]
    join = (_cpu(server) - before) / (5 * len(clients))
    before = _cpu(server)
    for number in range(rounds * 5):
        send(f"message {number}")
    sent = (_cpu(server) - before) / (rounds * 5)
    before = _cpu(server)
    for number in range(rounds):
        message_id = send(f"to read {number}")
        for client in clients[1:]:
            answer = client.call("read", {"room": "plenary", "message_id": message_id}, timeout=30)
            assert answer["ok"], answer
    read = (_cpu(server) - before - rounds * sent) / (rounds * (len(clients) - 1))
    chat = chat_events(clients, server, rounds, send)
    for client in clients:
        client.disconnect()
    return {
        "join_ms": 1000 * join,
        "send_ms": 1000 * sent,
        "read_moved_ms": 1000 * read,
        **{f"{name}_ms": 1000 * seconds for name, seconds in chat.items()},
    }


def chat_events(
    clients: list[Any], server: servers.Server, rounds: int, send: Any
) -> dict[str, float]:
    """Server CPU seconds per ``send`` naming someone, ``edit``, ``react`` and ``typing``."""
    named = clients[1].call(
        "send", {"room": "plenary", "body": "hello", "client_id": uuid.uuid4().hex}, timeout=30
    )["message"]["author"]
    before = _cpu(server)
    for number in range(rounds):
        payload = {
            "room": "plenary",
            "body": f"@{named['name']} message {number}",
            "client_id": uuid.uuid4().hex,
            "mentions": [named["id"]],
        }
        assert clients[0].call("send", payload, timeout=30)["ok"]
    mention = (_cpu(server) - before) / rounds
    ids = [send(f"to edit {number}") for number in range(rounds)]
    before = _cpu(server)
    for message_id in ids:
        answer = clients[0].call("edit", {"message_id": message_id, "body": "edited"}, timeout=30)
        assert answer["ok"], answer
    edit = (_cpu(server) - before) / rounds
    before = _cpu(server)
    for message_id in ids:
        for client in clients[1:]:
            answer = client.call("react", {"message_id": message_id, "emoji": "👍"}, timeout=30)
            assert answer["ok"], answer
    react = (_cpu(server) - before) / (rounds * (len(clients) - 1))
    before = _cpu(server)
    for _ in range(rounds):
        for client in clients:
            assert client.call("typing", {"room": "plenary"}, timeout=30)["ok"]
    typing = (_cpu(server) - before) / (rounds * len(clients))
    return {"send_mention": mention, "edit": edit, "react": react, "typing": typing}


async def _storm(url: str, cookies: list[str]) -> float:
    import socketio

    async def one(cookie: str) -> Any:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(
            url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=60
        )
        answer = await client.call("join", {"room": "plenary"}, timeout=120)
        assert answer["ok"], answer
        return client

    loop = asyncio.get_running_loop()
    started = loop.time()
    clients = await asyncio.gather(*(one(cookie) for cookie in cookies))
    took = loop.time() - started
    for client in clients:
        await client.disconnect()
    return took


def storm(cookies: list[str], server: servers.Server) -> dict[str, Any]:
    """Everyone connects and joins the plenary at once: wall seconds, CPU ms per person."""
    before = _cpu(server)
    took = asyncio.run(_storm(server.url, cookies))
    return {
        "clients": len(cookies),
        "wall_s": took,
        "connect_and_join_ms": 1000 * (_cpu(server) - before) / len(cookies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.event_cost", description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--storm", type=int, default=300, help="clients joining at once (0: no)")
    parser.add_argument("--app-setting", action="append", default=[], metavar="EXCHANGE_X=Y")
    options = parser.parse_args()
    settings = dict(setting.split("=", 1) for setting in options.app_setting)
    accounts = max(options.clients, options.storm)
    with servers.deployment("sqlite", accounts, settings=settings) as deployment:
        cookies = json.loads(deployment.cookies_path.read_text())
        result: dict[str, Any] = {"settings": settings, "code": servers.code_version()}
        server = servers.start_app(deployment)
        try:
            result |= per_event(server.url, cookies[: options.clients], server, options.rounds)
        finally:
            server.stop()
        if options.storm:
            server = servers.start_app(deployment)
            try:
                result |= storm(cookies[: options.storm], server)
            finally:
                server.stop()
    result["load_average"] = os.getloadavg()
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
