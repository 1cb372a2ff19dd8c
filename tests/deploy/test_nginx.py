"""nginx with the shipped deploy/nginx/spazio-virtuale.conf in front of two real processes.

The file is changed only where a test machine differs from the server (``render_site``):
ports, the checkout's path, a throwaway certificate, and no IPv6 listening. Every proxy
setting is the one production runs, so breaking one of them fails a test here.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from requests.adapters import HTTPAdapter

from exchange import create_app
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.extensions import socketio

from ..conftest import PASSWORD
from ..conftest import test_config
from ..support.live import csrf_token
from ..support.live import free_port
from ..support.live import LiveServer
from ..support.live import RecordingClient
from ..support.services import REDIS_URL
from ..support.services import require
from ..support.services import require_program

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "deploy" / "nginx" / "spazio-virtuale.conf"
#: Debian installs nginx in /usr/sbin, which is not on the PATH of everyone.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _substitute(text: str, pattern: str, replacement: str | Callable[..., str], count: int) -> str:
    text, found = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    if found != count:
        pytest.fail(f"{SHIPPED.name} changed shape: {pattern!r} matched {found} times, not {count}")
    return text


def render_site(
    *, upstreams: list[int], http_port: int, https_port: int, certificate: Path, key: Path
) -> str:
    """The shipped site file, moved onto this machine and nothing else.

    - the upstream's ``server 127.0.0.1:500N;`` lines name the test's processes;
    - ``listen 80`` and ``listen 443 ssl`` become free ports on 127.0.0.1, and the
      ``listen [::]:...`` lines go (a test machine may have no IPv6);
    - the site's name, exchange.example, becomes 127.0.0.1, the name tests reach it by;
    - /srv/spazio-virtuale becomes this checkout, the certificate a throwaway one.

    Each substitution must match exactly where expected, so that a test never
    silently runs something other than the shipped file.
    """
    ports = iter(upstreams)
    text = SHIPPED.read_text()
    text = _substitute(
        text,
        r"^(\s*)server 127\.0\.0\.1:\d+;$",
        lambda match: f"{match.group(1)}server 127.0.0.1:{next(ports)};",
        len(upstreams),
    )
    text = _substitute(
        text, r"^(\s*)listen 80( default_server)?;$", rf"\1listen 127.0.0.1:{http_port}\2;", 2
    )
    text = _substitute(
        text,
        r"^(\s*)listen 443 ssl( default_server)?;$",
        rf"\1listen 127.0.0.1:{https_port} ssl\2;",
        2,
    )
    text = _substitute(text, r"^\s*listen \[::\]:\d+( ssl)?( default_server)?;\n", "", 4)
    text = _substitute(
        text, r"^(\s*)server_name exchange\.example;$", r"\1server_name 127.0.0.1;", 2
    )
    text = _substitute(text, r"^(\s*)root /srv/spazio-virtuale;$", rf"\1root {ROOT};", 1)
    text = _substitute(
        text, r"^(\s*)ssl_certificate \S+;$", rf"\1ssl_certificate {certificate};", 2
    )
    return _substitute(
        text, r"^(\s*)ssl_certificate_key \S+;$", rf"\1ssl_certificate_key {key};", 2
    )


def main_config(directory: Path) -> str:
    """What /etc/nginx/nginx.conf holds around the site, with every file in ``directory``."""
    run_as = ""
    if os.geteuid() == 0:  # workers would otherwise drop to nobody
        run_as = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
daemon off;
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} info;
{run_as}

events {{
    worker_connections 1024;
}}

http {{
    types {{
        text/html html;
        text/css css;
        application/javascript js;
        image/svg+xml svg;
    }}
    default_type application/octet-stream;
    access_log {directory / "access.log"};
{temp}
    include {directory / "spazio-virtuale.conf"};
}}
"""


class Nginx:
    """nginx in the foreground, serving the rendered site from its own directory."""

    def __init__(self, directory: Path, upstreams: list[int], certificate: Path, key: Path):
        self.directory = directory
        self.http_port = free_port()
        self.https_port = free_port()
        directory.mkdir(parents=True)
        (directory / "spazio-virtuale.conf").write_text(
            render_site(
                upstreams=upstreams,
                http_port=self.http_port,
                https_port=self.https_port,
                certificate=certificate,
                key=key,
            )
        )
        (directory / "nginx.conf").write_text(main_config(directory))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def start(self, timeout: float = 10) -> Nginx:
        with open(self.directory / "stderr.log", "ab") as log:
            self.process = subprocess.Popen(
                [NGINX, "-p", str(self.directory), "-c", str(self.directory / "nginx.conf")],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited early:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen in {timeout} s:\n{self.log_tail()}")

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
        logs = [self.directory / "stderr.log", self.directory / "error.log"]
        text = "\n".join(path.read_text(errors="replace") for path in logs if path.exists())
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Stack:
    """nginx in front of two processes that share a database and a Redis channel."""

    nginx: Nginx
    first: LiveServer
    second: LiveServer
    channel: str

    @property
    def url(self) -> str:
        return self.nginx.https_url


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key; clients trust exactly it."""
    require_program("OpenSSL", "openssl")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def start_nginx(
    tmp_path: Path, certificate: tuple[Path, Path]
) -> Iterator[Callable[[list[int]], Nginx]]:
    """Start nginx with the shipped site in front of ``upstreams``; stopped at the end."""
    require_program("nginx", NGINX)
    started: list[Nginx] = []

    def start(upstreams: list[int]) -> Nginx:
        nginx = Nginx(tmp_path / f"nginx-{len(started)}", upstreams, *certificate)
        started.append(nginx)
        return nginx.start()

    yield start
    for nginx in started:
        nginx.stop()


@pytest.fixture
def start_stack(
    database_url: str, tmp_path: Path, start_nginx: Callable[[list[int]], Nginx]
) -> Iterator[Callable[..., Stack]]:
    """Start two processes on the test's database, joined by Redis, behind nginx."""
    require("Redis", REDIS_URL, 6379)
    name = f"exchange-test-{uuid.uuid4().hex}"
    servers: list[LiveServer] = []

    def start(**env: str) -> Stack:
        settings = {
            "EXCHANGE_MESSAGE_QUEUE": REDIS_URL,
            # Channels are global across Redis databases: each test needs its own.
            "EXCHANGE_MESSAGE_QUEUE_CHANNEL": name,
            "EXCHANGE_RATE_LIMIT_PREFIX": f"{name}:ratelimit",
            "EXCHANGE_TRUSTED_PROXIES": "1",
            **env,
        }
        for _ in range(2):
            server = LiveServer(database_url, tmp_path, env=settings)
            servers.append(server)  # before start(): a server that hangs is stopped too
            server.start()
        nginx = start_nginx([server.port for server in servers])
        return Stack(nginx, servers[0], servers[1], channel=name)

    yield start
    for server in servers:
        server.stop()
    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter(f"{name}:*"):
        store.delete(key)
    store.close()


@pytest.fixture
def sockets() -> Iterator[list[RecordingClient]]:
    """Clients to disconnect at the end, whatever happened."""
    clients: list[RecordingClient] = []
    yield clients
    for client in clients:
        if client.connected:
            client.disconnect()


@pytest.fixture
def delegates(make_user: Callable[..., User]) -> list[User]:
    return [
        make_user(Role.DELEGATE, name=name, email=f"{name.lower()}@example.org")
        for name in ("Elena", "Salvatore", "Kasia")
    ]


class SourceAddress(HTTPAdapter):
    """Connect from a chosen loopback address, as if from another machine."""

    def __init__(self, address: str) -> None:
        self.address = address  # before super(): it builds the pool manager
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def https_session(certificate: tuple[Path, Path], source: str | None = None) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # or REQUESTS_CA_BUNDLE would win over the line below
    session.verify = str(certificate[0])
    if source is not None:
        session.mount("https://", SourceAddress(source))
    return session


def sign_in(url: str, session: requests.Session, email: str, password: str = PASSWORD) -> int:
    """Post the real sign-in form at ``url``, as a browser does; return the answer's status.

    Over HTTPS, the CSRF check also wants a Referer of this very site (the page's
    Referrer-Policy sends it), which the app recognises only if nginx tells it its
    public scheme, host and port.
    """
    token = csrf_token(session.get(url + "/login", timeout=10).text)
    response = session.post(
        url + "/login",
        data={"csrf_token": token, "email": email, "password": password},
        headers={"Referer": url + "/login"},
        allow_redirects=False,
        timeout=10,
    )
    return response.status_code


def connect(
    url: str, session: requests.Session, transport: str, sockets: list[RecordingClient]
) -> RecordingClient:
    """A python-socketio client on one transport, with the session's cookie and certificate."""
    client = RecordingClient(reconnection=False, http_session=session)
    sockets.append(client)
    client.connect(url, transports=[transport], wait_timeout=10)
    return client


def send(client: RecordingClient, body: str) -> dict[str, Any]:
    ack = client.call(
        "send", {"room": "plenary", "body": body, "client_id": uuid.uuid4().hex}, timeout=10
    )
    assert ack["ok"], ack
    return ack["message"]  # type: ignore[no-any-return]


def received(client: RecordingClient, message: dict[str, Any]) -> bool:
    return client.wait_for(lambda: message in client.events("message"), timeout=10)


@pytest.mark.live
@pytest.mark.redis
def test_socket_io_works_through_nginx_over_websocket_and_over_long_polling(
    start_stack, delegates, certificate, sockets
):
    stack = start_stack()
    clients = {}
    for person, transport in zip(delegates, ("websocket", "polling"), strict=False):
        session = https_session(certificate)
        assert sign_in(stack.url, session, person.email) == 302
        clients[transport] = connect(stack.url, session, transport, sockets)
    for transport, client in clients.items():
        assert client.transport() == transport
        assert client.call("join", {"room": "plenary"}, timeout=10)["ok"]

    # Each long-polling packet is a request of its own, and each must reach the one
    # process that holds the connection (of two): nginx must keep the client there.
    over_polling = [send(clients["polling"], f"by long-polling {i}") for i in range(5)]
    for message in over_polling:
        assert received(clients["websocket"], message)
    over_websocket = send(clients["websocket"], "by WebSocket")
    assert received(clients["polling"], over_websocket)


@pytest.mark.live
@pytest.mark.redis
def test_messages_cross_between_the_two_processes_through_redis(
    start_stack, delegates, certificate, sockets
):
    stack = start_stack()
    session = https_session(certificate)
    assert sign_in(stack.url, session, delegates[0].email) == 302
    proxied = connect(stack.url, session, "websocket", sockets)
    direct = []
    for server, person in zip((stack.first, stack.second), delegates[1:], strict=True):
        direct.append(server.socket(server.login(person.email, PASSWORD)))
        sockets.append(direct[-1])
    everyone = [proxied, *direct]
    for client in everyone:
        assert client.call("join", {"room": "plenary"}, timeout=10)["ok"]
    # Each process subscribes when it gets its first connection; wait for both.
    queue = redis.Redis.from_url(REDIS_URL)
    assert proxied.wait_for(
        lambda: dict(queue.pubsub_numsub(stack.channel)).get(stack.channel.encode()) == 2
    ), "both processes should listen on the test's Redis channel"
    queue.close()

    # nginx put the proxied client on one of the processes; the direct clients are on
    # both. Whoever sends, the clients of the other process get it through Redis.
    for sender in everyone:
        message = send(sender, f"from client {everyone.index(sender)}")
        for receiver in everyone:
            if receiver is not sender:
                assert received(receiver, message)


@pytest.mark.live
@pytest.mark.redis
def test_behind_nginx_the_app_knows_it_is_served_over_https_at_the_public_address(
    start_stack, make_user, write, certificate
):
    practice = write(make_user(Role.DELEGATE), published=True)
    stack = start_stack()
    # A client's own X-Forwarded-* headers must not count: nginx says what is true.
    lies = {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example"}
    lies["X-Forwarded-Port"] = "8080"
    session = https_session(certificate)

    page = session.get(stack.url + "/login", headers=lies, timeout=10)
    assert page.status_code == 200
    assert re.search(r"exchange_session=[^,]*;\s*Secure", page.headers["Set-Cookie"], re.I)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    shown = session.get(f"{stack.url}/api/practices/{practice.id}", headers=lies, timeout=10)
    assert shown.json()["practice"]["url"] == (
        f"{stack.url}/practices/{practice.id}-{practice.slug}"
    )

    # The same process, asked directly over plain HTTP, says so: it is nginx's word.
    direct = requests.get(stack.first.url + "/login", timeout=10)
    assert "secure" not in direct.headers["Set-Cookie"].lower()
    assert "Strict-Transport-Security" not in direct.headers


@pytest.mark.live
@pytest.mark.redis
def test_behind_nginx_the_app_sees_each_client_s_address_not_nginx_s(start_stack, certificate):
    # Failed sign-ins slow down their address: three are free, then it waits ten minutes.
    stack = start_stack(
        EXCHANGE_LOGIN_DELAYS__login_address__free="3",
        EXCHANGE_LOGIN_DELAYS__login_address__first="600",
    )

    def attempt(source: str, **headers: str) -> int:
        session = https_session(certificate, source=source)
        session.headers.update(headers)
        return sign_in(stack.url, session, "nobody@example.org", "wrong password")

    assert [attempt("127.0.0.2") for _ in range(3)] == [422, 422, 422]
    assert attempt("127.0.0.2") == 429
    # Claiming to be someone else changes nothing: nginx appends the real address.
    assert attempt("127.0.0.2", **{"X-Forwarded-For": "198.51.100.7"}) == 429
    # Another address may still try: the app did not count nginx's own address.
    assert attempt("127.0.0.3") == 422


@pytest.mark.live
def test_nginx_serves_static_files_itself_and_sends_plain_http_to_https(start_nginx, certificate):
    nginx = start_nginx([free_port(), free_port()])  # nothing listens there
    trusted = {"verify": str(certificate[0]), "timeout": 10}

    stylesheet = requests.get(nginx.https_url + "/static/css/app.css", **trusted)
    assert stylesheet.status_code == 200
    assert stylesheet.content == (ROOT / "static" / "css" / "app.css").read_bytes()
    assert stylesheet.headers["Content-Type"].startswith("text/css")
    assert stylesheet.headers["Content-Encoding"] == "gzip"
    assert stylesheet.headers["X-Content-Type-Options"] == "nosniff"
    max_age = re.search(r"max-age=(\d+)", stylesheet.headers["Cache-Control"])
    assert max_age and int(max_age.group(1)) >= 3600
    # Everything else is the app's: with no process up, nginx has nothing to answer.
    assert requests.get(nginx.https_url + "/", **trusted).status_code == 502

    redirect = requests.get(
        nginx.http_url + "/practices?q=energy", allow_redirects=False, timeout=10
    )
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == "https://127.0.0.1/practices?q=energy"


def test_socket_io_is_proxied_over_http_1_1_unbuffered_and_outlasts_a_ping(tmp_path):
    # What the live tests cannot see: eventlet accepts a WebSocket over HTTP/1.0, which
    # the standard forbids, and no test waits for a ping or holds a long answer.
    site = SHIPPED.read_text()
    assert re.search(r"^    proxy_http_version 1\.1;", site, re.MULTILINE)
    block = re.search(r"location /socket\.io/ \{(.*?)\}", site, re.DOTALL)
    assert block, "the shipped file should have a location for /socket.io/"
    assert re.search(r"^\s*proxy_buffering off;$", block.group(1), re.MULTILINE)
    timeout = re.search(r"^\s*proxy_read_timeout (\d+)s;$", block.group(1), re.MULTILINE)
    assert timeout, "proxy_read_timeout should be set, in seconds"

    create_app(test_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path))
    engine = socketio.server.eio
    # The longest a healthy connection stays silent: a ping interval, then its answer.
    silence = engine.ping_interval + engine.ping_interval_grace_period + engine.ping_timeout
    assert int(timeout.group(1)) > silence


@pytest.mark.live
def test_nginx_closes_connections_that_name_another_host(start_nginx, certificate):
    nginx = start_nginx([free_port(), free_port()])  # nothing listens there: the site answers 502
    trusted = {"verify": str(certificate[0]), "timeout": 10}
    assert requests.get(nginx.https_url + "/", **trusted).status_code == 502
    for url in (nginx.https_url, nginx.http_url):
        for host in ("evil.example", "127.0.0.1.evil.example"):
            with pytest.raises(requests.ConnectionError):
                requests.get(url + "/login", headers={"Host": host}, **trusted)
