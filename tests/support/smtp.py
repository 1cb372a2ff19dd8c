"""A real SMTP server for the tests (aiosmtpd on a free port) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from .live import free_port


class _Keeper:
    def __init__(self, inbox: MailServer) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.inbox.lock:
            self.inbox.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class MailServer:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> MailServer:
        self.controller = Controller(_Keeper(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def received(self, to: str | None = None) -> list[EmailMessage]:
        """What arrived so far (to one address, or to anyone)."""
        with self.lock:
            return [m for m in self.messages if to is None or m["To"] == to]

    def wait_for(
        self, count: int, timeout: float = 30, to: str | None = None
    ) -> list[EmailMessage]:
        """Wait until ``count`` mails arrived (to ``to``); return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.received(to)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{len(self.received(to))} of {count} mails arrived in {timeout} s")


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a received mail."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the mail has no plain-text part"
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "the mail has no HTML part"
    return str(part.get_content())
