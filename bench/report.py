"""The benchmark's report: medians of the repeats, ratios measured in the same repeat, targets.

Every figure is the median of the repeats, with their spread (lowest to highest)
in brackets; a ratio is the median of the ratios of each repeat, whose two sides
were measured back to back, so that the machine's other work weighs on both alike.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from .profile import Profile
from .scenarios import Measurement
from .scenarios import Pair
from .scenarios import Scenario
from .scenarios import Target

#: metric -> (label, how to read it from a measurement, format, whether a ratio means something)
METRICS: dict[str, tuple[str, Callable[[Measurement], float | None], str, bool]] = {
    "deliveries": ("deliveries/s", lambda m: m.result["deliveries_per_second"], ",.0f", True),
    "persisted": (
        "messages acknowledged (persisted by the app)/s",
        lambda m: m.result["persisted_per_second"],
        ",.0f",
        True,
    ),
    "latency_p50": (
        "latency p50, send to receiver (ms)",
        lambda m: m.result["latency_ms"]["p50"],
        ",.1f",
        True,
    ),
    "latency_p99": (
        "latency p99, send to receiver (ms)",
        lambda m: m.result["latency_ms"]["p99"],
        ",.1f",
        True,
    ),
    "activity": (
        "room_activity packets per client and second",
        lambda m: m.result.get("activity_per_client_second"),
        ",.2f",
        False,
    ),
    "activity_bytes": (
        "room_activity bytes per client and second",
        lambda m: m.result.get("activity_bytes_per_client_second"),
        ",.0f",
        False,
    ),
    "reads": ("read events sent", lambda m: m.result.get("reads_sent"), ",.0f", False),
    "edits": (
        "edit events sent",
        lambda m: m.result.get("edits_sent"),
        ",.0f",
        False,
    ),
    "edits_refused": ("edits refused", lambda m: m.result.get("edits_refused"), ",.0f", False),
    "reactions": ("react events sent", lambda m: m.result.get("reactions_sent"), ",.0f", False),
    "reactions_refused": (
        "reactions refused",
        lambda m: m.result.get("reactions_refused"),
        ",.0f",
        False,
    ),
    "mentions": (
        "messages mentioning someone",
        lambda m: m.result.get("mentions_sent"),
        ",.0f",
        False,
    ),
    "switches": ("people who changed rooms", lambda m: m.result.get("switches"), ",.0f", False),
    "join_p50": (
        "join p50, connection opened to join's ack (ms)",
        lambda m: (m.result.get("join_ms") or {}).get("p50"),
        ",.1f",
        True,
    ),
    "join_p99": (
        "join p99, connection opened to join's ack (ms)",
        lambda m: (m.result.get("join_ms") or {}).get("p99"),
        ",.1f",
        True,
    ),
    "ack_p50": ("ack p50 (ms)", lambda m: m.result["ack_ms"]["p50"], ",.1f", True),
    "ack_p99": ("ack p99 (ms)", lambda m: m.result["ack_ms"]["p99"], ",.1f", True),
    "lost": ("lost deliveries (of expected)", lambda m: m.result["lost"], ",.0f", False),
    "sent": ("messages sent", lambda m: m.result["sent"], ",.0f", False),
    "errors": (
        "sends refused or unanswered",
        lambda m: (
            sum(m.result["ack_errors"].values())
            + m.result["ack_timeouts"]
            + m.result["send_failures"]
            + max(0, m.result["unanswered"])
        ),
        ",.0f",
        False,
    ),
    "connect": (
        "time to connect and join all clients (s)",
        lambda m: m.result["connect_seconds"],
        ",.1f",
        True,
    ),
    "memory": (
        "server memory per connected client (KiB)",
        lambda m: m.memory_per_client_kib,
        ",.1f",
        True,
    ),
    "warm_up": (
        "server memory the first tenth of the clients added (MiB)",
        lambda m: m.warm_up_mib,
        ",.1f",
        True,
    ),
    "still_connected": (
        "clients connected at the end",
        lambda m: m.result["still_connected"],
        ",.0f",
        False,
    ),
    "dropped": ("clients dropped meanwhile", lambda m: m.result["dropped"], ",.0f", False),
    "server_cpu": (
        "server CPU, % of one core",
        lambda m: m.cpu_percent(m.server_cpu_seconds),
        ",.0f",
        True,
    ),
    "cpu_per_delivery": (
        "CPU s of the servers (and Redis) per 1,000 deliveries",
        lambda m: m.cpu_per_thousand_deliveries,
        ",.3f",
        True,
    ),
    "loadgen_cpu": (
        "load generator CPU, % of one core",
        lambda m: m.cpu_percent(m.loadgen_cpu_seconds),
        ",.0f",
        False,
    ),
    "machine_busy": (
        "whole machine busy, % of one core (of 200)",
        lambda m: m.cpu_percent(m.machine_busy_seconds),
        ",.0f",
        False,
    ),
    "loadavg": ("load average (1 min) at the end", lambda m: m.loadavg[0], ".2f", False),
}


@dataclass
class Outcome:
    """A target of one pair, judged on the repeats."""

    scenario: Scenario
    pair: Pair
    target: Target
    value: float | None
    met: bool | None

    @property
    def label(self) -> str:
        return f"({self.scenario.key}) {self.pair.left.label}: {self.target.text}"


def _values(items: Sequence[Measurement], metric: str) -> list[float]:
    read = METRICS[metric][1]
    return [float(v) for v in (read(m) for m in items) if v is not None]


def _ratios(pairs: Sequence[tuple[Measurement, Measurement]], metric: str) -> list[float]:
    read = METRICS[metric][1]
    found = []
    for left, right in pairs:
        a, b = read(left), read(right)
        if a is not None and b:
            found.append(float(a) / float(b))
    return found


def _cell(values: Sequence[float], fmt: str) -> str:
    if not values:
        return "n/a"
    middle = format(statistics.median(values), fmt)
    low, high = min(values), max(values)
    if len(values) > 1 and format(low, fmt) != format(high, fmt):
        return f"{middle} ({format(low, fmt)}–{format(high, fmt)})"
    return middle


def judge(
    scenario: Scenario, pair: Pair, runs: Sequence[tuple[Measurement, Measurement]]
) -> list[Outcome]:
    outcomes = []
    for target in pair.targets:
        if target.of == "ratio":
            values = _ratios(runs, target.metric)
            value = statistics.median(values) if values else None
        elif target.of == "left":
            values = _values([left for left, _ in runs], target.metric)
            value = statistics.median(values) if values else None
        else:  # the worst repeat decides, and an app on the right side counts too
            sides = [left for left, _ in runs]
            if pair.right.kind == "app":
                sides += [right for _, right in runs]
            values = _values(sides, target.metric)
            worst = max if target.metric == "lost" else min
            value = worst(values) if values else None
        outcomes.append(
            Outcome(scenario, pair, target, value, None if value is None else target.check(value))
        )
    return outcomes


def pair_table(
    pair: Pair,
    runs: Sequence[tuple[Measurement, Measurement]],
    metrics: Sequence[str],
    outcomes: Sequence[Outcome],
) -> str:
    left, right = pair.left.label, pair.right.label
    lines = [
        f"| figure | {left} | {right} | ratio {pair.relation} | target | |",
        "|---|---:|---:|---:|---|---|",
    ]
    for metric in metrics:
        label, _, fmt, ratio = METRICS[metric]
        lefts = _values([a for a, _ in runs], metric)
        rights = _values([b for _, b in runs], metric)
        ratio_cell = _cell(_ratios(runs, metric), ".2f") if ratio else ""
        target_text, mark = "", ""
        for outcome in outcomes:
            if outcome.target.metric == metric:
                target_text = outcome.target.text
                mark = _mark(outcome.met, pair.informational)
        lines.append(
            f"| {label} | {_cell(lefts, fmt)} | {_cell(rights, fmt)} | {ratio_cell} | "
            f"{target_text} | {mark} |"
        )
    return "\n".join(lines)


def refusal_lines(runs: Sequence[tuple[Measurement, Measurement]]) -> list[str]:
    """Why edits and reactions were refused in any repeat, by the acks' error codes."""
    found: Counter[str] = Counter()
    for pair_runs in runs:
        for measurement in pair_runs:
            for reason, count in (measurement.result.get("refusals") or {}).items():
                found[f"{measurement.variant.label}, {reason}"] += count
    if not found:
        return []
    reasons = "; ".join(f"{reason}: {count:,}" for reason, count in sorted(found.items()))
    return [f"Refused, by the acks' error code (all repeats): {reasons}.", ""]


def timeline_table(pair: Pair, runs: Sequence[tuple[Measurement, Measurement]]) -> str:
    """The servers' CPU and memory by interval: medians of the repeats, both sides of the pair."""
    sides = [[left.timeline for left, _ in runs], [right.timeline for _, right in runs]]
    rows = min((len(timeline) for side in sides for timeline in side), default=0)
    lines = [
        f"| interval ends (s) | {pair.left.label}: CPU % | memory MiB | "
        f"{pair.right.label}: CPU % | memory MiB |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in range(rows):
        ends = statistics.median(timeline[row][0] for timeline in sides[0])
        cells = []
        for side in sides:
            cells.append(f"{statistics.median(timeline[row][1] for timeline in side):,.0f}")
            cells.append(f"{statistics.median(timeline[row][2] for timeline in side):,.0f}")
        lines.append(f"| {ends:,.0f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _mark(met: bool | None, informational: bool = False) -> str:
    text = "no figure" if met is None else ("met" if met else "**missed**")
    return text + " (for information)" if informational else text


def machine(
    postgresql: str | None, redis: str | None, versions: dict[str, Any], code: str
) -> list[str]:
    memory_kib = 0
    cpu_model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    lines = [
        f"- {os.cpu_count()} cores ({cpu_model}), {memory_kib / 1024 / 1024:.1f} GiB of memory, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; "
        + ", ".join(f"{name} {version}" for name, version in versions.items()),
        f"- PostgreSQL {postgresql or 'not used'}; Redis {redis or 'not used'}",
        f"- the code measured: {code} (copied when the run began; every process ran the copy)",
        f"- load average when the run started: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        "(other work shares the machine: see each table's CPU rows)",
    ]
    return lines


def search_verdicts(
    measures: Sequence[Any], targets_ms: dict[str, float]
) -> list[tuple[str, float, bool]]:
    """Each kind of query of the library against its p95 target: (label, p95, met)."""
    return [
        (
            f"(f) {item.database} {item.label}: p95 <= {targets_ms[item.kind]:.0f} ms",
            item.p95,
            item.p95 <= targets_ms[item.kind],
        )
        for item in measures
    ]


def search_table(measures: Sequence[Any], targets_ms: dict[str, float]) -> str:
    """The library's figures, as bench.practices_search times them, with each query's target."""
    lines = [
        "| database | query | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms | target p95 | |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for item in measures:
        target = targets_ms[item.kind]
        cpu = (
            f"{statistics.median(item.cpu_ms):.1f} | {_percentile(item.cpu_ms, 0.95):.1f}"
            if item.cpu_ms
            else "n/a | n/a"
        )
        lines.append(
            f"| {item.database} | {item.label} | {item.p50:.1f} | {item.p95:.1f} | {cpu} | "
            f"{target:.0f} | {_mark(item.p95 <= target)} |"
        )
    return "\n".join(lines)


def _percentile(values: Sequence[float], fraction: float) -> float:
    from .practices_search import percentile

    return float(percentile(list(values), fraction))


#: Frames on every stack of a socket event: they say nothing about where the time goes.
DISPATCH = (
    "socketio/server.py",
    "flask_socketio/__init__.py",
    "werkzeug/local.py",
    "engineio/",
    "eventlet/greenthread.py",
    "eventlet/hubs/",
    "greenlet",
)


def profile_lines(profile: Profile, frames: int = 14) -> list[str]:
    """The top frames of a profile, as Markdown: self time, then time including callees."""
    if not profile.samples:
        return ["py-spy took no busy sample of the process."]
    lines = [
        f"py-spy, {profile.samples:,} busy samples in {profile.seconds:.0f} s at 100 Hz "
        f"(busy {100 * profile.busy_share:.0f}% of one core). "
        "Self time (the frame itself running):",
        "",
        "| % of busy samples | frame |",
        "|---:|---|",
    ]
    lines += [f"| {share:.1f} | `{frame}` |" for frame, share in profile.top(profile.own, frames)]
    shares = profile.top(profile.total, 400)
    own = [(frame, share) for frame, share in shares if "exchange/" in frame]
    library = [
        (frame, share)
        for frame, share in shares
        if "exchange/" not in frame and share < 95 and not any(d in frame for d in DISPATCH)
    ]
    lines += [
        "",
        "The exchange's own frames, including what they call:",
        "",
        "| % of busy samples | frame |",
        "|---:|---|",
        *[f"| {share:.1f} | `{frame}` |" for frame, share in own[:frames]],
        "",
        "Library frames, including what they call (event dispatch left out):",
        "",
        "| % of busy samples | frame |",
        "|---:|---|",
        *[f"| {share:.1f} | `{frame}` |" for frame, share in library[:frames]],
    ]
    return lines


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass
class ScenarioResult:
    scenario: Scenario
    #: Per pair: the measurements of each repeat (left, right) and the targets judged.
    pairs: list[tuple[Pair, list[tuple[Measurement, Measurement]], list[Outcome]]]
    profiles: dict[str, Profile] = field(default_factory=dict)


@dataclass
class Report:
    command: str
    repeat: int
    quick: bool
    started: str
    results: list[ScenarioResult] = field(default_factory=list)
    search: list[Any] = field(default_factory=list)
    search_practices: int = 0
    search_verdicts: list[tuple[str, bool]] = field(default_factory=list)
    machine_lines: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: The Markdown renderer's timings (bench.markdown_render), with (f).
    markdown: list[Any] = field(default_factory=list)
    #: Settings of the app changed for this run (--app-setting), as (name, value).
    app_settings: list[tuple[str, str]] = field(default_factory=list)
    #: How many processes the clients were shared out among (bench/load.py).
    load_processes: int = 1
    #: (g): /healthz during uploads (bench.uploads), one run per database.
    uploads: list[Any] = field(default_factory=list)
    #: (h): /healthz under attack (bench.hostile), one run per database.
    hostile: list[Any] = field(default_factory=list)

    @property
    def outcomes(self) -> list[Outcome]:
        return [o for result in self.results for _, _, outcomes in result.pairs for o in outcomes]
