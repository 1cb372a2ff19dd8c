"""Mentions: naming a person in a message (``@Elena Conti``) tells them, wherever they are.

A mention is structured data, never guessed from the text: the client sends the
ids of the people it offered (``send``'s ``mentions``), and the server keeps those
whose ``@Name`` the body still holds. ``@room`` (or ``@all``) tells everyone who
follows the room, and only moderators and organizers may use it; anyone else's
``@room`` stays plain text. Whether a mention is read follows the person's read
position in its room (rooms/unread.py), and a hidden message's mentions vanish
from every list and count. An edit decides again, for the new words: whoever it
newly names is told, and whoever it no longer names loses the mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TypeVarTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import permissions
from ..accounts.models import User
from ..errors import Invalid
from ..event.models import Administration
from ..event.models import Room
from ..extensions import db
from ..sanitize import mention_pattern
from .models import Mention
from .models import Message
from .models import ReadPosition

_Ts = TypeVarTuple("_Ts")

#: The most people one message may name.
MAX_MENTIONS = 20
#: The words that tell a whole room, for those allowed to.
ROOM_WORDS = ("@room", "@all")
_ROOM_RE = re.compile(r"(?<![\w@])@(?:room|all)(?!\w)", re.IGNORECASE)
#: How many people a lookup offers at most.
SUGGESTIONS = 8
#: The longest lookup text taken.
QUERY_MAX_LENGTH = 100


@dataclass
class Resolved:
    """Who a message about to be stored mentions."""

    #: The people named, in the order given, the author left out.
    named: list[User] = field(default_factory=list)
    #: True when a moderator or organizer wrote ``@room``.
    room: bool = False
    #: Everyone else ``@room`` tells (people who opened the room), by id.
    followers: list[int] = field(default_factory=list)
    #: The texts to highlight, as written (``@Elena Conti``, ``@room``).
    texts: list[str] = field(default_factory=list)


def resolve(room: Room, author: User, body: str, mention_ids: Sequence[int]) -> Resolved:
    """Decide who a message tells: the people named whose ``@Name`` is in ``body``, and
    the room's followers if a moderator or organizer wrote ``@room``.

    An id that is no account (or a deleted one) is ``invalid``; a person whose name
    the body no longer holds (the writer erased it) is simply not told.
    """
    resolved = Resolved()
    _name(resolved, room, author, body, _offered(mention_ids))
    if _tells_room(author, body, resolved):
        named = {user.id for user in resolved.named}
        resolved.followers = [
            user_id for user_id in followers(room) if user_id != author.id and user_id not in named
        ]
    return resolved


def resolve_edit(
    message: Message, author: User, body: str, mention_ids: Sequence[int] = ()
) -> Resolved:
    """Decide who an edited message tells: as ``resolve``, for its new words.

    The candidates are the people the message named and those the edit offers
    (``mention_ids``, checked as ``send``'s). ``@room`` written again keeps the
    followers it told the first time; ``@room`` newly written tells the room's
    followers now.
    """
    offered = _offered(mention_ids)
    # From all its mention rows, which ``apply`` reads next, rather than ``named`` besides.
    earlier_ids = [
        row.user_id for row in sorted(message.mention_rows, key=lambda row: row.id) if row.by_name
    ]
    earlier = (
        {
            user.id: user
            for user in db.session.scalars(
                sa.select(User).where(User.id.in_(earlier_ids), User.deleted_at.is_(None))
            )
        }
        if earlier_ids
        else {}
    )
    candidates = [earlier[user_id] for user_id in earlier_ids if user_id in earlier]
    candidates += [user for user in offered if user.id not in earlier]
    resolved = Resolved()
    _name(resolved, message.room, author, body, candidates)
    if len(resolved.named) > MAX_MENTIONS:
        raise Invalid(
            _l("A message can name at most %(max)d people.", max=MAX_MENTIONS), field="mentions"
        )
    if _tells_room(author, body, resolved):
        named = {user.id for user in resolved.named}
        if message.mentions_room:
            told = [row.user_id for row in message.mention_rows if not row.by_name]
        else:
            told = followers(message.room)
        resolved.followers = [
            user_id for user_id in told if user_id != author.id and user_id not in named
        ]
    return resolved


def _offered(mention_ids: Sequence[int]) -> list[User]:
    """The people a writer offers to name, in order, once each; refuse ids that are no account."""
    if len(mention_ids) > MAX_MENTIONS:
        raise Invalid(
            _l("A message can name at most %(max)d people.", max=MAX_MENTIONS), field="mentions"
        )
    wanted = list(dict.fromkeys(mention_ids))
    if not wanted:
        return []
    people = {
        user.id: user
        for user in db.session.scalars(
            sa.select(User).where(User.id.in_(wanted), User.deleted_at.is_(None))
        )
    }
    if len(people) != len(wanted):
        raise Invalid(_l("Only people of the exchange can be mentioned."), field="mentions")
    return [people[user_id] for user_id in wanted]


def _name(
    resolved: Resolved, room: Room, author: User, body: str, candidates: Iterable[User]
) -> None:
    """Keep the candidates whose ``@Name`` the body holds as a whole, the author left out.

    A conversation tells nobody outside it.
    """
    for user in candidates:
        if room.is_direct and not room.has_member(user.id):
            continue
        text = f"@{user.name}"
        pattern = mention_pattern([text])
        if user.id != author.id and pattern is not None and pattern.search(body):
            resolved.named.append(user)
            resolved.texts.append(text)


def _tells_room(author: User, body: str, resolved: Resolved) -> bool:
    """Note ``@room`` (or ``@all``) when the author may tell everyone; return whether they did."""
    words = {match.group() for match in _ROOM_RE.finditer(body)}
    if words and permissions.can(author, permissions.Action.MENTION_EVERYONE):
        resolved.room = True
        resolved.texts.extend(sorted(words))
        return True
    return False


@dataclass(frozen=True)
class MentionChanges:
    """Who an edit told anew, and who it no longer tells, by id."""

    told: list[int]
    withdrawn: list[int]


def apply(message: Message, resolved: Resolved) -> MentionChanges:
    """Make a stored message's mention rows match ``resolved`` (not committed).

    A person told before and still told keeps their row (named or by ``@room``,
    whichever now holds), so they are not told twice.
    """
    rows = {row.user_id: row for row in message.mention_rows}
    wanted = {user.id: True for user in resolved.named}
    for user_id in resolved.followers:
        wanted.setdefault(user_id, False)
    told: list[int] = []
    for user_id, by_name in wanted.items():
        row = rows.get(user_id)
        if row is None:
            message.mention_rows.append(
                Mention(user_id=user_id, room_id=message.room_id, by_name=by_name)
            )
            told.append(user_id)
        elif row.by_name != by_name:
            row.by_name = by_name
    withdrawn = [user_id for user_id in rows if user_id not in wanted]
    message.mention_rows = [row for row in message.mention_rows if row.user_id in wanted]
    message.mentions_room = resolved.room
    return MentionChanges(told, sorted(withdrawn))


def followers(room: Room) -> list[int]:
    """The people who opened a room (they have a read position there), still with an account."""
    return list(
        db.session.scalars(
            sa.select(ReadPosition.user_id)
            .join(User, User.id == ReadPosition.user_id)
            .where(ReadPosition.room_id == room.id, User.deleted_at.is_(None))
            .order_by(ReadPosition.user_id)
        )
    )


def suggest_people(reader: User, query: str) -> list[User]:
    """People of the event whose name or administration starts a word with ``query``.

    What the composer offers after ``@``: a few names, the reader left out.
    """
    permissions.check(reader, permissions.Action.LOOK_UP_PEOPLE)
    query = " ".join(query.split())[:QUERY_MAX_LENGTH].lower()
    statement = (
        sa.select(User)
        .outerjoin(Administration, Administration.id == User.administration_id)
        .where(User.deleted_at.is_(None), User.banned_at.is_(None), User.id != reader.id)
        .options(joinedload(User.administration))
    )
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        starts = [
            sa.func.lower(column).like(pattern, escape="\\")
            for column in (User.name, Administration.name)
            for pattern in (f"{escaped}%", f"% {escaped}%")
        ]
        statement = statement.where(sa.or_(*starts))
    statement = statement.order_by(sa.func.lower(User.name), User.id).limit(SUGGESTIONS)
    return list(db.session.scalars(statement))


@dataclass(frozen=True)
class MentionEntry:
    """One mention in a person's list: the message, and whether they have read it."""

    message: Message
    unread: bool


def _unread() -> sa.ColumnElement[bool]:
    """A mention is unread while its person's read position in the room is before it."""
    return sa.or_(ReadPosition.message_id.is_(None), Mention.message_id > ReadPosition.message_id)


def _with_positions(statement: sa.Select[*_Ts]) -> sa.Select[*_Ts]:
    """Join a person's visible mentions to their read positions in the mentions' rooms."""
    return (
        statement.join(Message, Message.id == Mention.message_id)
        .outerjoin(
            ReadPosition,
            sa.and_(
                ReadPosition.user_id == Mention.user_id, ReadPosition.room_id == Mention.room_id
            ),
        )
        .where(Message.visible())
    )


def mentions_of(user: User, *, before: int | None = None, limit: int = 50) -> list[MentionEntry]:
    """The messages that mention ``user``, newest first, each with its unread state.

    Hidden messages are left out: their mentions vanish with them.
    """
    permissions.check(user, permissions.Action.JOIN_ROOM)
    statement = (
        _with_positions(sa.select(Mention, ReadPosition.message_id))
        .where(Mention.user_id == user.id)
        .options(
            joinedload(Mention.message).joinedload(Message.author).joinedload(User.administration),
            joinedload(Mention.message).joinedload(Message.room),
        )
    )
    if before is not None:
        statement = statement.where(Mention.message_id < before)
    rows = db.session.execute(statement.order_by(Mention.message_id.desc()).limit(limit))
    return [
        MentionEntry(mention.message, position is None or mention.message_id > position)
        for mention, position in rows
    ]


def unread_mention_counts(user: User, rooms: Iterable[Room]) -> dict[int, int]:
    """How many unread mentions of ``user`` each room holds, by room id."""
    rows = db.session.execute(
        _with_positions(sa.select(Mention.room_id, sa.func.count()).select_from(Mention))
        .where(Mention.user_id == user.id, _unread())
        .group_by(Mention.room_id)
    )
    counts = {room_id: count for room_id, count in rows}
    return {room.id: counts.get(room.id, 0) for room in rooms}


def unread_mention_total(user: User) -> int:
    """How many unread mentions ``user`` has in all rooms."""
    return sum(unread_mention_counts(user, db.session.scalars(sa.select(Room))).values())
