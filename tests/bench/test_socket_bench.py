"""The socket benchmark works end to end: its quick mode of (a) and (d), real processes throughout.

The real figures come from ``make bench``; this only shows that the exchange and
the bare relay are started, signed in to, driven and measured, and the report
written.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
import threading
from collections.abc import Callable
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from bench import __main__ as bench
from bench import load
from bench import servers
from bench.report import refusal_lines
from bench.report import Report
from bench.scenarios import BARE
from bench.scenarios import Measurement
from exchange.config import DefaultConfig

pytestmark = pytest.mark.live


def test_quick_benchmark_measures_the_app_and_the_bare_relay_and_writes_the_report(tmp_path):
    # SQLite only, one loop: PostgreSQL and Redis are for `make bench`, not for this smoke test.
    output = tmp_path / "performance.md"
    options = bench.parse_args(
        [
            "--quick",
            "--scenarios",
            "a,d",
            "--databases",
            "sqlite",
            "--async-modes",
            "eventlet",
            "--repeat",
            "1",
            "--output",
            str(output),
        ]
    )
    report = bench.execute(options)
    output.write_text(bench.render(report), encoding="utf-8")

    assert [result.scenario.key for result in report.results] == ["a", "d"]
    for result in report.results:
        kinds = set()
        for pair, runs, _ in result.pairs:
            for left, right in runs:
                for measurement in (left, right):
                    kinds.add(measurement.variant.kind)
                    figures = measurement.result
                    assert figures["connected"] == figures["clients"] > 0
                    assert figures["sent"] > 0 and figures["received"] > 0
                    assert figures["deliveries_per_second"] > 0
                    assert figures["latency_ms"]["p99"] is not None
                    assert figures["lost"] == 0, (pair.left.label, figures)
                    assert figures["expected"] == figures["received"]
                    assert measurement.rss_after_kib > 0
                    assert 0 < measurement.warm_clients < figures["connected"]
                    assert measurement.rss_warm_kib is not None
                    assert measurement.memory_per_client_kib is not None
        assert kinds == {"app", "bare"}
    text = output.read_text(encoding="utf-8")
    assert "## (a) one busy room" in text and "## (d) senders as fast as acks come back" in text
    assert "| deliveries/s |" in text and "app (eventlet, SQLite)" in text
    assert "bare (eventlet)" in text and bench.ANALYSIS_MARKER in text


def test_quick_realistic_day_loses_nothing_of_people_arriving_moving_and_mentioning(tmp_path):
    options = bench.parse_args(
        ["--quick", "--scenarios", "j", "--databases", "sqlite", "--async-modes", "eventlet"]
        + ["--repeat", "1", "--output", str(tmp_path / "performance.md")]
    )
    report = bench.execute(options)
    text = bench.render(report)

    [result] = report.results
    [(pair, [(app, bare)], outcomes)] = result.pairs
    for measurement in (app, bare):
        figures = measurement.result
        assert figures["connected"] == figures["clients"] == 22, figures
        assert figures["join_ms"]["count"] == 22 + figures["switches"]
        assert figures["join_ms"]["p99"] is not None and figures["switches"] > 0
        assert figures["sent"] > 0 and figures["expected"] > 0
        assert figures["lost"] == 0, (measurement.variant.label, figures)
        assert figures["reads_sent"] > 0 and figures["typing_sent"] > 0
        assert figures["mentions_sent"] > 0
        assert len(measurement.timeline) >= 3
        assert all(cpu >= 0 and memory > 0 for _, cpu, memory in measurement.timeline)
    assert [outcome.met for outcome in outcomes] == [True]
    assert "## (j) a realistic day: 22 people arriving over 2 s into 11 rooms" in text
    assert "| join p99, connection opened to join's ack (ms) |" in text
    assert "| interval ends (s) | app (eventlet, SQLite): CPU % |" in text


def test_writing_the_report_again_keeps_what_people_wrote_below_the_marker(tmp_path):
    report_file = tmp_path / "performance.md"
    assert bench.kept_analysis(report_file) is None
    report_file.write_text(
        f"# old figures\n\n{bench.ANALYSIS_MARKER}\n\n## What we found\n\nThe commit.\n",
        encoding="utf-8",
    )
    assert bench.kept_analysis(report_file) == "## What we found\n\nThe commit."


def test_a_changed_setting_reaches_the_app_and_is_named_in_the_report(tmp_path):
    options = bench.parse_args(["--app-setting", "EXCHANGE_SQLITE_SYNCHRONOUS=NORMAL"])
    assert options.app_settings == [("EXCHANGE_SQLITE_SYNCHRONOUS", "NORMAL")]
    deployment = servers.Deployment(
        "sqlite:///x.db", tmp_path, "key", tmp_path / "c.json", dict(options.app_settings)
    )
    env = servers.app_env(deployment, 5001, "eventlet")
    assert env["EXCHANGE_SQLITE_SYNCHRONOUS"] == "NORMAL"
    assert env["EXCHANGE_DATABASE_URL"] == "sqlite:///x.db"

    report = Report(
        command="python -m bench",
        repeat=1,
        quick=True,
        started="now",
        app_settings=[("EXCHANGE_SQLITE_SYNCHRONOUS", "NORMAL")],
    )
    assert "changed the app's settings**: `EXCHANGE_SQLITE_SYNCHRONOUS=NORMAL`" in bench.render(
        report
    )
    assert "changed the app's settings" not in bench.render(
        Report(command="python -m bench", repeat=1, quick=True, started="now")
    )


@pytest.mark.parametrize("text", ["SQLITE_SYNCHRONOUS=NORMAL", "EXCHANGE_SQLITE_SYNCHRONOUS"])
def test_a_setting_that_is_not_the_apps_is_refused(text, capsys):
    with pytest.raises(SystemExit):
        bench.parse_args(["--app-setting", text])
    assert "expected EXCHANGE_NAME=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--scenarios", "j,i,h,g,f,e,d,c,b,a"],
        ["--databases", "postgresql, sqlite", "--repeat", "3"],
    ],
)
def test_only_a_whole_run_with_the_defaults_writes_the_record(argv):
    assert bench.report_path(bench.parse_args(argv), argv) == bench.RECORD


@pytest.mark.parametrize(
    "argv",
    [
        ["--scenarios", "a,d"],
        ["--repeat", "1"],
        ["--quick"],
        ["--databases", "sqlite"],
        ["--async-modes", "eventlet"],
        ["--no-profile"],
        ["--day-seconds", "60"],
        ["--practices", "1000"],
        ["--load-processes", "1"],
        ["--app-setting", "EXCHANGE_SQLITE_SYNCHRONOUS=NORMAL"],
    ],
)
def test_a_partial_or_changed_run_never_replaces_the_record(argv):
    assert bench.report_path(bench.parse_args(argv), argv) == bench.SCRATCH_REPORT


def test_a_report_goes_where_it_is_asked_to_whatever_the_run(tmp_path):
    argv = ["--scenarios", "a", "--output", str(tmp_path / "a.md")]
    assert bench.report_path(bench.parse_args(argv), argv) == tmp_path / "a.md"


def test_a_report_written_again_goes_where_the_run_that_measured_it_belongs():
    options = bench.parse_args(["--render", "last-run.pickle"])
    partial = Report(
        command="python -m bench --scenarios a --repeat 1", repeat=1, quick=False, started="now"
    )
    whole = Report(command="python -m bench", repeat=3, quick=False, started="now")
    for report, expected in ((partial, bench.SCRATCH_REPORT), (whole, bench.RECORD)):
        assert bench.report_path(options, bench.measured_argv(report)) == expected


def test_no_event_the_benchmarks_clients_send_is_held_back_by_flood_control(tmp_path):
    # The load's senders go faster than a person may: left at its default (6 per 30 s), the
    # edit limit refused most edits of (a), whose 10 senders edit 15 messages each per 30 s.
    source = Path(load.__file__).read_text(encoding="utf-8")
    events = set(re.findall(r'\.(?:emit|call)\(\s*"(\w+)"', source))
    assert {"join", "leave", "send", "edit", "react", "read", "typing"} <= events
    deployment = servers.Deployment("sqlite:///x.db", tmp_path, "key", tmp_path / "c.json")
    env = servers.app_env(deployment, 5001, "eventlet")
    for event in sorted(events) + ["flood"]:
        name = event if event in DefaultConfig.RATE_LIMITS else "default"
        assert env[f"EXCHANGE_RATE_LIMITS__{name}"] == servers.UNLIMITED, event


def _measured(result):
    return Measurement(BARE, result, 0, 0, 1.0, 0.0, 0.0, 0.0, (0.0, 0.0, 0.0))


def test_the_report_says_why_edits_and_reactions_were_refused():
    runs = [
        (
            _measured({"refusals": {"edit: rate_limited": 3, "react: not_found": 1}}),
            _measured({"refusals": {"edit: rate_limited": 2}}),
        ),
        (_measured({"refusals": {}}), _measured({})),
    ]
    assert refusal_lines(runs) == [
        "Refused, by the acks' error code (all repeats): bare (eventlet), edit: rate_limited: 5; "
        "bare (eventlet), react: not_found: 1.",
        "",
    ]
    assert refusal_lines([(_measured({}), _measured({"refusals": {}}))]) == []


def test_a_tenth_of_the_clients_joins_first_at_least_one_and_never_all():
    assert [load.warm_count(clients) for clients in (0, 1, 2, 6, 10, 11, 200, 2000)] == [
        0,
        0,
        1,
        1,
        1,
        2,
        20,
        200,
    ]


def test_memory_per_client_is_what_each_client_adds_after_the_first_ones_joined():
    # 20 MiB for the first 20 clients (what the process reads once and keeps), then
    # 30 KiB for each of the 180 others.
    measured = Measurement(
        BARE,
        {"connected": 200},
        rss_before_kib=100_000,
        rss_after_kib=100_000 + 20 * 1024 + 180 * 30,
        window_seconds=1.0,
        server_cpu_seconds=0.0,
        loadgen_cpu_seconds=0.0,
        machine_busy_seconds=0.0,
        loadavg=(0.0, 0.0, 0.0),
        rss_warm_kib=100_000 + 20 * 1024,
        warm_clients=20,
    )
    assert measured.memory_per_client_kib == 30
    assert measured.warm_up_mib == 20
    # Nobody joined first (the realistic day): every client counts from the start.
    everyone = _measured({"connected": 4})
    everyone.rss_after_kib = 4 * 50
    assert everyone.memory_per_client_kib == 50 and everyone.warm_up_mib is None


def test_each_sender_edits_one_of_its_own_messages_in_ten():
    # Picking by message id would give nearly every edit to one of senders taking turns.
    edited = _edits_of_senders_taking_turns(senders=3, messages=60)

    assert len(edited) == 6
    assert sorted(index for index, _ in edited) == [0, 0, 1, 1, 2, 2]


def test_senders_taking_turns_edit_at_their_own_moments_not_all_at_once():
    # In step, the ten senders of (a) edited messages 91 to 100 together: a burst every 2 s.
    edited = [message_id for _, message_id in _edits_of_senders_taking_turns(10, 200)]

    assert len(edited) == 20  # one in ten, as before
    assert max(_most_in_any_run(edited, run=10)) <= 2


def _edits_of_senders_taking_turns(senders: int, messages: int) -> list[tuple[int, int]]:
    """Acknowledge ``messages`` to ``senders`` in turn: which sender edited which message."""
    edited: list[tuple[int, int]] = []

    async def take_turns() -> None:
        stats = load.Stats(tag="t")
        clients = [load.BenchClient(i, "http://x", "plenary", None, stats) for i in range(senders)]
        for client in clients:
            client.chatter = True

            async def edit(message_id: int, body: str, index: int = client.index) -> None:
                edited.append((index, message_id))

            client.edit = edit  # type: ignore[method-assign]
        for message_id in range(1, messages + 1):  # in turn: 0, 1, 2..., 0, 1, 2...
            client = clients[(message_id - 1) % senders]
            client._acked(0.0, ({"ok": True, "message": {"id": message_id, "body": "b"}},))
        # The edits are tasks of their own: wait for every one of them, however scheduled.
        pending = asyncio.all_tasks() - {asyncio.current_task()}
        await asyncio.gather(*pending)

    # In a thread of its own: a browser test earlier in the run leaves Playwright's event
    # loop running on this one, where asyncio.run() refuses to start another.
    worker = threading.Thread(target=asyncio.run, args=(take_turns(),))
    worker.start()
    worker.join(timeout=30)
    return edited


def _most_in_any_run(message_ids: list[int], run: int) -> list[int]:
    """How many of ``message_ids`` fall in each ``run`` consecutive message ids."""
    last = max(message_ids)
    return [sum(1 for i in message_ids if start <= i < start + run) for start in range(1, last + 1)]


def test_senders_say_they_type_each_at_its_own_moment_of_the_period(monkeypatch):
    # In step, the ten senders of (a) all said "typing" within 200 ms, every 4 s.
    START = 5000.0  # a monotonic clock starts anywhere
    clock = _Clock()
    monkeypatch.setattr(load, "time", clock)
    stats = load.Stats(tag="t")
    senders = [load.BenchClient(i, "http://x", "plenary", None, stats) for i in range(10)]
    typed: list[float] = []
    for sender in senders:
        sender.sio = _Emitter(lambda event: typed.append(clock.now))
    for round_number in range(80):  # 16 s: each sends every 200 ms, 20 ms after the one before
        for sender in senders:
            clock.now = START + round_number * 0.2 + sender.index * 0.02
            _step(sender.say_typing())

    assert stats.typing_sent == len(typed) == 40  # each at most once every 4 s, as before
    per_second = [sum(1 for at in typed if 0 <= at - START - second < 1) for second in range(16)]
    assert max(per_second) <= 4


class _Clock:
    """Stands for the ``time`` module in bench.load: the test says what time it is."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


class _Emitter:
    """A connection that only notes which events were emitted."""

    def __init__(self, noted: Callable[[str], None]) -> None:
        self.noted = noted

    async def emit(self, event: str, data: object = None, callback: object = None) -> None:
        self.noted(event)


def _step(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine that never waits to its end, without an event loop."""
    with pytest.raises(StopIteration):
        coroutine.send(None)


def test_a_load_generator_collects_no_garbage_while_it_measures_and_collects_again_after():
    # A collection's pause would be counted as the server's lateness for every delivery.
    load._pause_collector()
    try:
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        load._resume_collector()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_processes_sharing_the_clients_never_number_two_messages_alike():
    shards = [load.Stats(tag="t", shard=shard, shards=3) for shard in range(3)]
    numbers = [stats.next_seq() for _ in range(50) for stats in shards]
    assert len(set(numbers)) == len(numbers) == 150


def _part(**figures):
    """One load generator's counts, as its ``result`` line carries them."""
    counts = {
        "clients": 2,
        "connected": 2,
        "connect_seconds": 1.0,
        "connect_errors": [],
        "still_connected": 2,
        "dropped": 0,
        "senders": 1,
        "send_seconds": 10.0,
        "sent": 0,
        "acked_ok": 0,
        "ack_errors": {},
        "ack_timeouts": 0,
        "send_failures": 0,
        "expected": 0,
        "received": 0,
        "lost": 0,
        "first_send": None,
        "last_send": None,
        "last_receive": None,
        "latencies_ms": [],
        "ack_ms": [],
        "join_ms": [],
        "activity_packets": 0,
        "activity_bytes": 0,
        "reads_sent": 0,
        "edits_sent": 0,
        "edits_refused": 0,
        "reactions_sent": 0,
        "reactions_refused": 0,
        "refusals": {},
        "typing_sent": 0,
        "mentions_sent": 0,
        "switches": 0,
    }
    return {**counts, **figures}


def test_what_several_load_generators_saw_is_added_up_as_one_run():
    first = _part(
        sent=3,
        acked_ok=2,
        ack_errors={"rate_limited": 1},
        expected=12,
        received=11,
        lost=1,
        first_send=100.0,
        last_send=109.0,
        last_receive=110.0,
        latencies_ms=[10.0, 12.0],
        join_ms=[5.0],
        refusals={"edit: forbidden": 1},
    )
    second = _part(
        clients=3,
        connected=2,
        connect_seconds=2.5,
        connect_errors=["ConnectionError: refused"],
        sent=2,
        acked_ok=1,
        ack_timeouts=1,
        expected=10,
        received=10,
        first_send=101.0,
        last_send=108.0,
        last_receive=112.0,
        latencies_ms=[40.0],
        join_ms=[7.0],
        refusals={"edit: forbidden": 2},
    )
    run = load.combine([first, second])

    assert (run["clients"], run["connected"], run["failed"]) == (5, 4, 1)
    assert run["connect_seconds"] == 2.5  # everyone is in when the slowest process is
    assert run["connect_errors"] == ["ConnectionError: refused"]
    assert (run["sent"], run["acked_ok"], run["unanswered"]) == (5, 3, 0)
    assert (run["expected"], run["received"], run["lost"]) == (22, 21, 1)
    assert run["window_seconds"] == 12.0  # first send of any process to the last delivery
    assert run["deliveries_per_second"] == 21 / 12
    assert run["latency_ms"]["count"] == 3 and run["latency_ms"]["max"] == 40.0
    assert run["join_ms"]["count"] == 2
    assert run["refusals"] == {"edit: forbidden": 3}


def test_each_load_generator_learns_every_message_of_the_run_to_count_what_it_missed():
    one, other = load.Stats(tag="t", shard=0, shards=2), load.Stats(tag="t", shard=1, shards=2)
    one.sent_by_room = {"plenary": {2, 4}}
    one.sent_at = {2: ("plenary", 1.0), 4: ("plenary", 2.0)}
    other.sent_by_room = {"plenary": {3}, "energy": {5}}
    other.sent_at = {3: ("plenary", 1.5), 5: ("energy", 1.7)}

    merged = load.merge_sent_records([load.sent_record(one), load.sent_record(other)])
    by_room, sent_at = load.read_sent_record(json.loads(json.dumps(merged)))

    assert by_room == {"plenary": {2, 3, 4}, "energy": {5}}
    assert sent_at[5] == ("energy", 1.7)


def test_every_room_of_a_benchmark_database_holds_more_than_a_page_of_history(
    tmp_path, monkeypatch
):
    # Every repeat then joins rooms as people find them, not the first one empty ones.
    import sqlalchemy as sa

    # A benchmark run earlier in this process left CODE at its own copy, deleted since.
    monkeypatch.setattr(servers, "CODE", servers.ROOT)
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    emails = servers.prepare_database(url, tmp_path, 3)

    assert len(emails) == 3
    assert servers.HISTORY_PER_ROOM > DefaultConfig.HISTORY_LIMIT
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        counts = connection.exec_driver_sql(
            "SELECT rooms.slug, count(messages.id) FROM rooms"
            " LEFT JOIN messages ON messages.room_id = rooms.id"
            " WHERE rooms.kind = 'public' AND NOT rooms.is_archived GROUP BY rooms.slug"
        ).all()
    engine.dispose()
    assert len(counts) == 11
    assert {count for _, count in counts} == {servers.HISTORY_PER_ROOM}
