"""Fixtures shared by the whole suite.

Every test that uses ``app`` runs twice: on SQLite and on the real PostgreSQL
at 127.0.0.1:5432 (tests marked ``postgresql``). Outside CI, an unreachable
PostgreSQL skips its half with the reason; in CI it fails.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from exchange import create_app
from exchange.accounts import services as accounts
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_administration
from exchange.event.services import load_event_file
from exchange.extensions import db
from exchange.extensions import socketio
from exchange.practices import services as practices
from exchange.practices.models import Practice

from .support import browser as chromium
from .support import databases
from .support.accessibility import install_axe
from .support.live import LiveServer
from .support.practices import content
from .support.services import POSTGRESQL_URL
from .support.services import require
from .support.smtp import MailServer

ROOT = Path(__file__).resolve().parent.parent
DEMO_EVENT = ROOT / "examples" / "big-european-exchange.toml"
PASSWORD = "correct horse battery staple"


def _shared_folder() -> Path:
    """What every developer and CI have beside the project: ../shared from its root.

    A clone of a local checkout (``git clone . "$(mktemp -d)"``, to try the suite
    as CI does) finds it beside the checkout it was cloned from.
    EXCHANGE_TEST_SHARED_DIR names it outright.
    """
    if "EXCHANGE_TEST_SHARED_DIR" in os.environ:
        return Path(os.environ["EXCHANGE_TEST_SHARED_DIR"])
    beside = ROOT.parent / "shared"
    if beside.exists():
        return beside
    origin = subprocess.run(
        ["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if origin and Path(origin).is_dir() and (Path(origin).resolve().parent / "shared").exists():
        return Path(origin).resolve().parent / "shared"
    return beside


SHARED = _shared_folder()


@pytest.fixture(autouse=True, scope="session")
def _clean_environment() -> Iterator[None]:
    """Keep a developer's EXCHANGE_* settings out of the tests."""
    saved = {
        key: value
        for key, value in os.environ.items()
        if key.startswith("EXCHANGE_") and not key.startswith("EXCHANGE_TEST_")
    }
    for key in saved:
        del os.environ[key]
    yield
    os.environ.update(saved)


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A PostgreSQL database of this test run, with the schema, dropped at the end."""
    require("PostgreSQL", POSTGRESQL_URL, 5432)
    with databases.postgresql_database() as url:
        databases.create_schema(url)
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> databases.SQLiteTemplate:
    """The empty SQLite schema of this run, copied into each test's folder."""
    return databases.SQLiteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        return template.copy_to(tmp_path / "exchange.sqlite3")  # type: ignore[no-any-return]
    url = request.getfixturevalue("postgresql_url")
    databases.empty_tables(url)
    return url


def test_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "BACKGROUND_TASKS": False,
        "PRESENCE_INTERVAL": 0,
        "READ_FLUSH_INTERVAL": 0,  # tests of the gathering set their own and flush by hand
        "NODE_TIMEOUT_SECONDS": 3600,
        "SQLITE_SYNCHRONOUS": "NORMAL",
        "LOG_LEVEL": "WARNING",
        # The demo event has fixed dates: keep its rooms open whatever day the tests run
        # (tests/event/test_phases.py moves the clock and the grace period itself).
        "ARCHIVE_GRACE_DAYS": 36500,
        "ACCOUNT_ANSWER_SECONDS": 0.05,  # the timing tests set their own
    }


test_config.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The application, with no context pushed: requests and socket events get their own.

    (A test that pushed one would share it, and its ``g`` and database session,
    with every request it makes; use the ``app_ctx`` fixture only in tests that
    call services directly.)
    """
    application = create_app(test_config(database_url, tmp_path))
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """An application context for tests that call services and models directly."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def event(app: Flask) -> None:
    """The demo event: eleven rooms, seven Italian municipalities and 35 demo ones."""
    with app.app_context():
        load_event_file(DEMO_EVENT)


@pytest.fixture
def make_user(app: Flask, event: None) -> Callable[..., User]:
    """Create accounts: ``make_user(Role.DELEGATE, administration="ferla")``."""
    counter = iter(range(1, 10_000))

    def make(
        role: Role | str = Role.DELEGATE,
        *,
        administration: str | None = None,
        name: str | None = None,
        email: str | None = None,
        password: str = PASSWORD,
    ) -> User:
        role = Role(role)
        number = next(counter)
        if administration is None and role is Role.DELEGATE:
            administration = "campi-bisenzio"
        with app.app_context():
            user = accounts.create_user(
                email=email or f"{role.value}{number}@example.org",
                name=name or f"{role.value.title()} {number}",
                password=password,
                role=role,
                administration=get_administration(administration) if administration else None,
            )
            _ = user.administration  # load it while the session is open
            return user

    return make


@pytest.fixture
def login(app: Flask) -> Callable[[FlaskClient, User], User]:
    """Sign a test client in as ``user`` (a real sign-in session, no form)."""

    def sign_in(client: FlaskClient, user: User) -> User:
        with app.app_context():
            # Load afresh: merging the test's copy would write its stale fields back.
            login_session = accounts.start_login_session(db.session.get(User, user.id))
        with client.session_transaction() as session:
            session["_user_id"] = login_session.token
            session["_fresh"] = True
        return user

    return sign_in


@pytest.fixture
def connect(
    app: Flask, login: Callable[[FlaskClient, User], User]
) -> Callable[..., SocketIOTestClient]:
    """Open a Socket.IO test connection as ``user`` (or anonymously with None)."""
    clients: list[SocketIOTestClient] = []

    def open_connection(user: User | None) -> SocketIOTestClient:
        http = app.test_client()
        if user is not None:
            login(http, user)
        connection = socketio.test_client(app, flask_test_client=http)
        clients.append(connection)
        return connection

    yield open_connection  # type: ignore[misc]
    for connection in clients:
        if connection.is_connected():
            connection.disconnect()


@pytest.fixture
def write(app: Flask, make_user: Callable[..., User]) -> Callable[..., Practice]:
    """Write a practice through the services: ``write(author, published=True, title=...)``.

    It runs in its own application context and returns the stored practice,
    detached (its columns are loaded; fetch it again to follow relationships).
    """
    reviewers: list[User] = []

    def write_practice(
        author: User, *, published: bool = False, submitted: bool = False, **fields: Any
    ) -> Practice:
        with app.app_context():
            author = db.session.merge(author)
            practice = practices.create_practice(author, content(**fields))
            if submitted or published:
                practices.submit_practice(practice, author)
            if published:
                if not reviewers:
                    reviewers.append(make_user(Role.MODERATOR, name="Reviewer"))
                practices.publish_practice(practice, db.session.merge(reviewers[0]))
            return practice

    return write_practice


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The real ``python wsgi.py`` under eventlet, on a free port, on this test's database."""
    server = LiveServer(database_url, tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server (aiosmtpd) on a free port that keeps every mail it receives."""
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app: Flask, mail_server: MailServer) -> Flask:
    """The application, sending its mail to ``mail_server``."""
    app.config["SMTP_URL"] = mail_server.url
    app.config["SITE_URL"] = "https://exchange.example.eu"
    return app


@pytest.fixture
def deliver(mail_app: Flask) -> Callable[[], int]:
    """Run the sender once, as a serving process's background task does."""
    from exchange.mail.services import deliver_due

    def run() -> int:
        with mail_app.app_context():
            return deliver_due()

    return run


@pytest.fixture(scope="session")
def naughty_strings() -> list[str]:
    """The Big List of Naughty Strings (MIT), from ../shared/corpora/blns.json."""
    import json

    path = SHARED / "corpora" / "blns.json"
    if not path.exists():
        pytest.fail(f"{path} is missing: the hostile-input tests need it")
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium under Playwright, shared by the browser tests of a run."""
    yield from chromium.launch()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Callable[..., Any]:
    """Open a page in a fresh browser context (its own cookies), watched for misbehaviour."""
    contexts = []

    def open_page(*, width: int = 1280, height: int = 800) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height})
        install_axe(context)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.watch = chromium.PageWatch(origin=live_server.url)
        page.watch.attach(page)
        return page

    yield open_page  # type: ignore[misc]
    for context in contexts:
        context.close()


def sign_in(page: Any, live_server: LiveServer, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form, as a person would."""
    page.goto(live_server.url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(live_server.url + "/")
