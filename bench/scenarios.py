"""The scenarios of the socket benchmark and how one measurement of one of them is taken.

A measurement starts the server process(es) of one variant (the exchange, or the
bare relay), reads their memory, spawns the load generator (bench/load.py) in
processes of its own (the clients shared out among them), waits until every
client is connected and has joined, reads
the memory again, lets the clients send (or stay idle), and reads the CPU time
that the servers, the load generator and the whole machine used meanwhile. Then
it stops the servers: every measurement starts from fresh processes.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import load as load_generator
from . import servers
from .profile import Profile
from .profile import Profiler

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Load:
    """What the clients do: how many, in how many rooms, who sends, how fast, how long."""

    clients: int
    rooms: int = 1
    senders: int = 0
    #: Messages per second from all senders together; None: each sender sends its next
    #: message as soon as the previous one is acknowledged (closed loop).
    rate: float | None = None
    duration: float = 0.0
    #: Idle scenarios: how long the clients stay connected without sending.
    hold: float = 0.0
    #: How long after the sending ends a delivery may still arrive before it counts as lost.
    grace: float = 5.0
    #: Pause after the last join, so that the joins' presence updates are over.
    settle: float = 2.5
    connect_concurrency: int = 50
    #: Chat as people do around the messages: senders say they are typing (every 4 s at
    #: most), and every client reports what it has read (every 5 s at most, as the browser).
    chatter: bool = False
    #: The realistic day: people arrive over ``join_window`` seconds (the joins are measured),
    #: ``rate`` messages a second over every room, ``burst_rate`` more in the plenary from
    #: ``burst_at`` for ``burst_seconds``, and a ``switch_share`` of people change rooms once.
    day: bool = False
    join_window: float = 0.0
    burst_at: float = 0.0
    burst_seconds: float = 0.0
    burst_rate: float = 0.0
    switch_share: float = 0.0
    #: Read the servers' CPU and memory every this many seconds (0: only before and after).
    sample_every: float = 0.0

    def describe(self) -> str:
        if self.day:
            return (
                f"{self.clients:,} people arriving over {self.join_window:g} s into "
                f"{self.rooms} rooms (half in the plenary), {self.rate or 0:g} messages/s over "
                f"every room, {self.burst_rate:g} more in the plenary for {self.burst_seconds:g} s "
                f"from {self.burst_at:g} s, {100 * self.switch_share:.0f}% changing rooms once; "
                f"{self.duration:g} s"
            )
        where = "one room" if self.rooms == 1 else f"{self.rooms} rooms"
        text = f"{self.clients:,} clients in {where}"
        if self.senders and self.rate:
            text += (
                f", {self.senders} senders, {self.rate:g} messages/s in all, {self.duration:g} s"
            )
        elif self.senders:
            text += (
                f", {self.senders} senders each sending on the previous ack (closed loop), "
                f"{self.duration:g} s"
            )
        else:
            text += f", idle for {self.hold:g} s"
        if self.chatter:
            text += (
                ", with typing, read, edit, react and mentions (one message in ten edited, "
                "one read report in ten followed by a reaction, one message in eight "
                "mentioning someone)"
            )
        return text


@dataclass(frozen=True)
class Variant:
    """One server setup: the exchange or the bare relay, its loop, database and processes."""

    label: str
    kind: str  # "app" or "bare"
    async_mode: str = "eventlet"
    database: str = "sqlite"  # the exchange's; the relay stores nothing
    processes: int = 1
    message_queue: bool = False


APP = Variant("app (eventlet, SQLite)", "app")
BARE = Variant("bare (eventlet)", "bare")
APP_GEVENT = Variant("app (gevent, SQLite)", "app", async_mode="gevent")
BARE_GEVENT = Variant("bare (gevent)", "bare", async_mode="gevent")
APP_POSTGRESQL = Variant("app (eventlet, PostgreSQL)", "app", database="postgresql")


@dataclass
class Measurement:
    """One run of one variant: the load generator's counts and the servers' costs."""

    variant: Variant
    result: dict[str, Any]
    rss_before_kib: int
    rss_after_kib: int
    window_seconds: float
    server_cpu_seconds: float
    loadgen_cpu_seconds: float
    machine_busy_seconds: float
    loadavg: tuple[float, float, float]
    profile: Profile | None = None
    #: From the start of sending until every delivery came or was given up: the servers'
    #: CPU, and Redis's when the variant uses the queue (all of its work, on a quiet machine).
    server_cpu_total_seconds: float = 0.0
    queue_cpu_total_seconds: float = 0.0
    #: With ``Load.sample_every``: (seconds since the start, server CPU % of one core over the
    #: interval, server memory in MiB at its end), one row per interval.
    timeline: list[tuple[float, float, float]] = field(default_factory=list)
    #: The servers' memory once the first clients (bench/load.py, ``WARM_SHARE``) had joined,
    #: and how many had; None and 0 when nobody connected first.
    rss_warm_kib: int | None = None
    warm_clients: int = 0

    @property
    def cpu_per_thousand_deliveries(self) -> float | None:
        """CPU seconds of every server process (and Redis) per 1,000 messages delivered."""
        received = self.result.get("received") or 0
        if not received:
            return None
        return 1000 * (self.server_cpu_total_seconds + self.queue_cpu_total_seconds) / received

    @property
    def memory_per_client_kib(self) -> float | None:
        """What each client added to the servers' memory, after the first ones had joined."""
        connected = self.result.get("connected") or 0
        base, counted = self.rss_before_kib, connected
        if self.rss_warm_kib is not None and self.warm_clients:
            base, counted = self.rss_warm_kib, connected - self.warm_clients
        return (self.rss_after_kib - base) / counted if counted > 0 else None

    @property
    def warm_up_mib(self) -> float | None:
        """What the first clients' connections and joins added to the servers' memory."""
        if self.rss_warm_kib is None or not self.warm_clients:
            return None
        return (self.rss_warm_kib - self.rss_before_kib) / 1024

    def cpu_percent(self, seconds: float) -> float:
        """CPU time as a percentage of one core over the window (the machine has two)."""
        return 100 * seconds / self.window_seconds if self.window_seconds else 0.0


@dataclass(frozen=True)
class Target:
    """A promise about one figure: of the left variant, or of the left/right ratio."""

    metric: str
    text: str
    #: "min": the figure must be at least ``bound``; "max": at most.
    op: str
    bound: float
    of: str = "ratio"  # "ratio", "left", or "worst" (the worst left value of any repeat)

    def check(self, value: float) -> bool:
        return value >= self.bound if self.op == "min" else value <= self.bound


@dataclass(frozen=True)
class Pair:
    """Two variants measured back to back in each repeat, and what their comparison promises."""

    left: Variant
    right: Variant
    relation: str = "app/bare"
    targets: tuple[Target, ...] = ()
    #: Informational pairs (gevent, the relay over Redis) show targets without counting them.
    informational: bool = False


@dataclass
class Scenario:
    key: str
    title: str
    load: Load
    pairs: list[Pair]
    metrics: tuple[str, ...]
    #: Run with a different load than the one described (e.g. which load (e) uses).
    note: str = ""


#: Two load generators: one asyncio loop decoding 10,000 deliveries a second falls behind in
#: bursts, and its lateness would be measured as the server's.
LOAD_PROCESSES = 2


@dataclass
class Bench:
    """What every measurement of one benchmark run shares."""

    workdir: Path
    deployments: dict[str, servers.Deployment]
    rooms: dict[str, list[str]]
    redis_url: str = servers.DEFAULT_REDIS_URL
    #: How many processes the clients are shared out among (bench/load.py says why).
    load_processes: int = LOAD_PROCESSES
    tag_counter: int = 0
    profiles: dict[str, Profile] = field(default_factory=dict)

    def tag(self) -> str:
        self.tag_counter += 1
        return f"b{os.getpid()}r{self.tag_counter}"


def _start(variant: Variant, bench: Bench, channel: str | None) -> list[servers.Server]:
    queue = bench.redis_url if variant.message_queue else None
    started: list[servers.Server] = []
    try:
        for _ in range(variant.processes):
            if variant.kind == "app":
                started.append(
                    servers.start_app(
                        bench.deployments[variant.database],
                        variant.async_mode,
                        queue,
                        channel,
                    )
                )
            else:
                started.append(
                    servers.start_relay(bench.workdir, variant.async_mode, queue, channel)
                )
    except Exception:
        for server in started:
            server.stop()
        raise
    return started


def _read(process: subprocess.Popen[str], expected: str) -> dict[str, Any]:
    """The next JSON line of the load generator, which must be the ``expected`` event."""
    assert process.stdout is not None
    while True:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the load generator stopped before {expected!r}")
        try:
            data: dict[str, Any] = json.loads(line)
        except ValueError:
            logger.debug("load generator said: %s", line.rstrip())
            continue
        if data.get("event") != expected:
            raise RuntimeError(f"the load generator said {data!r}, not {expected!r}")
        return data


def _spawn_load(bench: Bench, spec: dict[str, Any]) -> subprocess.Popen[str]:
    """Start one load generator process on its share (``shard``) of the spec's clients."""
    name = f"{spec['tag']}.{spec['shard']}"
    spec_path = bench.workdir / f"{name}.json"
    spec_path.write_text(json.dumps(spec))
    return subprocess.Popen(
        servers.load_command("run", spec_path),
        cwd=servers.CODE,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=open(bench.workdir / f"{name}.load.log", "w"),  # noqa: SIM115
        text=True,
    )


def _tell_all(generators: list[subprocess.Popen[str]], line: str) -> None:
    for generator in generators:
        assert generator.stdin is not None
        generator.stdin.write(line + "\n")
        generator.stdin.flush()


def _combine_connected(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Every load generator's ``connected`` line as one: clients add up, the slowest counts."""
    return {
        "connected": sum(line["connected"] for line in lines),
        "failed": sum(line["failed"] for line in lines),
        "connect_seconds": max(line["connect_seconds"] for line in lines),
        "errors": [error for line in lines for error in line["errors"]],
    }


def measure(variant: Variant, load: Load, bench: Bench, *, profile: bool = False) -> Measurement:
    """Run one load against fresh processes of one variant; return what was seen."""
    channel = f"bench-{secrets.token_hex(4)}" if variant.message_queue else None
    started = _start(variant, bench, channel)
    try:
        pids = [server.pid for server in started]
        time.sleep(0.5)
        rss_before = sum(servers.rss_kib(pid) for pid in pids)
        database = variant.database if variant.kind == "app" else "sqlite"
        rooms = bench.rooms[database][: load.rooms]
        tag = bench.tag()
        spec = {
            "urls": [server.url for server in started],
            "clients": load.clients,
            "rooms": rooms,
            "cookies": (
                str(bench.deployments[variant.database].cookies_path)
                if variant.kind == "app"
                else None
            ),
            "senders": load.senders,
            "rate": load.rate,
            "duration": load.duration,
            "hold": load.hold,
            "grace": load.grace,
            "settle": load.settle,
            "connect_concurrency": load.connect_concurrency,
            "chatter": load.chatter,
            "day": load.day,
            "join_window": load.join_window,
            "burst_at": load.burst_at,
            "burst_seconds": load.burst_seconds,
            "burst_rate": load.burst_rate,
            "switch_share": load.switch_share,
            "tag": tag,
        }
        generators = [
            _spawn_load(bench, {**spec, "shard": shard, "shards": bench.load_processes})
            for shard in range(bench.load_processes)
        ]
        try:
            warmed = _combine_connected([_read(g, "warmed") for g in generators])
            rss_warm = sum(servers.rss_kib(pid) for pid in pids)
            _tell_all(generators, "on")
            connected = _combine_connected([_read(g, "connected") for g in generators])
            rss_after = sum(servers.rss_kib(pid) for pid in pids)
            if connected["failed"]:
                logger.warning(
                    "%s: %d clients could not connect: %s\nthe server's log ends with:\n%s",
                    variant.label,
                    connected["failed"],
                    "; ".join(sorted(set(connected["errors"]))),
                    started[0].log_tail(30),
                )
            profiler = None
            if profile:
                seconds = max(2.0, (load.duration or load.hold) - 1)
                profiler = Profiler(pids[0], seconds, bench.workdir / f"{tag}.profile.txt").start()
            generator_pids = [g.pid for g in generators]
            cpu_before = sum(servers.cpu_seconds(pid) for pid in pids)
            queue_pids = servers.redis_pids() if variant.message_queue else []
            queue_before = _cpu_of(queue_pids)
            load_before = _cpu_of(generator_pids)
            busy_before = servers.machine_busy_seconds()
            window_started = time.monotonic()
            sampler = Sampler(pids, load.sample_every).start() if load.sample_every else None
            _tell_all(generators, "go")
            records = [_read(g, "sent") for g in generators]
            timeline = sampler.stop() if sampler else []
            window = time.monotonic() - window_started
            cpu = sum(servers.cpu_seconds(pid) for pid in pids) - cpu_before
            load_cpu = _cpu_of(generator_pids) - load_before
            busy = servers.machine_busy_seconds() - busy_before
            loadavg = os.getloadavg()
            # Each process must know every message of the run to know what its clients missed.
            _tell_all(generators, json.dumps(load_generator.merge_sent_records(records)))
            result = load_generator.combine([_read(g, "result")["result"] for g in generators])
            cpu_total = sum(servers.cpu_seconds(pid) for pid in pids) - cpu_before
            queue_total = _cpu_of(queue_pids) - queue_before
            for generator in generators:
                generator.wait(timeout=60)
        finally:
            for generator in generators:
                if generator.poll() is None:
                    generator.kill()
                    generator.wait()
        measurement = Measurement(
            variant=variant,
            result=result,
            rss_before_kib=rss_before,
            rss_after_kib=rss_after,
            rss_warm_kib=rss_warm,
            warm_clients=warmed["connected"],
            window_seconds=window,
            server_cpu_seconds=cpu,
            loadgen_cpu_seconds=load_cpu,
            machine_busy_seconds=busy,
            loadavg=loadavg,
            profile=profiler.finish() if profiler else None,
            server_cpu_total_seconds=cpu_total,
            queue_cpu_total_seconds=queue_total,
            timeline=timeline,
        )
    finally:
        for server in started:
            server.stop()
    logger.info(
        "%s: %s deliveries/s, p99 %s ms, lost %s, connected %s/%s",
        variant.label,
        _rounded(result.get("deliveries_per_second")),
        _rounded(result["latency_ms"]["p99"]),
        result["lost"],
        result["still_connected"],
        result["clients"],
    )
    return measurement


class Sampler:
    """Reads the servers' CPU time and memory every ``every`` seconds, in a thread of its own."""

    def __init__(self, pids: list[int], every: float) -> None:
        self.pids = pids
        self.every = every
        self.rows: list[tuple[float, float, float]] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Sampler:
        self.thread.start()
        return self

    def _sample(self, since: float, previous: float, begun: float) -> float:
        cpu = _cpu_of(self.pids)
        now = time.monotonic()
        rss = sum(servers.rss_kib(pid) for pid in self.pids) / 1024
        seconds = now - since
        percent = 100 * (cpu - previous) / seconds if seconds > 0 else 0.0
        self.rows.append((now - begun, percent, rss))
        return cpu

    def _run(self) -> None:
        begun = since = time.monotonic()
        previous = _cpu_of(self.pids)
        while not self.done.wait(self.every):
            previous = self._sample(since, previous, begun)
            since = time.monotonic()
        if time.monotonic() - since > self.every / 10:  # the last, shorter interval
            self._sample(since, previous, begun)

    def stop(self) -> list[tuple[float, float, float]]:
        self.done.set()
        self.thread.join()
        return self.rows


def _cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += servers.cpu_seconds(pid)
        except OSError:  # ended meanwhile
            continue
    return total


def _rounded(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


# ---------------------------------------------------------------- the scenarios


NO_LOSS = Target("lost", "0 lost deliveries", "max", 0, of="worst")


#: How long the realistic day (j) lasts and how many come, unless told (``--day-seconds``,
#: ``--day-people``).
DAY_SECONDS = 300.0
DAY_PEOPLE = 500


def scenarios(
    quick: bool = False, day_seconds: float = DAY_SECONDS, day_people: int = DAY_PEOPLE
) -> dict[str, Scenario]:
    """The socket scenarios, at full size or, with ``quick``, at a tiny one."""
    a = Load(200, senders=10, rate=50, duration=20, chatter=True)
    b = Load(1000, senders=4, rate=4, duration=20, settle=4)
    c = Load(2000, rooms=11, hold=60, settle=4)
    d = Load(50, senders=50, duration=15)
    e = Load(200, senders=20, duration=20)
    h = Load(2000, rooms=11, senders=11, rate=11, duration=30, settle=4, chatter=True)
    j = Load(
        day_people,
        rooms=11,
        rate=11,
        duration=day_seconds,
        grace=10,
        settle=0,
        chatter=True,
        day=True,
        join_window=60,
        burst_at=0.3 * day_seconds,  # 90 s into the default 5 minutes, for 30 s
        burst_seconds=0.1 * day_seconds,
        burst_rate=20,
        switch_share=0.2,
        sample_every=30,
    )
    if quick:
        a = Load(6, senders=3, rate=10, duration=2, grace=3, settle=1.2)
        b = Load(10, senders=2, rate=4, duration=2, grace=3, settle=1.2)
        c = Load(12, rooms=11, hold=3, settle=1.2)
        d = Load(4, senders=4, duration=2, grace=3, settle=1.2)
        e = Load(6, senders=2, duration=2, grace=3, settle=1.2)
        h = Load(22, rooms=11, senders=11, rate=11, duration=3, grace=3, settle=1.2, chatter=True)
        j = replace(j, clients=22, rate=5, join_window=2, duration=8, grace=3, burst_at=3)
        j = replace(j, burst_seconds=2, burst_rate=5, switch_share=0.5, sample_every=2)
    latency = ("deliveries", "latency_p50", "latency_p99", "ack_p99", "lost", "sent", "errors")
    costs = ("connect", "memory", "warm_up", "server_cpu", "loadgen_cpu", "machine_busy", "loadavg")
    # The promises of the chat at the bare stack's pace: ratios to the bare relay measured
    # back to back, the median of the repeats deciding.
    throughput = Target("deliveries", "app/bare >= 0.8", "min", 0.8)
    p50 = Target("latency_p50", "app <= 1.2 x bare", "max", 1.2)
    p99 = Target("latency_p99", "app <= 1.25 x bare", "max", 1.25)
    joining = Target("connect", "connecting and joining <= 3 x bare", "max", 3)
    memory = Target("memory", "memory per client <= 1.5 x bare", "max", 1.5)
    persisted = Target("persisted", "acknowledged/s app/bare >= 0.8", "min", 0.8)
    persisted_postgresql = Target("persisted", "acknowledged/s app/bare >= 0.7", "min", 0.7)
    ack_p99 = Target("ack_p99", "ack p99 <= 1.5 x bare", "max", 1.5)
    held = Target("still_connected", f"all {c.clients:,} connected", "min", c.clients, of="worst")
    fan_out = Target("activity", "<= 1.2 per client and second", "max", 1.2, of="left")
    scaling = Target("deliveries", "two >= 1.6 x one", "min", 1.6)
    cost = Target("cpu_per_delivery", "two <= 1.25 x one CPU per delivery", "max", 1.25)
    queue = {"database": "postgresql", "message_queue": True}
    app_one = Variant("app x1 (PostgreSQL, Redis queue)", "app", **queue)  # type: ignore[arg-type]
    app_two = replace(app_one, label="app x2 (PostgreSQL, Redis queue)", processes=2)
    bare_one = Variant("bare x1 (Redis queue)", "bare", message_queue=True)
    bare_two = replace(bare_one, label="bare x2 (Redis queue)", processes=2)
    return {
        "a": Scenario(
            "a",
            "one busy room",
            a,
            [
                Pair(APP, BARE, targets=(throughput, p50, p99, joining, memory, NO_LOSS)),
                Pair(
                    APP_GEVENT,
                    BARE_GEVENT,
                    targets=(throughput, p50, p99, joining, memory, NO_LOSS),
                    informational=True,
                ),
            ],
            (*latency, "reads", "edits", "edits_refused", "reactions", "reactions_refused")
            + ("cpu_per_delivery", *costs),
        ),
        "b": Scenario(
            "b",
            "a thousand in the plenary",
            b,
            [
                Pair(APP, BARE, targets=(p99, memory, NO_LOSS)),
                Pair(APP_GEVENT, BARE_GEVENT, targets=(p99, memory, NO_LOSS), informational=True),
            ],
            latency + costs,
        ),
        "c": Scenario(
            "c",
            "idle clients over every room",
            c,
            [Pair(APP, BARE, targets=(held, joining, memory))],
            ("still_connected", "dropped", *costs),
        ),
        "d": Scenario(
            "d",
            "senders as fast as acks come back",
            d,
            [
                Pair(APP, BARE, targets=(persisted, ack_p99, memory, NO_LOSS)),
                Pair(
                    APP_POSTGRESQL,
                    BARE,
                    targets=(persisted_postgresql, ack_p99, memory, NO_LOSS),
                ),
            ],
            ("persisted", "ack_p50", "ack_p99", "deliveries", "latency_p50", "latency_p99")
            + ("lost", "sent", "errors", *costs),
        ),
        "h": Scenario(
            "h",
            "unread counts for 2,000 people in 11 rooms",
            h,
            [Pair(APP, BARE, targets=(fan_out, memory, NO_LOSS))],
            ("activity", "activity_bytes", *latency[:3], "lost", "reads", "edits", "edits_refused")
            + ("reactions", "reactions_refused")
            + ("cpu_per_delivery",)
            + costs,
            note=(
                "Everyone is in one of the 11 rooms and each room gets one message a second: "
                "besides its own room's messages, every client hears of the others through "
                "`room_activity`, gathered per second (EXCHANGE_ACTIVITY_INTERVAL), so that its "
                "rooms list can count what is unread. The bare relay sends no such thing: the "
                "server CPU and latency ratios are the cost of the whole chat, that fan-out "
                "included. Clients report what they read every 5 s; senders say that they "
                "type, and edit one message in ten after its ack; one read report in ten is "
                "followed by a 👍 on the latest message."
            ),
        ),
        "j": Scenario(
            "j",
            "a realistic day",
            j,
            [Pair(APP, BARE, targets=(NO_LOSS,))],
            ("join_p50", "join_p99", *latency, "reads", "reactions", "mentions", "switches")
            + ("cpu_per_delivery", *costs[2:]),
            note=(
                "Shaped like the event's opening: every person signs in and joins at a random "
                "moment of the first minute (a join's time runs from opening the connection to "
                "the join's ack), half of them into the plenary and the rest over the ten other "
                "rooms; messages come from people picked at random over every room, who say "
                "that they type first, and one in eight names (`mentions`) the last person heard "
                "in the room; a keynote's burst of questions adds to the plenary's; everyone "
                "reports what they read every 5 s, one report in ten followed by a 👍; one "
                "person in five leaves their room for another once. A person is owed the "
                "messages sent to a room while they were in it (up to 2 s before leaving it): "
                "lost counts those that never came. The servers' CPU and memory, read every "
                "interval, follow the table."
            ),
        ),
        "e": Scenario(
            "e",
            "two processes sharing a Redis queue",
            e,
            [
                Pair(app_two, app_one, "two/one", targets=(scaling, cost, NO_LOSS)),
                Pair(bare_two, bare_one, "two/one", informational=True),
            ],
            ("deliveries", "persisted", *latency[1:], "cpu_per_delivery", *costs),
            note=(
                "The load of (a), 200 clients in one room, made heavier: 20 senders send in a "
                "closed loop (each its next message as soon as the previous is acknowledged), so "
                "that the servers, not a fixed rate, set the pace and one process is saturated. "
                "On two cores shared with the load generator two processes cannot deliver more "
                "than one, so the cost is compared too: CPU seconds of every server process and "
                "of Redis, from the first send until the last delivery, per 1,000 deliveries."
            ),
        ),
    }
