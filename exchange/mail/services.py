"""Write mail into the outbox with the change that causes it; deliver it after the commit.

A feature never talks to the mail server. It calls :func:`queue_mail` before its
own commit, so the mail exists if and only if the change does; the sender of each
serving process (:mod:`.sender`) delivers what is due, with growing delays while
the server is unreachable, and several processes never send the same row.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import smtplib
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from email.utils import make_msgid
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..accounts.services import is_deliverable_email
from ..accounts.services import normalize_email
from ..db import utcnow
from ..errors import Invalid
from ..extensions import db
from .models import OutgoingMail
from .transport import MailConfigError
from .transport import open_transport

logger = logging.getLogger(__name__)

#: How long a process may hold a claimed batch before another may take it over.
CLAIM_SECONDS = 600


def site_url(endpoint: str, **values: Any) -> str:
    """An absolute link to ``endpoint`` on EXCHANGE_SITE_URL, built without a request."""
    parts = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def recipient_locale(user: User | None) -> str:
    """The language a person reads mail in: the interface language they chose."""
    languages = current_app.config["LANGUAGES"]
    if user is not None and user.locale in languages:
        return user.locale  # type: ignore[return-value]
    return current_app.config["DEFAULT_LOCALE"]  # type: ignore[no-any-return]


def _message_id() -> str:
    _name, address = parseaddr(current_app.config["MAIL_FROM"])
    domain = address.rpartition("@")[2] or urlsplit(current_app.config["SITE_URL"]).hostname
    return make_msgid(domain=domain or "localhost")


def queue_mail(
    *,
    kind: str,
    to: str,
    template: str,
    subject: Any,
    user: User | None = None,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> OutgoingMail:
    """Render ``mail/<template>.txt`` and ``.html`` in the recipient's language into the outbox.

    Nothing is committed: the mail belongs to the caller's transaction. ``subject``
    is usually a lazy string, rendered in the recipient's language here.
    """
    with force_locale(recipient_locale(user)):
        subject_text = str(subject)
        context = {"subject": subject_text, "recipient": user, **context}
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    mail = OutgoingMail(
        message_id=_message_id(),
        kind=kind,
        recipient=to,
        user_id=user.id if user is not None else None,
        subject=subject_text,
        body_text=text,
        body_html=html,
        headers=dict(headers or {}),
    )
    db.session.add(mail)
    return mail


def build_message(mail: OutgoingMail) -> EmailMessage:
    """The wire form of a stored mail: plain text with an HTML alternative."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = Address(addr_spec=mail.recipient or "")
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.body_text)
    message.add_alternative(mail.body_html, subtype="html")
    return message


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failure: longer each time, up to the last."""
    delays = current_app.config["MAIL_RETRY_DELAYS"]
    return dt.timedelta(seconds=float(delays[min(attempts, len(delays)) - 1]))


def _claim(now: dt.datetime) -> list[OutgoingMail]:
    """Take a batch of due mails for this process; no other process gets the same rows.

    On PostgreSQL, ``FOR UPDATE SKIP LOCKED`` lets processes claim side by side;
    the claim's own condition keeps SQLite (one writer at a time) just as safe.
    """
    free = sa.or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now)
    due = (
        sa.select(OutgoingMail.id)
        .where(
            OutgoingMail.sent_at.is_(None),
            OutgoingMail.failed_at.is_(None),
            OutgoingMail.recipient.is_not(None),
            OutgoingMail.next_attempt_at <= now,
            free,
        )
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .limit(current_app.config["MAIL_BATCH_SIZE"])
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.rollback()
        return []
    token = secrets.token_hex(16)
    db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.id.in_(ids), OutgoingMail.sent_at.is_(None), free)
        .values(claim_token=token, claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS)),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(OutgoingMail)
            .where(OutgoingMail.claim_token == token)
            .order_by(OutgoingMail.id)
            .execution_options(populate_existing=True)  # the claim was written behind the ORM
        )
    )


def _failed(mail: OutgoingMail, error: BaseException, now: dt.datetime) -> None:
    mail.attempts += 1
    mail.last_error = f"{type(error).__name__}: {error}"[:500]
    mail.claim_token = None
    mail.claimed_until = None
    if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        mail.failed_at = now
        logger.error("mail %r given up after %d attempts: %s", mail.id, mail.attempts, error)
    else:
        mail.next_attempt_at = now + retry_delay(mail.attempts)
        logger.warning("mail %r not sent (attempt %d): %s", mail.id, mail.attempts, error)


#: What a failed conversation with the mail server raises.
DELIVERY_ERRORS = (OSError, smtplib.SMTPException, MailConfigError)


def deliver_due(*, now: dt.datetime | None = None) -> int:
    """Send one batch of due mails; return how many were taken from the outbox.

    Each mail is marked sent in its own commit right after the server took it,
    so a crash can repeat at most the one mail in flight.
    """
    now = now or utcnow()
    mails = _claim(now)
    if not mails:
        return 0
    config = current_app.config
    try:
        transport = open_transport(config["SMTP_URL"], config["MAIL_TIMEOUT"]).__enter__()
    except DELIVERY_ERRORS as error:
        for mail in mails:
            _failed(mail, error, now)
        db.session.commit()
        return len(mails)
    try:
        for index, mail in enumerate(mails):
            try:
                transport.send(build_message(mail))
            except (smtplib.SMTPServerDisconnected, OSError) as error:
                for lost in mails[index:]:  # the connection is gone: the rest waits too
                    _failed(lost, error, now)
                db.session.commit()
                break
            except smtplib.SMTPException as error:  # this mail only (a refused address)
                _failed(mail, error, now)
            else:
                mail.sent_at = utcnow()
                mail.attempts += 1
                mail.claim_token = None
                mail.claimed_until = None
                logger.info("mail %r (%s) sent", mail.id, mail.kind)
            db.session.commit()
    finally:
        transport.__exit__(None, None, None)
    return len(mails)


def failing_mails(limit: int = 20) -> tuple[int, list[OutgoingMail]]:
    """Mails the server keeps refusing: how many, and the oldest few, for the dashboard."""
    condition = sa.and_(
        OutgoingMail.sent_at.is_(None),
        OutgoingMail.attempts >= current_app.config["MAIL_FAILING_AFTER"],
    )
    count = db.session.scalar(sa.select(sa.func.count()).where(condition)) or 0
    oldest = db.session.scalars(
        sa.select(OutgoingMail).where(condition).order_by(OutgoingMail.created_at).limit(limit)
    )
    return count, list(oldest)


def mails_to(user: User) -> list[OutgoingMail]:
    """Every mail written to ``user``, oldest first (for their data export)."""
    return list(
        db.session.scalars(
            sa.select(OutgoingMail).where(OutgoingMail.user_id == user.id).order_by(OutgoingMail.id)
        )
    )


def forget_recipient(user: User) -> None:
    """Remove ``user``'s address from the outbox, in the caller's transaction.

    Mail not yet sent is dropped; mail already sent keeps only its date and kind.
    """
    db.session.execute(
        sa.delete(OutgoingMail).where(
            OutgoingMail.user_id == user.id, OutgoingMail.sent_at.is_(None)
        )
    )
    db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.user_id == user.id)
        .values(recipient=None, subject="", body_text="", body_html="", headers={})
    )


def send_test_mail(address: str) -> OutgoingMail:
    """Write a test mail to ``address`` into the outbox, so that an organizer can try the setup."""
    address = normalize_email(address)
    if not is_deliverable_email(address):
        raise Invalid(_l("Enter a valid email address."), field="email")
    mail = queue_mail(
        kind="test",
        to=address,
        template="test",
        subject=_l("Test mail from Spazio Virtuale"),
        site=current_app.config["SITE_URL"],
    )
    db.session.commit()
    return mail
