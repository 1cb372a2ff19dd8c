"""Configuration: typed defaults, then ``EXCHANGE_*`` variables, then explicit overrides.

Every setting is documented in README.md ("Configuration"). Values given in the
environment are parsed as JSON when they look like JSON (numbers, booleans,
lists), so ``EXCHANGE_PORT=8000`` is an integer.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

ASYNC_MODES = ("threading", "eventlet", "gevent")
FILE_STORAGES = ("database", "directory")
#: What a multipart upload may carry besides its file (boundaries, headers, token, alt).
UPLOAD_FORM_OVERHEAD = 64 * 1024


class DefaultConfig:
    """Defaults for every setting; a value of ``None`` means "derive it"."""

    #: SQLAlchemy URL. Relative SQLite paths live in the instance folder.
    DATABASE_URL: str = "sqlite:///exchange.sqlite3"
    DATABASE_POOL_SIZE: int = 10
    #: Seconds a SQLite statement waits for another process's lock (the event loop waits too).
    SQLITE_BUSY_TIMEOUT: float = 2.0
    #: PostgreSQL: give up on a lock or a statement after this many milliseconds.
    DATABASE_LOCK_TIMEOUT_MS: int = 5000
    DATABASE_STATEMENT_TIMEOUT_MS: int = 30000
    SQLITE_SYNCHRONOUS: str = "FULL"
    #: Signs session cookies. Generated once into instance/secret_key when unset.
    SECRET_KEY: str | None = None
    HOST: str = "127.0.0.1"
    PORT: int = 5000
    #: Socket.IO concurrency model; wsgi.py applies the matching monkey patch.
    ASYNC_MODE: str = "threading"
    #: Redis URL for Flask-SocketIO's message queue when running several processes.
    MESSAGE_QUEUE: str | None = None
    #: The Redis channel the processes of one exchange share; another exchange on the
    #: same Redis needs another channel.
    MESSAGE_QUEUE_CHANNEL: str = "exchange"
    #: Origins allowed to open Socket.IO connections; None means the site itself.
    ALLOWED_ORIGINS: list[str] | None = None
    #: Largest Socket.IO packet accepted, in bytes.
    MAX_SOCKET_PAYLOAD: int = 64 * 1024
    #: How many proxies in front of us set X-Forwarded-* headers (nginx: 1).
    TRUSTED_PROXIES: int = 0
    #: Socket.IO connections one account, and one sign-in session (one browser), may hold
    #: open at once, on all processes together; the next one is refused.
    MAX_SOCKETS_PER_ACCOUNT: int = 20
    MAX_SOCKETS_PER_SESSION: int = 10
    #: Connections to the library's namespace (open to anyone, signed in or not) that one
    #: network address may hold open at once on one process; the next one is refused.
    MAX_LIBRARY_SOCKETS_PER_ADDRESS: int = 20
    #: Connections one eventlet server process accepts at once (eventlet's own default is 1,024).
    MAX_CONNECTIONS: int = 10000

    MESSAGE_MAX_LENGTH: int = 4000
    #: Seconds after sending during which authors may edit their message.
    MESSAGE_EDIT_WINDOW: int = 900
    #: A message whose writer does not say its language gets the one read from its words
    #: (rooms/languages.py) when it has at least this many letters...
    LANGUAGE_DETECTION_MIN_LETTERS: int = 15
    #: ...and that language holds at least this share of the probability among the
    #: event's languages; otherwise the language stays unsaid.
    LANGUAGE_DETECTION_MIN_CONFIDENCE: float = 0.9
    #: Different emoji one message may carry (each reaction of each person is one row).
    REACTIONS_PER_MESSAGE: int = 20
    #: Most matching messages one chat search considers and ranks (rooms/search.py).
    MESSAGE_SEARCH_WINDOW: int = 1000
    HISTORY_LIMIT: int = 50
    BACKFILL_LIMIT: int = 500
    #: Seconds between presence broadcasts to a room; 0 sends them immediately.
    PRESENCE_INTERVAL: float = 1.0
    #: Most people listed by name in a presence update (the count is always exact).
    PRESENCE_LIST_LIMIT: int = 200
    #: Seconds over which new messages are gathered into one ``room_activity`` for everyone
    #: (what keeps rooms lists' unread counts live); 0 sends one per message.
    ACTIVITY_INTERVAL: float = 1.0
    #: Seconds over which moved read positions are gathered and written in one transaction
    #: (at most that many seconds of them are lost if a process crashes); 0 writes each at once.
    READ_FLUSH_INTERVAL: float = 1.0
    #: Seconds between the checks that close polls whose closing time came, and announce it.
    POLL_CLOSE_INTERVAL: float = 5.0
    #: Seconds between the looks at a served process's heap that give what it holds free
    #: back to the system once a burst freed a megabyte (serving.HeapTrimmer); 0: never.
    HEAP_TRIM_INTERVAL: float = 0.1
    #: Gathered read positions that are written at once, without waiting for the interval.
    READ_FLUSH_SIZE: int = 1000
    #: Unread messages are counted up to this many per room (a client shows "99+").
    UNREAD_COUNT_LIMIT: int = 100
    NODE_HEARTBEAT_SECONDS: float = 15.0
    NODE_TIMEOUT_SECONDS: float = 45.0
    #: Start the heartbeat and presence loops (tests drive them by hand).
    BACKGROUND_TASKS: bool = True
    #: Build e-books in a worker process and never make a download wait for one; None:
    #: when served under eventlet or gevent (python wsgi.py), not in threading mode.
    EBOOK_WORKER: bool | None = None
    #: Child processes per server process that render Markdown (saves, previews) when
    #: served under eventlet or gevent; 0 renders on a native thread instead.
    OFFLOAD_PROCESSES: int = 2

    #: Flood control: "burst/period": that many at once, refilled over the period.
    RATE_LIMITS: dict[str, str] = {
        "default": "30/10s",  # any Socket.IO event without its own limit
        "send": "8/12s",  # chat messages, per person
        "react": "10/10s",  # reactions given or taken back, per person
        "edit": "6/30s",  # edits of one's messages (each is stored as a revision)
        "join": "30/30s",
        "read": "20/10s",  # read positions (browsers report one every 5 s at most)
        "typing": "3/9s",  # "is typing" (clients send at most one every 4 s)
        "flood": "40/20s",  # refused events a connection may ignore before it is closed
        "register_address": "10/3600s",  # new accounts per network address
        "feedback_address": "5/3600s",  # accessibility feedback per network address
        "practice_save": "30/600s",  # saves of best practices per person (each renders Markdown)
        "practice_autosave": "60/300s",  # kept drafts per person (the form sends one every 3 s)
        "practice_preview": "60/60s",  # Markdown previews per person (each renders a field)
        "upload": "20/60s",  # uploaded files per person (each image is decoded and encoded)
        "reset_address": "10/3600s",  # password-reset requests per network address
        "reset_account": "3/3600s",  # password-reset mails per address asked for
        "ebook_build": "10/600s",  # e-book builds one address may cause (downloads are cached)
        "confirm_account": "5/3600s",  # address-confirmation mails per person
        "question_ask": "5/60s",  # questions (Q&A) per person
        "question_vote": "30/30s",  # votes for questions, and their withdrawals
        "poll_open": "10/60s",  # polls opened per person
        "poll_vote": "20/30s",  # ballots per person (one per poll; refused ones count too)
    }
    #: Failed sign-ins slow down whoever fails, never the account's owner elsewhere: per
    #: network address, and per account and address, ``free`` failures cost nothing, then
    #: each further one doubles the wait before the next attempt, from ``first`` to
    #: ``longest`` seconds; failures are forgotten ``forget`` seconds after the last.
    LOGIN_DELAYS: dict[str, dict[str, float]] = {
        "login_address": {"free": 20, "first": 2, "longest": 900, "forget": 3600},
        "login_account": {"free": 3, "first": 2, "longest": 900, "forget": 3600},
    }
    #: Where buckets live: None uses Redis when MESSAGE_QUEUE is set, else memory.
    RATE_LIMIT_STORAGE: str | None = None
    RATE_LIMIT_PREFIX: str = "exchange:ratelimit"
    #: Longest summary of a practice, and longest long field (Markdown), in characters.
    PRACTICE_SUMMARY_MAX_LENGTH: int = 1000
    PRACTICE_FIELD_MAX_LENGTH: int = 20000
    #: Longest practice, all its texts together, in characters.
    PRACTICE_TOTAL_MAX_LENGTH: int = 100000
    PRACTICES_PER_PAGE: int = 20
    #: People per page of the people directory.
    PEOPLE_PER_PAGE: int = 50
    #: Retention: days a room message is kept before its text and files are erased
    #: (None keeps them); direct messages, once the exchange has them, get their own.
    #: The privacy notice states both.
    RETENTION_ROOM_MESSAGES_DAYS: int | None = 365
    RETENTION_DIRECT_MESSAGES_DAYS: int | None = 90
    #: Days after the event's last day until its rooms become read-only archives.
    ARCHIVE_GRACE_DAYS: int = 7
    #: Minutes before a session starts and after it ends during which its speakers may
    #: mark the questions of its room answered and pin them (they arrive early, and
    #: answer the last questions after the applause).
    SPEAKER_GRACE_MINUTES: int = 30
    #: How many of the newest published practices each Atom feed lists.
    FEED_LENGTH: int = 50
    #: Most matching practices one search considers and ranks (practices/search.py).
    PRACTICE_SEARCH_WINDOW: int = 1000
    #: How many searches' filter counts a process keeps (0: count every time). They are
    #: checked against the library's fingerprint at each use, so never out of date.
    PRACTICE_FACET_CACHE_SIZE: int = 256

    #: Where uploaded files live: "database" (every process reaches them, nothing more to
    #: run) or "directory" (FILE_DIRECTORY, a folder every machine mounts). docs/files.md.
    FILE_STORAGE: str = "database"
    FILE_DIRECTORY: str | None = None
    #: Largest file one upload may carry, in bytes.
    UPLOAD_MAX_BYTES: int = 10 * 1024 * 1024
    #: Most files one chat message may carry.
    ATTACHMENTS_PER_MESSAGE: int = 5
    #: Most pictures and documents one best practice may carry.
    ATTACHMENTS_PER_PRACTICE: int = 20
    #: Most files of slides one session of the agenda may carry.
    ATTACHMENTS_PER_SESSION: int = 10
    #: What one person may upload in any 24 hours: bytes and files.
    UPLOAD_DAILY_BYTES: int = 200 * 1024 * 1024
    UPLOAD_DAILY_FILES: int = 100
    #: Largest image accepted, in pixels (width x height, over all its frames).
    UPLOAD_MAX_PIXELS: int = 50_000_000
    #: Longest side of a stored image, in pixels; larger ones are scaled down.
    IMAGE_MAX_SIDE: int = 4096

    SESSION_LIFETIME_DAYS: int = 30
    #: Minutes a password-reset link works (once).
    PASSWORD_RESET_MINUTES: int = 30
    #: Hours a link to confirm an email address works (once).
    EMAIL_CONFIRM_HOURS: int = 72
    #: Days a personal invitation mailed by an organizer works.
    EMAIL_INVITATION_DAYS: int = 30
    #: Least seconds the answers that must not tell whether an address has an account
    #: (password reset, registration) take, so that known and unknown addresses look alike.
    ACCOUNT_ANSWER_SECONDS: float = 0.5
    PASSWORD_MIN_LENGTH: int = 10
    #: Werkzeug password hashing method; scrypt is the modern default.
    PASSWORD_HASH_METHOD: str = "scrypt"
    LOG_LEVEL: str = "INFO"

    #: Interface languages; None means English plus every translation in exchange/translations.
    LANGUAGES: list[str] | None = None
    DEFAULT_LOCALE: str = "en"
    DEFAULT_TIMEZONE: str = "Europe/Rome"

    #: Who answers questions about personal data (an email address), shown on /privacy.
    PRIVACY_CONTACT: str | None = None

    #: The site's own address as people reach it ("https://exchange.example.eu"). When set,
    #: every absolute link (mail, API, share text, feeds) is built on it whatever Host a
    #: request names, requests for any other host are refused (400), and only its origin
    #: (and ALLOWED_ORIGINS) may open Socket.IO connections. None: http://HOST:PORT for
    #: mail, the request's own host for pages, right only for a demo on one machine.
    SITE_URL: str | None = None
    #: Derived: whether SITE_URL was given (else links follow the request).
    SITE_URL_IS_SET: bool = False
    #: With SITE_URL set, host names served besides its own (".example.eu" takes its
    #: subdomains), e.g. ["127.0.0.1"] for a health check on the loopback.
    ALLOWED_HOSTS: list[str] = []
    #: Where mail goes out: "smtp://user:password@host:587" (STARTTLS), "smtps://user:password@host:465"
    #: (TLS from the start) or "smtp://localhost:25" (a local relay). None: mail is not sent but
    #: written to the log in full and kept in the outbox (the demo).
    SMTP_URL: str | None = None
    #: The sender of every mail: an address, or "Name <address>".
    MAIL_FROM: str = "Spazio Virtuale <noreply@localhost>"
    #: Seconds to wait for the mail server before counting the attempt as failed.
    MAIL_TIMEOUT: float = 15.0
    #: Seconds between the sender's looks at the outbox (at once again after a full batch).
    MAIL_POLL_SECONDS: float = 2.0
    #: Most mails one process takes from the outbox at a time.
    MAIL_BATCH_SIZE: int = 50
    #: Seconds before the 1st, 2nd, ... retry of a mail the server did not take (the last repeats).
    MAIL_RETRY_DELAYS: list[float] = [10, 30, 60, 300, 900, 3600]
    #: Attempts after which a mail is given up (and stays on the dashboard).
    MAIL_MAX_ATTEMPTS: int = 15
    #: Attempts after which a mail still not sent shows on the organizers' dashboard.
    MAIL_FAILING_AFTER: int = 3
    #: Minutes a mention or reply waits, unread, before "right away" mail tells of it; what
    #: else arrives meanwhile comes in the same mail.
    MISSED_MAIL_BATCH_MINUTES: float = 10
    #: The hour (in the event's time zone) from which the daily digest of what was missed goes out.
    MISSED_MAIL_DIGEST_HOUR: int = 8
    #: Seconds between a serving process's looks for what people missed.
    MISSED_MAIL_CHECK_SECONDS: float = 60.0

    #: Where the demo event and the demo practices live; `seed-demo` loads them.
    DEMO_EVENT_FILE: str | None = None
    DEMO_PRACTICES_FILE: str | None = None


def load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` from the defaults, the environment and ``overrides``."""
    app.config.from_object(DefaultConfig)
    for key in dir(DefaultConfig):  # each app gets its own copy of mutable defaults
        if key.isupper() and isinstance(app.config[key], dict | list):
            app.config[key] = copy.deepcopy(app.config[key])
    app.config.from_prefixed_env("EXCHANGE")  # EXCHANGE_RATE_LIMITS__send=4/10s sets one key
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(app.config.get(key), dict):
            app.config[key].update(value)  # a partial table updates the defaults
        else:
            app.config[key] = value

    origins = app.config["ALLOWED_ORIGINS"]
    if isinstance(origins, str):
        app.config["ALLOWED_ORIGINS"] = [o.strip() for o in origins.split(",") if o.strip()]
    if app.config["ASYNC_MODE"] not in ASYNC_MODES:
        raise ValueError(f"EXCHANGE_ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}")
    if app.config["FILE_STORAGE"] not in FILE_STORAGES:
        raise ValueError(f"EXCHANGE_FILE_STORAGE must be one of {', '.join(FILE_STORAGES)}")
    if app.config["FILE_STORAGE"] == "directory" and not app.config["FILE_DIRECTORY"]:
        raise ValueError("EXCHANGE_FILE_STORAGE=directory needs EXCHANGE_FILE_DIRECTORY")
    app.config["SITE_URL_IS_SET"] = bool(app.config["SITE_URL"])
    if app.config["SITE_URL_IS_SET"]:
        site = urlsplit(app.config["SITE_URL"])
        if site.scheme not in ("http", "https") or not site.hostname:
            raise ValueError("EXCHANGE_SITE_URL must be like https://exchange.example.eu")
        hosts = app.config["ALLOWED_HOSTS"]
        if isinstance(hosts, str):
            hosts = [h.strip() for h in hosts.split(",") if h.strip()]
        app.config["ALLOWED_HOSTS"] = [site.hostname, *hosts]
    if not app.config["SITE_URL"]:
        app.config["SITE_URL"] = f"http://{app.config['HOST']}:{app.config['PORT']}"
    app.config["SITE_URL"] = app.config["SITE_URL"].rstrip("/")
    if app.config["LANGUAGES"] is None:
        app.config["LANGUAGES"] = available_languages(Path(app.root_path) / "translations")
    examples = Path(app.root_path).parent / "examples"
    if app.config["DEMO_EVENT_FILE"] is None:
        app.config["DEMO_EVENT_FILE"] = str(examples / "big-european-exchange.toml")
    if app.config["DEMO_PRACTICES_FILE"] is None:
        app.config["DEMO_PRACTICES_FILE"] = str(examples / "demo-practices.toml")

    # No request may be larger than an upload: Werkzeug refuses the rest while reading.
    app.config["MAX_CONTENT_LENGTH"] = (
        app.config["MAX_CONTENT_LENGTH"] or app.config["UPLOAD_MAX_BYTES"] + UPLOAD_FORM_OVERHEAD
    )
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or _instance_secret_key(app)
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(
        days=app.config["SESSION_LIFETIME_DAYS"]
    )
    app.config["SESSION_COOKIE_SAMESITE"] = app.config["SESSION_COOKIE_SAMESITE"] or "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_NAME"] = "exchange_session"
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["DEFAULT_TIMEZONE"]
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # the token lives as long as the session


def _instance_secret_key(app: Flask) -> str:
    """Read the secret key kept in the instance folder, creating it on first use."""
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Write aside, then link into place: a reader never sees a half-written key,
    # and when two processes race, both end up using the first one linked.
    tmp = path.with_name(f".secret_key.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        tmp.unlink()
    return key


def available_languages(translations: Path) -> list[str]:
    """English, then every language that has a catalogue: adding a .po file adds a language."""
    found = sorted(
        path.parent.parent.name for path in translations.glob("*/LC_MESSAGES/messages.po")
    )
    return ["en", *[code for code in found if code != "en"]]
