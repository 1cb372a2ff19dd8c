"""The background task of a serving process that empties the outbox."""

from __future__ import annotations

import logging
import time

from flask import Flask

from ..extensions import socketio
from ..notifications.missed import mail_missed
from .services import deliver_due

logger = logging.getLogger(__name__)


def start(app: Flask) -> None:
    """Start this process's sender (``python wsgi.py`` calls it; tests drive it by hand)."""
    if app.config["BACKGROUND_TASKS"]:
        socketio.start_background_task(_sender_loop, app)


def _sender_loop(app: Flask) -> None:
    """Deliver what is due; look again at once after a full batch, else after a pause.

    Every ``MISSED_MAIL_CHECK_SECONDS`` it also writes the mail of what people
    missed (notifications/missed.py), which the next rounds deliver.
    """
    pause = app.config["MAIL_POLL_SECONDS"]
    batch = app.config["MAIL_BATCH_SIZE"]
    next_missed = time.monotonic()
    while True:
        taken = 0
        try:
            with app.app_context():
                if time.monotonic() >= next_missed:
                    next_missed = time.monotonic() + app.config["MISSED_MAIL_CHECK_SECONDS"]
                    mail_missed()
                taken = deliver_due()
        except Exception:
            logger.exception("the mail sender failed; trying again in %s s", pause)
        if taken < batch:
            socketio.sleep(pause)
