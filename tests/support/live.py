"""The real server process (``python wsgi.py`` under eventlet) and real clients of it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests
import socketio

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PortTaken(RuntimeError):
    """The server could not bind its port: another process took it first."""


class LiveServer:
    """One ``python wsgi.py`` process on a free port, with its log kept for failures."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        *,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.port = port or free_port()
        #: A port picked here may be taken by another process before the server binds it.
        self.port_is_ours_to_change = port is None
        self.extra_env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The environment the server runs with; CLI commands of its site get the same."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("EXCHANGE_")}
        env.update(
            {
                "EXCHANGE_DATABASE_URL": self.database_url,
                "EXCHANGE_HOST": "127.0.0.1",
                "EXCHANGE_PORT": str(self.port),
                "EXCHANGE_SECRET_KEY": "live-test-secret",
                "EXCHANGE_INSTANCE_PATH": str(self.workdir / "instance"),
                "EXCHANGE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "EXCHANGE_PRESENCE_INTERVAL": "0.2",
                "EXCHANGE_LOG_LEVEL": "INFO",
                # The demo event has fixed dates: its rooms stay open whatever the day.
                "EXCHANGE_ARCHIVE_GRACE_DAYS": "36500",
                # Tests drive clients harder than people do; flood control has its own tests.
                **{
                    f"EXCHANGE_RATE_LIMITS__{name}": "100000/1s"
                    for name in (
                        "default",
                        "send",
                        "join",
                        "flood",
                    )
                },
                **{
                    f"EXCHANGE_LOGIN_DELAYS__{name}__free": "100000"
                    for name in ("login_address", "login_account")
                },
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 20, **popen: Any) -> LiveServer:
        """Start ``python wsgi.py`` and wait until it answers ``/healthz``.

        A free port is free only until someone binds it: another test's process can take
        it between :func:`free_port` and the server's bind. Then, unless the test chose
        the port, the server is started again on another one."""
        for _ in range(3):
            try:
                return self._start(timeout, **popen)
            except PortTaken:
                if not self.port_is_ours_to_change:
                    raise
                self.port = free_port()
                self.log_path = self.workdir / f"server-{self.port}.log"
        return self._start(timeout, **popen)

    def _start(self, timeout: float, **popen: Any) -> LiveServer:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            [sys.executable, "wsgi.py"],
            cwd=ROOT,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            **popen,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_tail()
                if "Address already in use" in tail:
                    raise PortTaken(f"port {self.port} was taken:\n{tail}")
                raise RuntimeError(f"server exited early:\n{tail}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop(kill=True)  # a server that never answered must not outlive the test
        raise RuntimeError(f"server did not answer in {timeout} s:\n{self.log_tail()}")

    def stop(self, *, kill: bool = False) -> None:
        """Stop the server: SIGTERM, or SIGKILL (``kill -9``) to simulate a crash."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def command(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``flask --app wsgi ARGS`` as an operator would on this server's machine."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.environment(),
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def login(self, email: str, password: str) -> requests.Session:
        """Sign in through the real login form, CSRF token included."""
        session = requests.Session()
        page = session.get(self.url + "/login", timeout=5)
        token = csrf_token(page.text)
        response = session.post(
            self.url + "/login",
            data={"csrf_token": token, "email": email, "password": password},
            allow_redirects=False,
            timeout=10,
        )
        if response.status_code != 302:
            raise AssertionError(f"login of {email} failed with {response.status_code}")
        return session

    def socket(
        self,
        session: requests.Session | None,
        *,
        client: RecordingClient | None = None,
        url: str | None = None,
        **handlers: Callable[..., Any],
    ) -> RecordingClient:
        """Connect a real python-socketio client over WebSocket with the session's cookie."""
        client = client or RecordingClient(reconnection=False)
        for event, handler in handlers.items():
            client.on(event, handler)
        headers = {}
        if session is not None:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        client.connect(url or self.url, headers=headers, transports=["websocket"], wait_timeout=10)
        return client


class RecordingClient(socketio.Client):
    """A Socket.IO client that records every event it receives, for assertions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.received: list[tuple[str, Any]] = []
        self.on("*", self._record)

    def _record(self, event: str, *args: Any) -> None:
        self.received.append((event, args[0] if args else None))

    def events(self, name: str) -> list[Any]:
        return [data for event, data in self.received if event == name]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return predicate()


class FollowingClient(RecordingClient):
    """A client that follows one room the way the browser does.

    On every (re)connection it joins the room with ``after`` = the last id it
    has, pages through ``has_more``, and keeps each message once by id.
    """

    def __init__(self, room: str, **kwargs: Any) -> None:
        kwargs.setdefault("reconnection", True)
        kwargs.setdefault("reconnection_delay", 0.5)
        kwargs.setdefault("reconnection_delay_max", 2)
        super().__init__(**kwargs)
        self.room = room
        self.messages: dict[int, Any] = {}
        self.duplicates = 0
        self.joins = 0
        self.resyncs = 0
        #: Where the next join catches up from, when not from the last id (paging, resync).
        self.catch_up_from: int | None = None
        self.last_change = 0
        self.on("connect", self._join)
        self.on("message", self._keep)
        self.on("message_hidden", self._change)
        self.on("message_restored", self._change)
        self.on("resync", self._resync)

    @property
    def last_id(self) -> int:
        return max(self.messages, default=0)

    def _keep(self, message: Any) -> None:
        self.received.append(("message", message))
        if message["room"] != self.room:
            return
        if message["id"] in self.messages:
            self.duplicates += 1
        self.messages[message["id"]] = message

    def _change(self, event: Any) -> None:
        self.received.append(("change", event))
        if event["room"] == self.room:
            self._apply({"id": event["id"], "hidden": "message" not in event, **event})

    def _apply(self, change: Any) -> None:
        self.last_change = max(self.last_change, change.get("change", 0))
        if change["hidden"]:
            self.messages.pop(change["id"], None)
        elif "message" in change:
            self.messages[change["id"]] = change["message"]

    def _resync(self, event: Any) -> None:
        """Catch up from where the server says: live messages may be later than lost ones."""
        self.received.append(("resync", event))
        self.resyncs += 1
        self.catch_up_from = min(self.last_id, event.get("after", self.last_id))
        self.last_change = min(self.last_change, event.get("changes_after", self.last_change))
        self._join()

    def _join(self) -> None:
        start = self.catch_up_from if self.catch_up_from is not None else self.last_id
        catching_up = self.catch_up_from is not None or bool(self.messages)
        payload: dict[str, Any] = {"room": self.room, "changes_after": self.last_change}
        if catching_up:
            payload["after"] = start
        self.emit("join", payload, callback=lambda ack: self._joined(ack, catching_up))

    def _joined(self, ack: Any, catching_up: bool) -> None:
        if not ack or not ack.get("ok"):
            return
        self.joins += 1
        for message in ack["messages"]:
            self.messages.setdefault(message["id"], message)
        for change in ack["changes"]:
            self._apply(change)
        self.last_change = max(self.last_change, ack["last_change"])
        if catching_up and ack["has_more"]:
            # More than a page was missed: ask for the next one.
            self.catch_up_from = ack["messages"][-1]["id"] if ack["messages"] else None
            self._join()
            return
        self.catch_up_from = None


def csrf_token(html: str) -> str:
    """The CSRF token of a page: from a form, or from the page's csrf-token meta tag."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', html
    )
    if match is None:
        raise AssertionError("no CSRF token in the page")
    return match.group(1)
