"""Talk to the mail server named by EXCHANGE_SMTP_URL, or write mail to the log instead."""

from __future__ import annotations

import ipaddress
import logging
import smtplib
import ssl
from email.message import EmailMessage
from types import TracebackType
from urllib.parse import unquote
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

SCHEMES = ("smtp", "smtps")


class MailConfigError(ValueError):
    """EXCHANGE_SMTP_URL cannot be used as it is."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SmtpTransport:
    """One connection to the mail server, for one batch of mails.

    ``smtps://`` speaks TLS from the start (port 465); ``smtp://`` upgrades with
    STARTTLS whenever the server offers it (port 587), and sends a password
    unencrypted only to a relay on this machine.
    """

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise MailConfigError("EXCHANGE_SMTP_URL must look like smtp://user:password@host:587")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else ""
        self.timeout = timeout
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        context = ssl.create_default_context()
        if self.tls:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if not self.tls and connection.has_extn("starttls"):
                connection.starttls(context=context)
                connection.ehlo()
                self.tls = True
            if self.username:
                if not self.tls and not _is_loopback(self.host):
                    raise MailConfigError(
                        f"{self.host} offers no STARTTLS: the password is not sent in clear"
                    )
                connection.login(self.username, self.password)
        except BaseException:
            connection.close()
            raise
        self.connection = connection
        return self

    def send(self, message: EmailMessage) -> None:
        assert self.connection is not None
        self.connection.send_message(message)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except (OSError, smtplib.SMTPException):
            self.connection.close()
        self.connection = None


class LogTransport:
    """The demo's "mail server": every mail goes to the log, in full, and counts as sent."""

    def __enter__(self) -> LogTransport:
        return self

    def send(self, message: EmailMessage) -> None:
        text = message.get_body(preferencelist=("plain",))
        headers = "\n".join(f"{name}: {value}" for name, value in message.items())
        body = text.get_content() if text is not None else ""
        logger.info(
            "mail not sent (EXCHANGE_SMTP_URL is not set); here it is:\n%s\n\n%s", headers, body
        )

    def __exit__(self, *exc: object) -> None:
        return None


def open_transport(url: str | None, timeout: float) -> SmtpTransport | LogTransport:
    """The transport for EXCHANGE_SMTP_URL; the log when it is not set."""
    return SmtpTransport(url, timeout) if url else LogTransport()
