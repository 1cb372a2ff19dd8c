"""The load generator: real Socket.IO clients over WebSocket, many in one asyncio process.

    .venv/bin/python -m bench.load login SPEC.json   # sign accounts in, write their cookies
    .venv/bin/python -m bench.load run SPEC.json     # connect, join, send, count

The benchmark's driver (bench/scenarios.py) spawns it, apart from the servers, so
that the clients' work is not counted as the server's. python-socketio's
AsyncClient (asyncio and aiohttp) holds thousands of connections in one process
where the threaded client would need two threads each.

``run`` talks to the driver in JSON lines on standard output: ``warmed`` once the
first clients (:data:`WARM_SHARE` of them) are connected and have joined their
rooms, ``connected`` once every client has (after each of the two it waits for a
line on standard input, while the driver reads the server's memory), ``sent`` when the
sending (or idle holding) ends, with what it sent (then it waits for a line
saying what every process sent), ``result`` with its counts. Each message
carries its sequence number and send time in its ``client_id``
(``TAG.SEQ.MILLISECONDS``, ``time.time()``; every process reads the machine's
one clock), so each receiver knows the latency of each delivery and which
deliveries it missed.

The driver may share the clients out among several such processes (``shard``
of ``shards`` in the spec: client ``i`` belongs to process ``i % shards``): one
asyncio loop that decodes ten thousand deliveries a second is itself late, and
its lateness would count as the server's. Each process sends its share of the
messages, numbered so that no two processes use one number, and
:func:`combine` adds up what they saw.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from exchange.serving import raise_open_file_limit

logger = logging.getLogger(__name__)

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
META_CSRF_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
COOKIE_NAME = "exchange_session"
#: Words of a chat message of ordinary length (about 120 characters with the prefix).
BODY = "how did your municipality finance the solar roofs on its schools, and who ran the tender?"


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    return {
        "count": len(values),
        "p50": percentile(values, 0.50),
        "p99": percentile(values, 0.99),
        "max": max(values) if values else None,
    }


# ---------------------------------------------------------------- signing in


async def _login_one(http: Any, url: str, email: str, password: str) -> str:
    """Sign in through the real /login form (its CSRF token included); return the Cookie header."""
    import aiohttp
    from yarl import URL

    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies of 127.0.0.1, an address
    async with aiohttp.ClientSession(cookie_jar=jar, connector=http, connector_owner=False) as s:
        async with s.get(url + "/login") as page:
            html = await page.text()
        match = CSRF_RE.search(html) or META_CSRF_RE.search(html)
        if match is None:
            raise RuntimeError("the login page has no CSRF token")
        form = {"csrf_token": match.group(1), "email": email, "password": password}
        async with s.post(url + "/login", data=form, allow_redirects=False) as response:
            if response.status != 302:
                raise RuntimeError(f"login of {email} answered {response.status}")
        cookies = jar.filter_cookies(URL(url))
        if COOKIE_NAME not in cookies:
            raise RuntimeError(f"login of {email} set no {COOKIE_NAME} cookie")
        return f"{COOKIE_NAME}={cookies[COOKIE_NAME].value}"


async def login_all(spec: dict[str, Any]) -> list[str]:
    """Sign every account of the spec in, a few at a time; return their Cookie headers in order."""
    import aiohttp

    raise_open_file_limit(768 + int(spec.get("concurrency", 16)) * 4)
    semaphore = asyncio.Semaphore(int(spec.get("concurrency", 16)))
    connector = aiohttp.TCPConnector(limit=0)

    async def one(email: str) -> str:
        async with semaphore:
            return await _login_one(connector, spec["url"], email, spec["password"])

    try:
        return list(await asyncio.gather(*(one(email) for email in spec["emails"])))
    finally:
        await connector.close()


# ---------------------------------------------------------------- running a scenario


@dataclass
class Stats:
    """What every client of the run saw, counted in one place."""

    tag: str
    latencies_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    sent_by_room: dict[str, set[int]] = field(default_factory=dict)
    acked_ok: int = 0
    ack_errors: Counter[str] = field(default_factory=Counter)
    ack_timeouts: int = 0
    send_failures: int = 0
    first_send: float | None = None
    last_send: float | None = None
    last_receive: float | None = None
    received_total: int = 0
    activity_packets: int = 0
    activity_bytes: int = 0
    reads_sent: int = 0
    edits_sent: int = 0
    edits_refused: int = 0
    reactions_sent: int = 0
    reactions_refused: int = 0
    #: Why edits and reactions were refused: the error codes of their acks.
    refusals: Counter[str] = field(default_factory=Counter)
    typing_sent: int = 0
    mentions_sent: int = 0
    join_ms: list[float] = field(default_factory=list)
    switches: int = 0
    #: The realistic day: each message's room and send time (s), to know who was owed it.
    sent_at: dict[int, tuple[str, float]] = field(default_factory=dict)
    closed: bool = False
    seq: int = 0
    #: This process's share of the clients (see the module's docstring).
    shard: int = 0
    shards: int = 1

    def next_seq(self) -> int:
        """A number no other process of the run gives: ``shard`` modulo ``shards``."""
        self.seq += 1
        return self.seq * self.shards + self.shard

    def ack(self, started: float, answer: Any) -> None:
        if self.closed:
            return
        self.ack_ms.append((time.perf_counter() - started) * 1000)
        if isinstance(answer, dict) and answer.get("ok"):
            self.acked_ok += 1
        else:
            error = answer.get("error", {}) if isinstance(answer, dict) else {}
            self.ack_errors[str(error.get("code", "no answer"))] += 1


#: In chatter mode, each sender edits one of its messages in this many after its ack (counted
#: per sender: picking by message id would put nearly every edit on one sender, since the
#: senders of (a) take turns).
EDIT_EVERY = 10
#: In chatter mode, a sender says it is typing before a message at most this often (seconds).
TYPING_EVERY = 4.0
#: Senders edit and say they type each at its own moment of the cycle, chosen by its number,
#: as people who do not act in step. In step, the ten senders of (a) all edited within the
#: same 200 ms every 2 s and all typed within the same 200 ms every 4 s: bursts of 2,000
#: deliveries that no room of people makes, measured on every delivery behind them.
PHASES = 10
#: In chatter mode, the share of read reports followed by a 👍 on the latest message.
REACT_SHARE = 0.1
#: In chatter mode, one message in this many names (``@``) the author last heard from.
MENTION_EVERY = 8
#: The share of a run's clients that connect and join first, before the server's memory is
#: read for the second time (at least one, and never all). What the first connections of a
#: process make it read and keep (compiled statements, the database's page cache and pool of
#: connections, a room's page of history) is the process's, whoever connects later: divided
#: among the run's clients, it counted as each client's (in (a), the first tenth alone
#: added about 10 MiB: 50 KiB of each of 200 clients). The memory per client is what the
#: others add after them.
WARM_SHARE = 0.1


def warm_count(clients: int) -> int:
    """How many of a run's ``clients`` (numbered from 0) connect and join first."""
    return min(clients - 1, max(1, math.ceil(clients * WARM_SHARE))) if clients > 1 else 0


#: The realistic day: a person who leaves a room is owed its messages sent up to this many
#: seconds before leaving (a later one may reach the server after the leave).
LEAVE_MARGIN = 2.0


class BenchClient:
    """One connection: joins one room and records the benchmark's messages it receives."""

    def __init__(self, index: int, url: str, room: str, cookie: str | None, stats: Stats) -> None:
        import socketio

        self.index = index
        self.url = url
        self.room = room
        self.cookie = cookie
        self.stats = stats
        self.prefix = stats.tag + "."
        self.received: set[int] = set()
        self.last_id = 0
        self.read_up_to = 0
        self.last_typing: float | None = None
        self.phase = index % PHASES
        #: This client's messages acknowledged so far (chatter: which of them to edit).
        self.acked_sends = 0
        self.joined = False
        self.dropped = False
        #: The person last heard from in the room (``{id, name}``), whom a message may mention.
        self.last_author: dict[str, Any] | None = None
        #: The realistic day: (room, joined at, left at or None), times as ``time.time()``.
        self.stays: list[tuple[str, float, float | None]] = []
        self.chatter = False
        self.sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        self.sio.on("message", self._on_message)
        self.sio.on("room_activity", self._on_activity)
        self.sio.on("disconnect", self._on_disconnect)

    def _on_message(self, message: Any) -> None:
        stats = self.stats
        if stats.closed or not isinstance(message, dict):
            return
        if isinstance(message.get("id"), int):
            self.last_id = max(self.last_id, message["id"])
        author = message.get("author")
        if isinstance(author, dict) and isinstance(author.get("id"), int) and author.get("name"):
            self.last_author = author
        client_id = str(message.get("client_id") or "")
        if not client_id.startswith(self.prefix):
            return
        _, seq, sent_ms = client_id.split(".")
        now = time.time()
        number = int(seq)
        if number not in self.received:
            self.received.add(number)
            stats.received_total += 1
            stats.latencies_ms.append(now * 1000 - int(sent_ms))
        stats.last_receive = now

    def _on_activity(self, activity: Any) -> None:
        """Count the rooms lists' updates: what keeping unread counts live costs a client."""
        if not self.stats.closed:
            self.stats.activity_packets += 1
            self.stats.activity_bytes += len(json.dumps(activity))

    async def report_reads(self, end: float) -> None:
        """Say every 5 s how far this client has read, as the browser does at the bottom."""
        loop = asyncio.get_running_loop()
        await asyncio.sleep(random.random() * 5.0)  # spread over the period, as people are
        while loop.time() < end:
            if self.last_id > self.read_up_to:
                self.read_up_to = self.last_id
                self.stats.reads_sent += 1
                await self.sio.emit(
                    "read", {"room": self.room, "message_id": self.last_id}, callback=_ignore
                )
                if random.random() < REACT_SHARE:
                    self.stats.reactions_sent += 1
                    await self.sio.emit(
                        "react",
                        {"message_id": self.last_id, "emoji": "👍"},
                        callback=self._reacted,
                    )
            await asyncio.sleep(5.0)

    async def say_typing(self) -> None:
        """Before a message, say "typing" as the browser does: at most once every 4 s, the
        first time after this sender's share of the period (``PHASES``)."""
        now = time.monotonic()
        if self.last_typing is None:
            self.last_typing = now - TYPING_EVERY * (1 - self.phase / PHASES)
        if now - self.last_typing >= TYPING_EVERY:
            self.last_typing = now
            self.stats.typing_sent += 1
            await self.sio.emit("typing", {"room": self.room}, callback=_ignore)

    def _on_disconnect(self, *reason: Any) -> None:
        if not self.stats.closed:
            self.dropped = True

    async def connect(self) -> None:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        started = time.perf_counter()
        await self.sio.connect(self.url, headers=headers, transports=["websocket"], wait_timeout=60)
        await self.join(self.room, started)

    async def join(self, room: str, started: float | None = None) -> None:
        """Join ``room``; the time from ``started`` (or now) to the ack is a join's latency."""
        started = time.perf_counter() if started is None else started
        answer = await self.sio.call("join", {"room": room}, timeout=120)
        if not isinstance(answer, dict) or not answer.get("ok"):
            raise RuntimeError(f"join refused: {answer!r}")
        self.stats.join_ms.append((time.perf_counter() - started) * 1000)
        self.room = room
        self.stays.append((room, time.time(), None))
        self.joined = True

    async def switch(self, room: str) -> None:
        """Go to another room as a person does: leave the one open, then join the other."""
        here, joined_at, _ = self.stays[-1]
        self.stays[-1] = (here, joined_at, time.time())
        await self.sio.call("leave", {"room": here}, timeout=120)
        self.stats.switches += 1
        await self.join(room)

    def owed(self, sent_at: dict[int, tuple[str, float]]) -> set[int]:
        """The messages sent while this client was in their room (its stays), which it must get."""
        owed = set()
        for seq, (room, at) in sent_at.items():
            for here, joined_at, left_at in self.stays:
                if (
                    here == room
                    and at >= joined_at
                    and (left_at is None or at <= left_at - LEAVE_MARGIN)
                ):
                    owed.add(seq)
        return owed

    def payload(self) -> dict[str, Any]:
        """The next message: its sequence number and send time are in its client_id."""
        stats = self.stats
        seq = stats.next_seq()
        now = time.time()
        stats.sent_by_room.setdefault(self.room, set()).add(seq)
        stats.sent_at[seq] = (self.room, now)
        if stats.first_send is None:
            stats.first_send = now
        stats.last_send = now
        payload: dict[str, Any] = {
            "room": self.room,
            "body": f"[{seq}] {BODY}",
            "client_id": f"{stats.tag}.{seq}.{int(now * 1000)}",
        }
        if self.chatter and self.last_author and seq % MENTION_EVERY == 0:
            stats.mentions_sent += 1
            payload["body"] = f"@{self.last_author['name']} {payload['body']}"
            payload["mentions"] = [self.last_author["id"]]
        return payload

    async def send_open_loop(self, interval: float, offset: float, end: float) -> None:
        """Send one message every ``interval`` seconds until ``end``, never waiting for acks."""
        loop = asyncio.get_running_loop()
        next_at = loop.time() + offset
        while next_at < end:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            started = time.perf_counter()
            try:
                if self.chatter:
                    await self.say_typing()
                await self.sio.emit(
                    "send", self.payload(), callback=lambda *a, s=started: self._acked(s, a)
                )
            except Exception:
                self.stats.send_failures += 1
            next_at += interval

    async def send_closed_loop(self, end: float) -> None:
        """Send the next message as soon as the previous one is acknowledged, until ``end``."""
        import socketio

        loop = asyncio.get_running_loop()
        while loop.time() < end:
            started = time.perf_counter()
            try:
                answer = await self.sio.call("send", self.payload(), timeout=30)
            except socketio.exceptions.TimeoutError:
                self.stats.ack_timeouts += 1
                continue
            except Exception:
                self.stats.send_failures += 1
                await asyncio.sleep(0.1)
                continue
            self.stats.ack(started, answer)

    def _acked(self, started: float, args: tuple[Any, ...]) -> None:
        answer = args[0] if args else None
        self.stats.ack(started, answer)
        if self.chatter and isinstance(answer, dict) and answer.get("ok"):
            message = answer.get("message") or {}
            self.acked_sends += 1
            due = self.acked_sends % EDIT_EVERY == self.phase % EDIT_EVERY
            if isinstance(message.get("id"), int) and due:
                asyncio.ensure_future(self.edit(message["id"], str(message.get("body", ""))))

    def _reacted(self, *args: Any) -> None:
        answer = args[0] if args else None
        if not (isinstance(answer, dict) and answer.get("ok")):
            self.stats.reactions_refused += 1
            self.stats.refusals[f"react: {_error_code(answer)}"] += 1

    def _edited(self, *args: Any) -> None:
        answer = args[0] if args else None
        if not (isinstance(answer, dict) and answer.get("ok")):
            self.stats.edits_refused += 1
            self.stats.refusals[f"edit: {_error_code(answer)}"] += 1

    async def edit(self, message_id: int, body: str) -> None:
        """Correct one's message a moment later, as people fix a typo: every room hears it."""
        self.stats.edits_sent += 1
        try:
            await self.sio.emit(
                "edit",
                {"message_id": message_id, "body": body + " (edited)"},
                callback=self._edited,
            )
        except Exception:
            self.stats.send_failures += 1


def _pause_collector() -> None:
    """Keep this process's garbage collector still while it measures.

    A collection of the oldest generation walks every client, its socket and its
    buffers, and nothing is received meanwhile: 25 to 40 ms, several times in a
    scenario, counted as the server's lateness for every delivery it held up (seen
    with ``gc.callbacks`` beside each late message's times). What the clients made
    before the measurement is frozen, and nothing is collected until it ends.
    """
    gc.collect()
    gc.freeze()
    gc.disable()


def _resume_collector() -> None:
    gc.enable()
    gc.unfreeze()


def _error_code(answer: Any) -> str:
    """The ``code`` of an error ack (``rate_limited``, ``forbidden``...), or what came instead."""
    error = answer.get("error") if isinstance(answer, dict) else None
    return str(error.get("code")) if isinstance(error, dict) else "no answer"


def _ignore(*args: Any) -> None:
    """An ack nobody waits for (typing, read): the server answers every event."""


def _emit(event: str, **data: Any) -> None:
    """Tell the driver where the run is: one JSON line on standard output."""
    sys.stdout.write(json.dumps({"event": event, **data}) + "\n")
    sys.stdout.flush()


async def _connect_all(clients: list[BenchClient], concurrency: int) -> tuple[float, list[str]]:
    semaphore = asyncio.Semaphore(concurrency)
    errors: list[str] = []

    async def one(client: BenchClient) -> None:
        async with semaphore:
            try:
                await client.connect()
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}")

    started = time.perf_counter()
    await asyncio.gather(*(one(client) for client in clients))
    return time.perf_counter() - started, errors


def _room(spec: dict[str, Any], index: int) -> str:
    """The room client ``index`` opens: in turn, or, on the day, half of people in the plenary."""
    rooms: list[str] = spec["rooms"]
    if spec.get("day") and len(rooms) > 1:
        return rooms[0] if index % 2 == 0 else rooms[1 + (index // 2) % (len(rooms) - 1)]
    return rooms[index % len(rooms)]


async def _day(
    spec: dict[str, Any], clients: list[BenchClient], end: float
) -> tuple[float, list[str], list[BenchClient]]:
    """The realistic day, from the opening to ``end``: return (joining seconds, errors, senders).

    Everyone arrives at a random moment of the first ``join_window`` seconds, in the
    room ``run`` gave them; all of them report reads (and react), say they type and
    sometimes mention someone. ``rate`` messages a second come from people picked at
    random over every room; from ``burst_at`` for ``burst_seconds`` the plenary gets
    ``burst_rate`` more (a keynote's questions); a ``switch_share`` of people move to
    another room once, at a random moment after they arrived. With several processes,
    each speaks its share of both rates through its own people.
    """
    loop = asyncio.get_running_loop()
    rooms: list[str] = spec["rooms"]
    window = float(spec.get("join_window", 0))
    errors: list[str] = []
    shards = int(spec.get("shards", 1))
    rng = random.Random(f"{spec['tag']}/{spec.get('shard', 0)}")
    started = loop.time()

    async def arrive(client: BenchClient) -> None:
        await asyncio.sleep(rng.random() * window)
        try:
            await client.connect()
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
            return
        client.chatter = True
        tasks = [client.report_reads(end + 1)]
        if rng.random() < float(spec.get("switch_share", 0)) and len(rooms) > 1:
            # Some moment after arriving, early enough for the new room's messages to count.
            here_from = loop.time() + 2
            tasks.append(wander(client, here_from + rng.random() * max(0.0, end - here_from - 8)))
        await asyncio.gather(*tasks)

    async def wander(client: BenchClient, at: float) -> None:
        await asyncio.sleep(max(0.0, at - loop.time()))
        if loop.time() >= end - 5:
            return
        try:
            await client.switch(rng.choice([room for room in rooms if room != client.room]))
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")

    async def speak(rate: float, start: float, stop: float, room: str | None) -> None:
        """Messages at ``rate`` a second from people picked at random (in ``room`` if given)."""
        if rate <= 0:
            return
        next_at = start
        while next_at < min(stop, end):
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            next_at += 1 / rate
            present = [c for c in clients if c.joined and (room is None or c.room == room)]
            if not present:
                continue
            speaker = rng.choice(present)
            sending.add(speaker)
            begun = time.perf_counter()
            try:
                await speaker.say_typing()
                await speaker.sio.emit(
                    "send",
                    speaker.payload(),
                    callback=lambda *a, s=begun, c=speaker: c._acked(s, a),
                )
            except Exception:
                speaker.stats.send_failures += 1

    sending: set[BenchClient] = set()
    burst_at = started + float(spec.get("burst_at", 0))
    arrivals = asyncio.gather(*(arrive(client) for client in clients))
    await asyncio.gather(
        # Each process speaks for its share of the people.
        speak(float(spec.get("rate") or 0) / shards, started + window / 2, end, None),
        speak(
            float(spec.get("burst_rate", 0)) / shards,
            burst_at,
            burst_at + float(spec.get("burst_seconds", 0)),
            rooms[0],
        ),
        arrivals,
    )
    return window, errors, list(sending)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Connect the clients, wait for the driver, send (or hold), and count what arrived."""
    loop = asyncio.get_running_loop()
    count = int(spec["clients"])
    raise_open_file_limit(count * 2 + 256)
    urls: list[str] = spec["urls"]
    cookies: list[str] | None = None
    if spec.get("cookies"):
        cookies = json.loads(Path(spec["cookies"]).read_text())
        if len(cookies) < count:
            raise SystemExit(f"{count} clients need {count} signed-in accounts")
    shard, shards = int(spec.get("shard", 0)), int(spec.get("shards", 1))
    stats = Stats(tag=spec["tag"], shard=shard, shards=shards)
    clients = [
        BenchClient(i, urls[i % len(urls)], _room(spec, i), cookies[i] if cookies else None, stats)
        for i in range(shard, count, shards)
    ]

    duration = float(spec.get("duration", 0))
    chatter = bool(spec.get("chatter"))
    if spec.get("day"):
        # The joins are part of the day: nobody is connected before it starts.
        for step in ("warmed", "connected"):
            _emit(step, connected=0, failed=0, connect_seconds=0.0, errors=[])
            await loop.run_in_executor(None, sys.stdin.readline)
        _pause_collector()
        started = loop.time()
        connect_seconds, errors, senders = await _day(spec, clients, started + duration)
        joined = [client for client in clients if client.joined]
    else:
        # The first few, then the run's other connections at once, shared among its processes.
        concurrency = max(1, int(spec.get("connect_concurrency", 50)) // shards)
        settle = float(spec.get("settle", 0))  # let presence updates of the joins pass
        first = warm_count(count)
        warm = [client for client in clients if client.index < first]
        warm_seconds, warm_errors = await _connect_all(warm, concurrency)
        await asyncio.sleep(settle / 2)
        _emit(
            "warmed",
            connected=sum(1 for client in warm if client.joined),
            failed=sum(1 for client in warm if not client.joined),
            connect_seconds=warm_seconds,
            errors=warm_errors[:5],
        )
        await loop.run_in_executor(None, sys.stdin.readline)  # the driver has read the memory
        others = [client for client in clients if client.index >= first]
        connect_seconds, errors = await _connect_all(others, concurrency)
        connect_seconds += warm_seconds
        errors = warm_errors + errors
        joined = [client for client in clients if client.joined]
        await asyncio.sleep(settle)
        _emit(
            "connected",
            connected=len(joined),
            failed=len(clients) - len(joined),
            connect_seconds=connect_seconds,
            errors=errors[:5],
        )
        await loop.run_in_executor(None, sys.stdin.readline)  # the driver has read the memory

        # The run's first ``senders`` clients send, whichever process holds them.
        all_senders = int(spec.get("senders", 0))
        senders = [client for client in joined if client.index < all_senders]
        _pause_collector()
        started = loop.time()
        end = started + duration
        readers = [client.report_reads(end + 1) for client in joined] if chatter else []
        if senders and spec.get("rate"):
            # Every sender of the run keeps the same pace and its own place in the round.
            interval = all_senders / float(spec["rate"])
            for sender in senders:
                sender.chatter = chatter
            await asyncio.gather(
                *(
                    sender.send_open_loop(interval, interval * sender.index / all_senders, end)
                    for sender in senders
                ),
                *readers,
            )
        elif senders:
            await asyncio.gather(*(sender.send_closed_loop(end) for sender in senders))
        else:
            await asyncio.sleep(float(spec.get("hold", duration)))
    send_seconds = loop.time() - started
    _emit("sent", seconds=send_seconds, **sent_record(stats))
    # Every process's messages, from the driver: what this process's clients were owed.
    everything = await loop.run_in_executor(None, sys.stdin.readline)
    sent_by_room, sent_at = read_sent_record(json.loads(everything) if everything.strip() else {})

    if spec.get("day"):
        owed = [client.owed(sent_at) for client in joined]
    else:
        owed = [sent_by_room.get(client.room, set()) for client in joined]
    expected = sum(len(seqs) for seqs in owed)
    grace_end = loop.time() + float(spec.get("grace", 5))
    while loop.time() < grace_end and stats.received_total < expected:
        await asyncio.sleep(0.05)
    stats.closed = True
    _resume_collector()
    result = {
        "clients": len(clients),
        "connected": len(joined),
        "connect_seconds": connect_seconds,
        "connect_errors": errors[:5],
        "still_connected": sum(
            1 for client in joined if client.sio.connected and not client.dropped
        ),
        "dropped": sum(1 for client in joined if client.dropped),
        "senders": len(senders),
        "send_seconds": send_seconds,
        "sent": sum(len(seqs) for seqs in stats.sent_by_room.values()),
        "acked_ok": stats.acked_ok,
        "ack_errors": dict(stats.ack_errors),
        "ack_timeouts": stats.ack_timeouts,
        "send_failures": stats.send_failures,
        "expected": expected,
        "received": stats.received_total,
        "lost": sum(len(seqs - client.received) for seqs, client in zip(owed, joined, strict=True)),
        "first_send": stats.first_send,
        "last_send": stats.last_send,
        "last_receive": stats.last_receive,
        "latencies_ms": stats.latencies_ms,
        "ack_ms": stats.ack_ms,
        "join_ms": stats.join_ms,
        "activity_packets": stats.activity_packets,
        "activity_bytes": stats.activity_bytes,
        "reads_sent": stats.reads_sent,
        "edits_sent": stats.edits_sent,
        "edits_refused": stats.edits_refused,
        "reactions_sent": stats.reactions_sent,
        "reactions_refused": stats.reactions_refused,
        "refusals": dict(stats.refusals),
        "typing_sent": stats.typing_sent,
        "mentions_sent": stats.mentions_sent,
        "switches": stats.switches,
    }
    try:
        await asyncio.wait_for(
            asyncio.gather(*(client.sio.disconnect() for client in joined), return_exceptions=True),
            timeout=30,
        )
    except TimeoutError:
        logger.warning("some clients did not disconnect in 30 s")
    return result


def sent_record(stats: Stats) -> dict[str, Any]:
    """What one process sent, for the driver: each room's numbers and, on the day, when."""
    return {
        "sent_by_room": {room: sorted(seqs) for room, seqs in stats.sent_by_room.items()},
        "sent_at": [[seq, room, at] for seq, (room, at) in stats.sent_at.items()],
    }


def merge_sent_records(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every process's :func:`sent_record` as one, which the driver hands back to each."""
    by_room: dict[str, list[int]] = {}
    sent_at: list[list[Any]] = []
    for record in records:
        for room, seqs in record.get("sent_by_room", {}).items():
            by_room.setdefault(room, []).extend(seqs)
        sent_at.extend(record.get("sent_at", []))
    return {"sent_by_room": by_room, "sent_at": sent_at}


def read_sent_record(
    record: dict[str, Any],
) -> tuple[dict[str, set[int]], dict[int, tuple[str, float]]]:
    by_room = {room: set(seqs) for room, seqs in record.get("sent_by_room", {}).items()}
    sent_at = {int(seq): (str(room), float(at)) for seq, room, at in record.get("sent_at", [])}
    return by_room, sent_at


def combine(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The run's figures from every process's counts (one process: its own, summarised)."""

    def total(key: str) -> int:
        return sum(int(part[key]) for part in parts)

    def counted(key: str) -> dict[str, int]:
        counter: Counter[str] = Counter()
        for part in parts:
            counter.update(part[key])
        return dict(counter)

    def joined(key: str) -> list[float]:
        return [value for part in parts for value in part[key]]

    connected = total("connected")
    sent = total("sent")
    acked_ok = total("acked_ok")
    ack_errors = counted("ack_errors")
    ack_timeouts = total("ack_timeouts")
    received = total("received")
    send_seconds = max(float(part["send_seconds"]) for part in parts)
    first_sends = [part["first_send"] for part in parts if part["first_send"] is not None]
    window = None
    if first_sends:
        ends = [part[key] or 0.0 for part in parts for key in ("last_receive", "last_send")]
        window = max(ends) - min(first_sends)

    def per_client_second(value: int) -> float | None:
        return value / (connected * send_seconds) if connected and send_seconds else None

    return {
        "clients": total("clients"),
        "connected": connected,
        "failed": total("clients") - connected,
        "connect_seconds": max(float(part["connect_seconds"]) for part in parts),
        "connect_errors": [error for part in parts for error in part["connect_errors"]][:5],
        "still_connected": total("still_connected"),
        "dropped": total("dropped"),
        "senders": total("senders"),
        "send_seconds": send_seconds,
        "sent": sent,
        "acked_ok": acked_ok,
        "ack_errors": ack_errors,
        "ack_timeouts": ack_timeouts,
        "send_failures": total("send_failures"),
        "unanswered": sent - acked_ok - sum(ack_errors.values()) - ack_timeouts,
        "expected": total("expected"),
        "received": received,
        "lost": total("lost"),
        "window_seconds": window,
        "deliveries_per_second": received / window if window else None,
        "sends_per_second": sent / send_seconds if send_seconds and sent else None,
        "persisted_per_second": acked_ok / send_seconds if send_seconds and sent else None,
        "latency_ms": summary(joined("latencies_ms")),
        "ack_ms": summary(joined("ack_ms")),
        "activity_per_client_second": per_client_second(total("activity_packets")),
        "activity_bytes_per_client_second": per_client_second(total("activity_bytes")),
        "reads_sent": total("reads_sent"),
        "edits_sent": total("edits_sent"),
        "edits_refused": total("edits_refused"),
        "reactions_sent": total("reactions_sent"),
        "reactions_refused": total("reactions_refused"),
        "refusals": counted("refusals"),
        "typing_sent": total("typing_sent"),
        "mentions_sent": total("mentions_sent"),
        "join_ms": summary(joined("join_ms")),
        "switches": total("switches"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("login", "run"))
    parser.add_argument("spec", type=Path, help="the JSON spec the driver wrote")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="load: %(levelname)s %(name)s: %(message)s")
    spec = json.loads(options.spec.read_text())
    if options.command == "login":
        cookies = asyncio.run(login_all(spec))
        Path(spec["output"]).write_text(json.dumps(cookies))
        _emit("result", result={"signed_in": len(cookies)})
    else:
        _emit("result", result=asyncio.run(run(spec)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
