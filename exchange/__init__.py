"""Spazio Virtuale: the virtual exchange space of the Big European Exchange."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .config import load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, socket handlers, CLI, errors."""
    instance_path = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(
        "EXCHANGE_INSTANCE_PATH", str(ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    load_config(app, overrides)
    _configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_file_owners(app)
    _register_missed_sources(app)
    _register_socket_handlers(app)
    _register_cli(app)
    _register_error_handlers(app)
    return app


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=app.config["LOG_LEVEL"],
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # every PDF subsets its fonts
    # WeasyPrint warns of every CSS property it skips and every glyph a font lacks.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)


def _init_extensions(app: Flask) -> None:
    # Features load when an app is built, not with the package: importing one module
    # of exchange (a model, the config) must not pull in every view and service.
    from . import files
    from . import i18n
    from . import lifecycle
    from . import message_queue
    from . import payloads
    from . import ratelimit
    from . import realtime
    from . import security
    from . import socket_json
    from . import templating
    from .accounts import identity
    from .accounts.services import user_for_token
    from .extensions import babel
    from .extensions import csrf
    from .extensions import db
    from .extensions import login_manager
    from .extensions import socketio
    from .offload import cooperative_bodies
    from .practices import events as library_events
    from .rooms import pages as room_pages
    from .rooms import unread

    db.init_app(app)
    # Hostile text is refused before the CSRF check reads the form (it trips on some).
    payloads.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.install_template_gettext(app)
    security.init_app(app)
    realtime.init_app(app)
    lifecycle.init_app(app)
    unread.init_app(app)
    identity.init_app(app)
    room_pages.init_app(app)
    library_events.init_app(app)
    ratelimit.init_app(app)
    templating.init_app(app)
    files.init_app(app)

    login_manager.init_app(app)
    login_manager.user_loader(user_for_token)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"

    # Flask-SocketIO passes every option on to python-socketio; its stubs list fewer.
    socketio.init_app(  # type: ignore[call-arg]
        app,
        async_mode=app.config["ASYNC_MODE"],
        # Always given, so that no app inherits another's manager from the shared extension.
        client_manager=message_queue.client_manager(
            app.config["MESSAGE_QUEUE"],
            app.config["MESSAGE_QUEUE_CHANNEL"],
            functools.partial(lifecycle.resync_cursors, app),
        ),
        # A list, or a function of the origin (python-engineio takes both; the stubs say list).
        cors_allowed_origins=security.socket_origins(app),  # type: ignore[arg-type]
        max_http_buffer_size=app.config["MAX_SOCKET_PAYLOAD"],
        json=socket_json,
        serializer=socket_json.TextPacket,
        logger=False,
        engineio_logger=False,
    )
    app.wsgi_app = cooperative_bodies(app.wsgi_app)  # type: ignore[method-assign]
    security.trust_proxies(app)


def _register_blueprints(app: Flask) -> None:
    # Loaded when an app is built, not with the package (see _init_extensions).
    from . import health
    from .about.views import bp as about_bp
    from .accounts.views import bp as accounts_bp
    from .agenda.views import bp as agenda_bp
    from .announcements.views import bp as announcements_bp
    from .conversations.views import bp as conversations_bp
    from .dashboard.views import bp as dashboard_bp
    from .event.views import bp as event_bp
    from .files.views import bp as files_bp
    from .moderation.views import bp as moderation_bp
    from .notifications.views import bp as notifications_bp
    from .opendata.views import bp as opendata_bp
    from .people.views import bp as people_bp
    from .polls.views import bp as polls_bp
    from .practices.file_views import bp as practice_files_bp
    from .practices.views import bp as practices_bp
    from .questions.views import bp as questions_bp
    from .rooms.mention_views import bp as mentions_bp
    from .rooms.views import bp as rooms_bp

    for blueprint in (
        event_bp,
        agenda_bp,
        accounts_bp,
        rooms_bp,
        announcements_bp,
        mentions_bp,
        notifications_bp,
        practices_bp,
        practice_files_bp,
        questions_bp,
        polls_bp,
        files_bp,
        moderation_bp,
        people_bp,
        conversations_bp,
        dashboard_bp,
        about_bp,
        opendata_bp,
        health.bp,
    ):
        app.register_blueprint(blueprint)


def _register_missed_sources(app: Flask) -> None:
    """Tell the missed-mail what other features have to tell (notifications/missed.py)."""
    # Loaded when an app is built, not with the package (see _init_extensions).
    from .conversations.missed import direct_messages_in
    from .notifications.missed import register_source

    register_source(app, "direct_messages", direct_messages_in)


def _register_file_owners(app: Flask) -> None:
    """Tell the files package what files can be attached to (files/owners.py)."""
    # Loaded when an app is built, not with the package (see _init_extensions).
    from .agenda.archive import SESSION_FILES
    from .files.owners import register
    from .practices.attachments import PRACTICE_FILES
    from .rooms.attachments import MESSAGE_FILES

    register(app, MESSAGE_FILES)
    register(app, PRACTICE_FILES)
    register(app, SESSION_FILES)


def _register_socket_handlers(app: Flask) -> None:
    # Loaded when an app is built, not with the package (see _init_extensions).
    from .extensions import socketio
    from .moderation.events import register_handlers as register_moderation
    from .polls.events import register_handlers as register_polls
    from .practices.events import register_handlers as register_library
    from .questions.events import register_handlers as register_questions
    from .realtime import LIBRARY_NAMESPACE
    from .rooms.events import register_handlers as register_chat
    from .sockets import answer_unknown_event
    from .sockets import handle_socket_error
    from .sockets import quiet_malformed_packets
    from .sockets import route_socket_path

    register_chat(socketio)
    register_moderation(socketio)
    register_library(socketio)
    register_questions(socketio)
    register_polls(socketio)
    for namespace in ("/", LIBRARY_NAMESPACE):
        socketio.on_event("*", answer_unknown_event, namespace=namespace)
    socketio.on_error_default(handle_socket_error)
    quiet_malformed_packets()
    route_socket_path(app)


def _register_cli(app: Flask) -> None:
    # Loaded when an app is built, not with the package (see _init_extensions).
    from .cli import register_commands

    register_commands(app)


def _register_error_handlers(app: Flask) -> None:
    # Loaded when an app is built, not with the package (see _init_extensions).
    from .errors import register_error_handlers

    register_error_handlers(app)
