"""Mail for what people missed: mentions of them, replies to them, and (through a source
other features register) direct messages.

Each serving process looks every ``MISSED_MAIL_CHECK_SECONDS``. For a person who chose
"batched" (the default), a mail goes out once the oldest thing they have not been told of
is ``MISSED_MAIL_BATCH_MINUTES`` old, with everything gathered since that they still have
not read; for "digest", once a day from ``MISSED_MAIL_DIGEST_HOUR`` in the event's time
zone. What they read in the app meanwhile (their read position passed it) is left out,
and a mail with nothing left is not sent. Only confirmed addresses get this mail.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask import Flask
from flask_babel import lazy_ngettext
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import aliased
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..db import changed_rows
from ..db import utcnow
from ..errors import NotFound
from ..event.models import Room
from ..event.services import current_event
from ..extensions import db
from ..mail.services import queue_mail
from ..mail.services import site_url
from ..rooms.models import Mention
from ..rooms.models import Message
from ..rooms.models import ReadPosition
from ..serialize import excerpt
from .models import MailChoice
from .models import MissedMail

logger = logging.getLogger(__name__)

#: Nothing older than this is ever mailed as missed: the digest's day, and a little more.
LOOK_BACK = dt.timedelta(hours=25)
#: Most things listed in one mail (the rest wait in the app's Mentions).
MAX_ITEMS = 30


@dataclass(frozen=True)
class MissedItem:
    """One thing a person may have missed, as a source reports it."""

    user_id: int
    #: "mention", "reply" or "direct" (a direct message).
    kind: str
    created_at: dt.datetime
    author: str
    #: Where it was said: a room's name (read in the recipient's language from ``room``).
    place: str
    excerpt: str
    url: str
    #: False once the person has seen it in the app.
    unread: bool
    #: What identifies it, so that one message found by two sources is listed once.
    key: str
    room: Room | None = None


#: A source: given a window (since, until], every item in it, for anyone.
MissedSource = Callable[[dt.datetime, dt.datetime], Iterable[MissedItem]]


def register_source(app: Flask, name: str, source: MissedSource) -> None:
    """Let a feature add what people may miss (direct messages), from ``create_app``.

    ``source(since, until)`` returns a :class:`MissedItem` for each thing created in
    that window, for anyone, with ``unread`` saying whether its person has seen it.
    """
    sources: dict[str, MissedSource] = app.extensions.setdefault("exchange.missed_sources", {})
    sources[name] = source


def _sources() -> dict[str, MissedSource]:
    registered: dict[str, MissedSource] = current_app.extensions.get("exchange.missed_sources", {})
    return {"mentions": mentions_in, "replies": replies_in, **registered}


def _room_url(message: Message) -> str:
    return site_url("rooms.show", slug=message.room.slug) + f"#message-{message.id}"


def missed_item(user_id: int, kind: str, message: Message, position: int | None) -> MissedItem:
    return MissedItem(
        user_id=user_id,
        kind=kind,
        created_at=message.created_at,
        author=message.author.display_name,
        place=message.room.name_in(current_app.config["DEFAULT_LOCALE"]),
        excerpt=excerpt(message.body),
        url=_room_url(message),
        unread=position is None or message.id > position,
        key=f"message-{message.id}",
        room=message.room,
    )


def read_position_join(user_column: InstrumentedAttribute[int]) -> sa.ColumnElement[bool]:
    """Join the reader's read position in the message's room."""
    return sa.and_(ReadPosition.user_id == user_column, ReadPosition.room_id == Message.room_id)


def not_yet_looked_at(user_column: InstrumentedAttribute[int]) -> sa.ColumnElement[bool]:
    """Leave out what the person's mail was already checked for, and people who want none.

    The look runs every minute over the last day: without this, each look would read
    that whole day's mentions and replies again, on the serving process, to drop them.
    """
    return ~sa.exists().where(
        MailChoice.user_id == user_column,
        sa.or_(
            MailChoice.missed == MissedMail.OFF,
            MailChoice.checked_until >= Message.created_at,
        ),
    )


#: Everything an item shows of its message, loaded with it rather than one by one.
ITEM_PARTS = (joinedload(Message.author), joinedload(Message.room))


def mentions_in(since: dt.datetime, until: dt.datetime) -> list[MissedItem]:
    """People named in visible messages of the window (``@room`` is for the app only)."""
    rows = db.session.execute(
        sa.select(Mention.user_id, Message, ReadPosition.message_id)
        .join(Message, Message.id == Mention.message_id)
        .outerjoin(ReadPosition, read_position_join(Mention.user_id))
        .where(
            Mention.by_name,
            Message.visible(),
            Message.created_at > since,
            Message.created_at <= until,
            not_yet_looked_at(Mention.user_id),
        )
        .options(*ITEM_PARTS)
    )
    return [
        missed_item(user_id, "mention", message, position) for user_id, message, position in rows
    ]


def replies_in(since: dt.datetime, until: dt.datetime) -> list[MissedItem]:
    """Visible answers, in the window, to messages of someone else."""
    original = aliased(Message)
    rows = db.session.execute(
        sa.select(original.author_id, Message, ReadPosition.message_id)
        .join(original, original.id == Message.reply_to_id)
        .outerjoin(ReadPosition, read_position_join(original.author_id))
        .where(
            Message.visible(),
            original.author_id != Message.author_id,
            Message.created_at > since,
            Message.created_at <= until,
            not_yet_looked_at(original.author_id),
        )
        .options(*ITEM_PARTS)
    )
    return [missed_item(user_id, "reply", message, position) for user_id, message, position in rows]


def _digest_start(now: dt.datetime) -> dt.datetime:
    """The latest moment the digest was due: today's hour, or yesterday's before it."""
    event = current_event()
    zone = zoneinfo.ZoneInfo(event.timezone if event else current_app.config["DEFAULT_TIMEZONE"])
    local = now.astimezone(zone)
    due = local.replace(
        hour=current_app.config["MISSED_MAIL_DIGEST_HOUR"], minute=0, second=0, microsecond=0
    )
    if due > local:
        due -= dt.timedelta(days=1)
    return due.astimezone(dt.UTC)


def mail_missed(*, now: dt.datetime | None = None) -> int:
    """Mail each person what they missed, as they chose; return how many mails were written."""
    now = now or utcnow()
    since = now - LOOK_BACK
    found: dict[int, dict[str, MissedItem]] = {}
    for source in _sources().values():
        for item in source(since, now):
            found.setdefault(item.user_id, {}).setdefault(item.key, item)
    if not found:
        return 0
    choices = {
        choice.user_id: choice
        for choice in db.session.scalars(sa.select(MailChoice).where(MailChoice.user_id.in_(found)))
    }
    people = {
        user.id: user
        for user in db.session.scalars(
            sa.select(User).where(
                User.id.in_(found),
                User.deleted_at.is_(None),
                User.banned_at.is_(None),
                User.email_verified_at.is_not(None),
            )
        )
    }
    batch = dt.timedelta(minutes=current_app.config["MISSED_MAIL_BATCH_MINUTES"])
    digest_start = _digest_start(now)
    written = 0
    for user_id, items in found.items():
        choice = choices.get(user_id)
        checked = choice.checked_until if choice is not None else None
        kind = choice.missed if choice is not None else MissedMail.BATCHED
        new = sorted(
            (item for item in items.values() if checked is None or item.created_at > checked),
            key=lambda item: item.created_at,
        )
        if not new or kind is MissedMail.OFF or user_id not in people:
            continue
        if kind is MissedMail.BATCHED and new[0].created_at > now - batch:
            continue  # the first one waits a little: the person may still read it
        if kind is MissedMail.DIGEST and checked is not None and checked >= digest_start:
            continue  # today's digest went out
        unread = [item for item in new if item.unread]
        if _advance(user_id, checked, now) and unread:
            _write_mail(people[user_id], unread, digest=kind is MissedMail.DIGEST)
            written += 1
        db.session.commit()
    return written


def _advance(user_id: int, checked: dt.datetime | None, now: dt.datetime) -> bool:
    """Move ``checked_until`` from ``checked`` to ``now``, unless another process did first."""
    if checked is None:
        dialect = db.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(MailChoice).values(
            user_id=user_id, missed=MissedMail.BATCHED, checked_until=now
        )
        moved = changed_rows(
            db.session.execute(
                statement.on_conflict_do_update(
                    index_elements=[MailChoice.user_id],
                    set_={"checked_until": now},
                    where=MailChoice.checked_until.is_(None),
                )
            )
        )
    else:
        moved = changed_rows(
            db.session.execute(
                sa.update(MailChoice)
                .where(MailChoice.user_id == user_id, MailChoice.checked_until == checked)
                .values(checked_until=now)
            )
        )
    return bool(moved)


def _write_mail(user: User, items: list[MissedItem], *, digest: bool) -> None:
    link = unsubscribe_url(user)
    queue_mail(
        kind="missed_digest" if digest else "missed",
        to=user.email,
        user=user,
        template="missed",
        subject=lazy_ngettext(
            "%(num)d thing you missed at Spazio Virtuale",
            "%(num)d things you missed at Spazio Virtuale",
            len(items),
        ),
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        items=items[:MAX_ITEMS],
        more=max(0, len(items) - MAX_ITEMS),
        digest=digest,
        unsubscribe=link,
        settings=site_url("notifications.settings"),
        mentions=site_url("mentions.index"),
    )
    logger.info("mail of %d missed things written for user %r", len(items), user.id)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="missed-mail-unsubscribe")


def unsubscribe_url(user: User) -> str:
    """The link that turns this mail off in one click (RFC 8058); it does not expire."""
    return site_url("notifications.unsubscribe", token=_serializer().dumps(user.id))


def user_of_unsubscribe(token: str) -> User:
    """The person an unsubscribe link was made for, or :class:`NotFound`."""
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        raise NotFound() from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.deleted_at is not None:
        raise NotFound()
    return user
