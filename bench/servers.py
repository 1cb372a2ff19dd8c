"""The processes the benchmark measures: the exchange (``python wsgi.py``) and the bare relay.

Each is started on a free port with its own environment and stopped after one
measurement, so that each measurement starts from a fresh process. Their
throwaway databases, the benchmark's accounts and their sign-ins live here too.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .load import BODY

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRESQL_URL = "postgresql://127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
#: The benchmark's accounts all share this password (it passes the app's strength rules).
PASSWORD = "quiet lanterns drift over seven canals"
#: Every flood-control limit the benchmark's clients meet, raised so that it never throttles
#: them. The load's senders send, edit and react faster than one person may: in (a), 10
#: senders share 50 messages/s and edit one message in ten, 15 edits each per 30 s where
#: ``edit`` lets a person make 6 (left at that, it refused most of (a)'s edits).
RATE_LIMIT_NAMES = (
    "default",
    "send",
    "edit",
    "react",
    "join",
    "read",
    "typing",
    "flood",
    "register_address",
    "upload",
)
UNLIMITED = "1000000/1s"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: What a run copies of the work tree, and runs every process from (see :func:`snapshot`).
SNAPSHOT_PARTS = (
    "wsgi.py",
    "pyproject.toml",
    "exchange",
    "templates",
    "static",
    "examples",
    "bench",
)
#: Where the processes' code is: the work tree, or the copy a run took when it began.
CODE = ROOT


def snapshot(workdir: Path) -> Path:
    """Copy the code into ``workdir``; every process of the run starts from the copy.

    A full run takes most of an hour: code edited meanwhile (a new migration, say)
    must not change what is measured half-way through, nor meet a database whose
    schema an older version created.
    """
    global CODE
    target = workdir / "code"
    target.mkdir(parents=True, exist_ok=True)
    for part in SNAPSHOT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target / part)
    CODE = target
    return target


def code_version() -> str:
    """The commit measured, and whether the work tree differed from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", *SNAPSHOT_PARTS],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "unknown (no git)"
    if not commit:
        return "unknown (not a git work tree)"
    if changed:
        return f"commit {commit} with {len(changed)} files changed and not committed"
    return f"commit {commit}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_kib(pid: int) -> int:
    """The resident memory of a process, from /proc/<pid>/status (VmRSS, in KiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def redis_pids() -> list[int]:
    """The machine's Redis server processes (their CPU counts in the cost of a queue)."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "redis-server":
                pids.append(int(comm.parent.name))
        except OSError:  # ended meanwhile
            continue
    return pids


def machine_busy_seconds() -> float:
    """CPU time every core of the machine spent busy so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS


class Server:
    """One server process on a port, with its output kept in a log file."""

    def __init__(
        self, name: str, command: Sequence[str], env: Mapping[str, str], port: int, workdir: Path
    ) -> None:
        self.name = name
        self.command = list(command)
        self.env = dict(env)
        self.port = port
        self.log_path = workdir / f"{name}-{port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 30) -> Server:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            self.command, cwd=CODE, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer in {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass(frozen=True)
class Deployment:
    """What the exchange's processes share: the database, the secret key, the folder."""

    database_url: str
    workdir: Path
    secret_key: str
    #: Cookie headers of the benchmark's accounts, signed in on this database.
    cookies_path: Path
    #: Settings of the app changed for this run (``--app-setting``), applied last.
    settings: Mapping[str, str] = field(default_factory=dict)


def app_env(
    deployment: Deployment,
    port: int,
    async_mode: str,
    message_queue: str | None = None,
    channel: str | None = None,
) -> dict[str, str]:
    """The environment of ``python wsgi.py`` in the benchmark (documented in the report)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("EXCHANGE_")}
    env.update(
        {
            "EXCHANGE_DATABASE_URL": deployment.database_url,
            "EXCHANGE_HOST": "127.0.0.1",
            "EXCHANGE_PORT": str(port),
            "EXCHANGE_SECRET_KEY": deployment.secret_key,
            "EXCHANGE_INSTANCE_PATH": str(deployment.workdir / "instance"),
            "EXCHANGE_ASYNC_MODE": async_mode,
            "EXCHANGE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "EXCHANGE_PRESENCE_INTERVAL": "1",
            "EXCHANGE_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **{f"EXCHANGE_RATE_LIMITS__{name}": UNLIMITED for name in RATE_LIMIT_NAMES},
            **{
                f"EXCHANGE_LOGIN_DELAYS__{name}__free": "1000000"
                for name in ("login_address", "login_account")
            },
        }
    )
    if message_queue:
        env["EXCHANGE_MESSAGE_QUEUE"] = message_queue
        env["EXCHANGE_MESSAGE_QUEUE_CHANNEL"] = channel or f"bench-{secrets.token_hex(4)}"
        env["EXCHANGE_RATE_LIMIT_PREFIX"] = f"{env['EXCHANGE_MESSAGE_QUEUE_CHANNEL']}:ratelimit"
    env.update(deployment.settings)
    return env


def start_app(
    deployment: Deployment,
    async_mode: str = "eventlet",
    message_queue: str | None = None,
    channel: str | None = None,
) -> Server:
    """Start ``python wsgi.py`` on a free port, the way the README serves the exchange."""
    port = free_port()
    env = app_env(deployment, port, async_mode, message_queue, channel)
    command = [sys.executable, "wsgi.py"]
    return Server(f"app-{async_mode}", command, env, port, deployment.workdir).start()


def start_relay(
    workdir: Path,
    async_mode: str = "eventlet",
    message_queue: str | None = None,
    channel: str | None = None,
) -> Server:
    """Start the bare relay (bench/relay.py) on a free port."""
    port = free_port()
    command = [sys.executable, "-m", "bench.relay", "--port", str(port)]
    command += ["--async-mode", async_mode]
    if message_queue:
        command += ["--message-queue", message_queue, "--channel", channel or "bench-relay"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("EXCHANGE_")}
    env["PYTHONUNBUFFERED"] = "1"
    return Server(f"bare-{async_mode}", command, env, port, workdir).start()


# ---------------------------------------------------------------- databases and accounts


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    """A SQLite file in the run's temporary folder (on disk, so that commits really sync)."""
    yield f"sqlite:///{workdir / 'exchange.sqlite3'}"


@contextmanager
def postgresql_database(admin_url: str = DEFAULT_POSTGRESQL_URL) -> Iterator[str]:
    """Create a database on the PostgreSQL server for this run, and drop it afterwards."""
    from exchange.db import database_url

    name = f"exchange_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(database_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def account_emails(count: int) -> list[str]:
    return [f"bench{number:04d}@example.org" for number in range(1, count + 1)]


#: Messages already in every room before the first measurement: more than a join's page of
#: history (EXCHANGE_HISTORY_LIMIT, 50), so that every repeat joins rooms with a full page,
#: as people do, instead of the first joining empty rooms and the next ones the messages
#: the earlier repeats left.
HISTORY_PER_ROOM = 60


def prepare_database(url: str, workdir: Path, accounts: int) -> list[str]:
    """Create the schema and the event, then ``accounts`` delegates, with the app's own services,
    and a history of ``HISTORY_PER_ROOM`` messages in every room.

    The delegates are spread over the event's administrations; they are what
    ``flask --app wsgi create-user --role delegate`` would create.
    """
    from exchange import create_app
    from exchange import schema
    from exchange.accounts import services
    from exchange.accounts.models import Role
    from exchange.event.models import Administration
    from exchange.event.services import list_rooms
    from exchange.event.services import load_event_file
    from exchange.extensions import db
    from exchange.rooms.services import post_message

    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "bench-setup",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "BACKGROUND_TASKS": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    emails = account_emails(accounts)
    with app.app_context():
        schema.upgrade()
        load_event_file(CODE / "examples" / "big-european-exchange.toml")
        administrations = list(db.session.scalars(sa.select(Administration)))
        delegates = [
            services.create_user(
                email=email,
                name=f"Bench Delegate {number + 1:04d}",
                password=PASSWORD,
                role=Role.DELEGATE,
                administration=administrations[number % len(administrations)],
            )
            for number, email in enumerate(emails)
        ]
        for room in list_rooms():
            for number in range(HISTORY_PER_ROOM):
                author = delegates[number % len(delegates)]
                post_message(room, author, f"earlier: {BODY}", f"history-{room.id}-{number}")
        db.session.close()
        db.engine.dispose()
    return emails


def room_slugs(url: str, workdir: Path) -> list[str]:
    """The slugs of the event's open rooms, the plenary first."""
    from exchange import create_app
    from exchange.event.models import Room
    from exchange.extensions import db

    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "bench-setup",
            "BACKGROUND_TASKS": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        slugs = [room.slug for room in db.session.scalars(sa.select(Room).order_by(Room.id))]
        db.engine.dispose()
    return sorted(slugs, key=lambda slug: slug != "plenary")


def load_command(command: str, spec_path: Path) -> list[str]:
    return [sys.executable, "-m", "bench.load", command, str(spec_path)]


def sign_in_accounts(server: Server, emails: Sequence[str], output: Path) -> None:
    """Sign every account in through the server's real /login form; keep the cookies."""
    spec = {
        "url": server.url,
        "emails": list(emails),
        "password": PASSWORD,
        "output": str(output),
        "concurrency": 16,
    }
    spec_path = output.with_suffix(".spec.json")
    spec_path.write_text(json.dumps(spec))
    done = subprocess.run(
        load_command("login", spec_path), cwd=CODE, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"signing in failed:\n{done.stderr[-3000:]}")


@contextmanager
def deployment(
    kind: str,
    accounts: int,
    postgresql_url: str = DEFAULT_POSTGRESQL_URL,
    settings: Mapping[str, str] | None = None,
) -> Iterator[Deployment]:
    """A throwaway database of ``kind`` with the event and ``accounts`` signed-in delegates."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-", dir=_scratch()) as folder:
        workdir = Path(folder)
        maker = (
            sqlite_database(workdir) if kind == "sqlite" else postgresql_database(postgresql_url)
        )
        with maker as url:
            started = time.perf_counter()
            emails = prepare_database(url, workdir, accounts)
            result = Deployment(
                url, workdir, secrets.token_hex(16), workdir / "cookies.json", dict(settings or {})
            )
            server = start_app(result)
            try:
                sign_in_accounts(server, emails, result.cookies_path)
            finally:
                server.stop()
            logger.info(
                "%s: %d accounts created and signed in in %.0f s",
                kind,
                accounts,
                time.perf_counter() - started,
            )
            yield result


def _scratch() -> str | None:
    """Where throwaway folders go: the system's temporary folder unless it is in memory."""
    candidate = Path(tempfile.gettempdir())
    try:
        with open("/proc/mounts") as mounts:
            for line in mounts:
                parts = line.split()
                if parts[1] == str(candidate) and parts[2] in {"tmpfs", "ramfs"}:
                    scratch = ROOT / "instance" / "bench"
                    scratch.mkdir(parents=True, exist_ok=True)
                    return str(scratch)
    except OSError:
        pass
    return None


def versions() -> dict[str, Any]:
    """Versions of what is measured: the servers' libraries, PostgreSQL and Redis."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    found: dict[str, Any] = {}
    for package in ("eventlet", "gevent", "Flask", "Flask-SocketIO", "python-socketio"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    for package in ("python-engineio", "simple-websocket", "aiohttp"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found
