"""Measure the exchange against the bare Flask-SocketIO stack, and its library; write the report.

    .venv/bin/python -m bench                                  # everything, 3 repeats (make bench)
    .venv/bin/python -m bench --scenarios a,d --repeat 1       # report in instance/bench/
    .venv/bin/python -m bench --quick --output /tmp/performance.md   # tiny sizes, in seconds

Scenarios: (a) one busy room, (b) a thousand in the plenary, (c) 2,000 idle clients
over every room, (d) senders as fast as acks come back (SQLite and PostgreSQL),
(e) two processes sharing a Redis queue against one, (f) the library's search and
list (bench/practices_search.py) and the chat's search at 1,000,000 messages
(bench/chat_search.py), (g) uploads of 10 MB pictures while /healthz is
timed (bench/uploads.py), (h) live unread counts for 2,000 people in 11 rooms, (i)
/healthz while the e-book and hostile practices are hammered (bench/hostile.py), (j) a
realistic day: 500 people arriving into 11 rooms, a plenary burst, changing rooms,
reading, typing, reacting and mentioning for 5 minutes (--day-seconds, --day-people). Each
of (a) to (e), (h) and (j) runs the exchange and the bare relay (bench/relay.py) back to
back in every repeat, driven by the same load generator (bench/load.py) in processes
of its own (--load-processes). It needs PostgreSQL at
EXCHANGE_BENCH_POSTGRESQL_URL (default postgresql://127.0.0.1:5432/test) for (d),
(e) and (f), and Redis at EXCHANGE_BENCH_REDIS_URL (default redis://127.0.0.1:6379/0)
for (e).
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from . import chat_search
from . import hostile
from . import markdown_render
from . import method
from . import practices_search
from . import servers
from . import uploads

# Report and ScenarioResult are imported here too: pickles of a run name them so.
from .report import judge
from .report import machine
from .report import now
from .report import Outcome
from .report import pair_table
from .report import profile_lines
from .report import refusal_lines
from .report import Report
from .report import ScenarioResult
from .report import search_table
from .report import search_verdicts
from .report import timeline_table
from .scenarios import Bench
from .scenarios import DAY_PEOPLE
from .scenarios import DAY_SECONDS
from .scenarios import LOAD_PROCESSES
from .scenarios import measure
from .scenarios import Measurement
from .scenarios import Pair
from .scenarios import Scenario
from .scenarios import scenarios
from .scenarios import Variant

logger = logging.getLogger("bench")

ROOT = Path(__file__).resolve().parent.parent
ALL = ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
#: Where a run keeps its figures, so that the report can be written again (--render).
LAST_RUN = ROOT / "instance" / "bench" / "last-run.pickle"
#: The project's record of its performance: only a whole run writes it (:func:`is_whole`).
RECORD = ROOT / "docs" / "performance.md"
#: Where any other run writes its report unless told (``--output``).
SCRATCH_REPORT = ROOT / "instance" / "bench" / "performance.md"
#: The options that change what a run measures; the record is measured with their defaults.
MEASURING_OPTIONS = (
    "scenarios",
    "repeat",
    "quick",
    "day_seconds",
    "day_people",
    "databases",
    "async_modes",
    "profile",
    "practices",
    "load_processes",
    "app_settings",
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--scenarios", default=",".join(ALL), help="which of a,...,i to run")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each scenario (medians)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument(
        "--day-seconds",
        type=float,
        default=DAY_SECONDS,
        help=f"how long the realistic day (j) lasts (default {DAY_SECONDS:g})",
    )
    parser.add_argument(
        "--day-people",
        type=int,
        default=DAY_PEOPLE,
        help=f"how many people come to the realistic day (j) (default {DAY_PEOPLE})",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help=f"where the report goes (default {RECORD.relative_to(ROOT)} for a whole run with "
        f"the defaults, {SCRATCH_REPORT.relative_to(ROOT)} for any other)",
    )
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="the app's databases for (d) and (f)"
    )
    parser.add_argument(
        "--async-modes", default="eventlet,gevent", help="server loops for (a) and (b)"
    )
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="do not profile the app (py-spy) when it misses a target",
    )
    parser.add_argument("--practices", type=int, help="practices for (f) (default 100,000)")
    parser.add_argument(
        "--load-processes",
        type=int,
        default=LOAD_PROCESSES,
        help=f"processes the clients are shared out among (default {LOAD_PROCESSES})",
    )
    parser.add_argument(
        "--app-setting",
        dest="app_settings",
        action="append",
        default=[],
        type=_app_setting,
        metavar="EXCHANGE_NAME=VALUE",
        help="run the app with this setting changed (repeatable; the report lists it), "
        "e.g. EXCHANGE_SQLITE_SYNCHRONOUS=NORMAL",
    )
    parser.add_argument(
        "--render",
        type=Path,
        metavar="PICKLE",
        help="measure nothing: write the report again from a run's saved figures "
        f"(each run saves them in {LAST_RUN.relative_to(ROOT)})",
    )
    return parser.parse_args(argv)


def is_whole(options: argparse.Namespace) -> bool:
    """Whether the run measures what the record measures: every option at its default.

    A run of some scenarios, of one repeat or with a changed setting is a probe: its
    report must not replace the record's tables with a part of them."""
    defaults = parse_args([])
    return all(
        _normal(name, getattr(options, name)) == _normal(name, getattr(defaults, name))
        for name in MEASURING_OPTIONS
    )


def _normal(name: str, value: object) -> object:
    """Comma-separated choices compared as sets: ``sqlite,postgresql`` is the default too."""
    if name in ("scenarios", "databases", "async_modes") and isinstance(value, str):
        return frozenset(_split(value))
    return value


def measured_argv(report: Report) -> list[str]:
    """The options of the run that measured a saved report, read back from its command."""
    return shlex.split(report.command)[3:]


def report_path(options: argparse.Namespace, measured: Sequence[str]) -> Path:
    """Where a report goes: where asked, else the record for a whole run, else scratch.

    ``measured`` are the options of the run that measured the figures (for ``--render``,
    those of the saved run)."""
    if options.output is not None:
        return Path(options.output)
    return RECORD if is_whole(parse_args(measured)) else SCRATCH_REPORT


def _app_setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.startswith("EXCHANGE_"):
        raise argparse.ArgumentTypeError(f"expected EXCHANGE_NAME=VALUE, not {text!r}")
    return name, value


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _wanted(pair: Pair, databases: Sequence[str], modes: Sequence[str]) -> bool:
    for variant in (pair.left, pair.right):
        if variant.kind == "app" and variant.database not in databases:
            return False
        if variant.async_mode not in modes:
            return False
    return True


def _plan(
    options: argparse.Namespace,
) -> tuple[list[Scenario], dict[str, int]]:
    """The scenarios to run, their pairs filtered, and how many accounts each database needs."""
    keys = _split(options.scenarios)
    unknown = set(keys) - set(ALL)
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    databases, modes = _split(options.databases), _split(options.async_modes)
    chosen = []
    accounts: dict[str, int] = {}
    for key, scenario in scenarios(options.quick, options.day_seconds, options.day_people).items():
        if key not in keys:
            continue
        scenario.pairs = [pair for pair in scenario.pairs if _wanted(pair, databases, modes)]
        if not scenario.pairs:
            logger.warning("(%s) skipped: it needs %s", key, "PostgreSQL or another loop")
            continue
        chosen.append(scenario)
        for pair in scenario.pairs:
            for variant in (pair.left, pair.right):
                if variant.kind == "app":
                    accounts[variant.database] = max(
                        accounts.get(variant.database, 0), scenario.load.clients
                    )
    return chosen, accounts


def _postgresql_url() -> str:
    return os.environ.get("EXCHANGE_BENCH_POSTGRESQL_URL", servers.DEFAULT_POSTGRESQL_URL)


def _redis_url() -> str:
    return os.environ.get("EXCHANGE_BENCH_REDIS_URL", servers.DEFAULT_REDIS_URL)


def _run_scenario(scenario: Scenario, bench: Bench, repeat: int, profile: bool) -> ScenarioResult:
    """Measure every variant of the scenario once per repeat, pairs back to back."""
    variants: list[Variant] = []
    for pair in scenario.pairs:
        for variant in (pair.left, pair.right):
            if variant not in variants:
                variants.append(variant)
    runs: list[dict[Variant, Measurement]] = []
    for number in range(repeat):
        logger.info(
            "(%s) repeat %d of %d: %s", scenario.key, number + 1, repeat, scenario.load.describe()
        )
        runs.append({variant: measure(variant, scenario.load, bench) for variant in variants})
    result = ScenarioResult(scenario, [])
    for pair in scenario.pairs:
        pair_runs = [(run[pair.left], run[pair.right]) for run in runs]
        outcomes = judge(scenario, pair, pair_runs)
        result.pairs.append((pair, pair_runs, outcomes))
        missed = any(outcome.met is False for outcome in outcomes)
        if profile and missed and not pair.informational and pair.left.kind == "app":
            logger.info("(%s) %s missed a target: profiling it", scenario.key, pair.left.label)
            again = measure(pair.left, scenario.load, bench, profile=True)
            if again.profile is not None:
                result.profiles[pair.left.label] = again.profile
    return result


def _service_versions(postgresql: bool, redis: bool) -> tuple[str | None, str | None]:
    pg_version = redis_version = None
    if postgresql:
        import sqlalchemy as sa

        from exchange.db import database_url

        engine = sa.create_engine(database_url(_postgresql_url()))
        with engine.connect() as connection:
            pg_version = str(connection.exec_driver_sql("SHOW server_version").scalar())
        engine.dispose()
    if redis:
        import redis as redis_client

        client = redis_client.Redis.from_url(_redis_url(), socket_timeout=5)
        redis_version = str(client.info("server")["redis_version"])
        client.close()
    return pg_version, redis_version


def execute(options: argparse.Namespace) -> Report:
    """Run the chosen scenarios and return the report (not yet written)."""
    started = time.monotonic()
    report = Report(
        command=shlex.join(["python", "-m", "bench", *(getattr(options, "argv", None) or [])]),
        repeat=options.repeat,
        quick=options.quick,
        started=now(),
        app_settings=list(options.app_settings),
        load_processes=options.load_processes,
    )
    chosen, accounts = _plan(options)
    databases = _split(options.databases)
    uses_pg = "postgresql" in accounts or (
        "f" in _split(options.scenarios) and "postgresql" in databases
    )
    uses_redis = any(
        variant.message_queue
        for scenario in chosen
        for pair in scenario.pairs
        for variant in (pair.left, pair.right)
    )
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        code = servers.snapshot(workdir)
        if "exchange" not in sys.modules:  # this process's own setup uses the copy too
            sys.path.insert(0, str(code))
        pg_version, redis_version = _service_versions(uses_pg, uses_redis)
        report.machine_lines = machine(
            pg_version, redis_version, servers.versions(), servers.code_version()
        )
        deployments, rooms = {}, {}
        for database, count in accounts.items():
            logger.info("preparing %s with %d signed-in delegates", database, count)
            deployment = stack.enter_context(
                servers.deployment(
                    database,
                    count,
                    postgresql_url=_postgresql_url(),
                    settings=dict(options.app_settings),
                )
            )
            deployments[database] = deployment
            rooms[database] = servers.room_slugs(deployment.database_url, deployment.workdir)
        rooms.setdefault("sqlite", next(iter(rooms.values()), ["plenary"]))
        bench = Bench(
            workdir,
            deployments,
            rooms,
            redis_url=_redis_url(),
            load_processes=options.load_processes,
        )
        for scenario in chosen:
            profile = options.profile and not options.quick  # tiny runs have nothing to show
            report.results.append(_run_scenario(scenario, bench, options.repeat, profile))
        if "f" in _split(options.scenarios):
            practices = options.practices or (200 if options.quick else 100_000)
            logger.info("(f) the library at %d practices", practices)
            report.search_practices = practices
            report.search = practices_search.run(
                databases,
                practices,
                queries=2 if options.quick else 100,
                report=logger.info,
                postgresql_url=_postgresql_url(),
            )
            messages = 2_000 if options.quick else chat_search.DEFAULT_MESSAGES
            logger.info("(f) the chat's search at %d messages", messages)
            report.search += chat_search.run(
                databases,
                messages,
                queries=2 if options.quick else 100,
                report=logger.info,
                postgresql_url=_postgresql_url(),
            )
            report.search_verdicts = [
                (label, met)
                for label, _, met in search_verdicts(report.search, practices_search.TARGETS_MS)
            ]
            logger.info("(f) the Markdown renderer on hostile input")
            report.markdown = markdown_render.run(repeat=1 if options.quick else 5)
        if "g" in _split(options.scenarios):
            logger.info("(g) uploads of 10 MB pictures while /healthz is timed")
            report.uploads = uploads.run(
                databases,
                uploads=4 if options.quick else 24,
                at_once=2 if options.quick else 8,
                postgresql_url=_postgresql_url(),
                report=logger.info,
            )
        if "i" in _split(options.scenarios):
            logger.info("(i) /healthz while the e-book and hostile practices are hammered")
            report.hostile = hostile.run(
                databases,
                practices=10 if options.quick else 100,
                seconds=3 if options.quick else 30,
                postgresql_url=_postgresql_url(),
                report=logger.info,
            )
    report.seconds = time.monotonic() - started
    return report


#: Below this line the report is written by people (what the figures mean, what was
#: done about them); writing the report again keeps it.
ANALYSIS_MARKER = "<!-- Written by people below this line; `make bench` keeps it. -->"
NO_ANALYSIS = (
    "## What we found\n\n(Nothing written yet: read the figures above and say here what they mean.)"
)


def kept_analysis(path: Path) -> str | None:
    """What people wrote below the marker of the report at ``path``, if anything."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    if ANALYSIS_MARKER not in text:
        return None
    return text.split(ANALYSIS_MARKER, 1)[1].strip() or None


def render(report: Report, rerendered: str | None = None, analysis: str | None = None) -> str:
    """The report as Markdown: machine, method, targets, one table per pair, misses, analysis."""
    lines = [
        "# Performance of the exchange",
        "",
        f"Written by `make bench` (`{report.command}`) on {report.started}, in "
        f"{report.seconds / 60:.0f} minutes"
        + (" — **quick mode: tiny sizes, the figures mean nothing**" if report.quick else "")
        + ".",
        *(
            [
                "",
                f"Written again on {rerendered} from that run's saved figures "
                "(`python -m bench --render`).",
            ]
            if rerendered
            else []
        ),
        "",
        "## The machine",
        "",
        *report.machine_lines,
        "",
        "## How it was measured",
        "",
        *method.method_lines(report.load_processes),
        *(
            [
                "- **This run changed the app's settings**: "
                + ", ".join(f"`{name}={value}`" for name, value in report.app_settings)
                + " (`--app-setting`); they override the above."
            ]
            if report.app_settings
            else []
        ),
        f"- Each scenario ran {report.repeat} time(s); each figure is the median of the runs, "
        "the spread (lowest–highest) in brackets; each ratio is the median of the ratios of the "
        "runs, whose two sides were measured back to back.",
        "",
        "## Targets",
        "",
        "| target | figure | |",
        "|---|---:|---|",
    ]
    for outcome in report.outcomes:
        value = "n/a" if outcome.value is None else f"{outcome.value:,.2f}"
        lines.append(
            f"| {outcome.label} | {value} | {_mark(outcome.met, outcome.pair.informational)} |"
        )
    verdicts = search_verdicts(report.search, practices_search.TARGETS_MS)
    for label, p95, met in verdicts:
        lines.append(f"| {label} | {p95:.1f} ms | {_mark(met)} |")
    slow_renderings = [timing for timing in report.markdown if not timing.met]
    if report.markdown:
        worst = max(report.markdown, key=lambda timing: timing.worst_ms)
        lines.append(
            f"| (f) Markdown: any field, however hostile, <= {markdown_render.TARGET_MS:.0f} ms "
            f"| {worst.worst_ms:.1f} ms ({worst.name}) | {_mark(not slow_renderings)} |"
        )
    for run in report.uploads:
        lines.append(
            f"| (g) {run.database}: /healthz p99 during uploads <= {uploads.TARGET_P99_MS:.0f} ms "
            f"| {run.busy_p99:.1f} ms | {_mark(run.met, run.database != 'postgresql')} |"
        )
    for run in getattr(report, "hostile", []):
        lines.append(
            f"| (i) {run.database}: under attack, /healthz p99 <= {hostile.TARGET_P99_MS:.0f} ms "
            f"and worst loop stall <= {hostile.TARGET_STALL_MS:.0f} ms | {run.busy_p99:.1f} ms, "
            f"{run.worst_stall:.1f} ms | {_mark(run.met, run.database != 'postgresql')} |"
        )
    for result in report.results:
        scenario = result.scenario
        lines += ["", f"## ({scenario.key}) {scenario.title}: {scenario.load.describe()}", ""]
        if scenario.note:
            lines += [scenario.note, ""]
        for pair, runs, outcomes in result.pairs:
            lines += [pair_table(pair, runs, scenario.metrics, outcomes), ""]
            lines += refusal_lines(runs)
            if scenario.load.sample_every:
                lines += [
                    f"The servers' CPU (% of one core) and memory every "
                    f"{scenario.load.sample_every:g} s from the opening:",
                    "",
                    timeline_table(pair, runs),
                    "",
                ]
    if report.search:
        table = search_table(report.search, practices_search.TARGETS_MS)
        lines += [
            "",
            f"## (f) the library: search and list at {report.search_practices:,} practices",
            "",
            *method.SEARCH_METHOD,
            "",
            table,
        ]
    if report.markdown:
        lines += [
            "",
            "### The Markdown renderer on hostile input",
            "",
            *method.MARKDOWN_METHOD,
            "",
            markdown_render.table(report.markdown),
        ]
    if report.uploads:
        lines += [
            "",
            "## (g) uploads: 10 MB pictures, many at once, while /healthz is timed",
            "",
            *method.UPLOAD_METHOD,
            "",
            uploads.table(report.uploads),
        ]
    if getattr(report, "hostile", []):
        lines += [
            "",
            "## (i) an attacker: the e-book in every edition and language, hostile practices saved",
            "",
            *method.HOSTILE_METHOD,
            "",
            hostile.table(report.hostile),
        ]
    lines += ["", "## Targets missed in this run, with the app's profile", ""]
    missed = [o for o in report.outcomes if o.met is False and not o.pair.informational]
    missed_search = [(label, p95) for label, p95, met in verdicts if not met]
    missed_uploads = [run for run in report.uploads if run.database == "postgresql" and not run.met]
    missed_hostile = [
        run
        for run in getattr(report, "hostile", [])
        if run.database == "postgresql" and not run.met
    ]
    if not (missed or missed_search or slow_renderings or missed_uploads or missed_hostile):
        lines.append("Every target was met.")
    for result in report.results:
        scenario = result.scenario
        misses = [o for o in missed if o.scenario is scenario]
        if not misses:
            continue
        lines += [f"### ({scenario.key}) {scenario.title}", ""]
        lines += [f"- missed: {o.label} ({_figure(o)})" for o in misses]
        lines.append("")
        for label, profile in result.profiles.items():
            lines += [
                f"Profile of {label} during ({scenario.key}):",
                "",
                *profile_lines(profile),
                "",
            ]
    if missed_search:
        lines += ["### (f) the library", ""]
        lines += [f"- missed: {label} (p95 {p95:.1f} ms)" for label, p95 in missed_search]
        lines.append("")
    if slow_renderings:
        lines += ["### (f) the Markdown renderer", ""]
        lines += [
            f"- missed: {timing.name} (worst {timing.worst_ms:.1f} ms)"
            for timing in slow_renderings
        ]
        lines.append("")
    if missed_uploads:
        lines += ["### (g) uploads", ""]
        lines += [f"- missed: {run.database} (p99 {run.busy_p99:.1f} ms)" for run in missed_uploads]
        lines.append("")
    if missed_hostile:
        lines += ["### (i) an attacker", ""]
        lines += [
            f"- missed: {run.database} (p99 {run.busy_p99:.1f} ms, worst {run.worst_stall:.1f} ms)"
            for run in missed_hostile
        ]
        lines.append("")
    informational = [o for o in report.outcomes if o.met is False and o.pair.informational]
    if informational:
        lines += ["### For information (gevent, not counted)", ""]
        lines += [f"- {o.label}: {_figure(o)}" for o in informational]
        lines.append("")
    lines += ["", ANALYSIS_MARKER, "", analysis or NO_ANALYSIS]
    return "\n".join(lines).rstrip() + "\n"


def _figure(outcome: Outcome) -> str:
    return "no figure" if outcome.value is None else f"{outcome.value:,.2f}"


def _mark(met: bool | None, informational: bool = False) -> str:
    text = "no figure" if met is None else ("met" if met else "**missed**")
    return text + " (for information)" if informational else text


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    options = parse_args(args)
    options.argv = args
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr
    )
    for noisy in ("exchange", "alembic", "bench.practices_search"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if options.render:
        with options.render.open("rb") as saved:
            report = pickle.load(saved)  # noqa: S301 - our own file
        options.output = report_path(options, measured_argv(report))
        text = render(report, rerendered=now(), analysis=kept_analysis(options.output))
    else:
        options.output = report_path(options, args)
        report = execute(options)
        LAST_RUN.parent.mkdir(parents=True, exist_ok=True)
        with LAST_RUN.open("wb") as saved:
            pickle.dump(report, saved)
        text = render(report, analysis=kept_analysis(options.output))
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    counted = [o.met for o in report.outcomes if not o.pair.informational]
    counted += [met for _, met in report.search_verdicts]
    counted += [run.met for run in report.uploads if run.database == "postgresql"]
    counted += [run.met for run in report.hostile if run.database == "postgresql"]
    logger.info(
        "wrote %s: %d of %d targets met", options.output, sum(map(bool, counted)), len(counted)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
