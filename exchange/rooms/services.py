"""Rules of the chat: posting messages safely and reading history without gaps."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import Literal
from typing import TYPE_CHECKING

import regex
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import ORMOption

from .. import permissions
from .. import realtime
from ..accounts.models import Block
from ..accounts.models import User
from ..db import read_core
from ..db import utcnow
from ..errors import Forbidden
from ..errors import Invalid
from ..errors import NotFound
from ..errors import TooLong
from ..event.models import Event
from ..event.models import Room
from ..event.phases import check_room_open
from ..event.services import get_room
from ..extensions import db
from ..files import services as files
from ..files.models import StoredFile
from ..i18n import iso_639_1_codes
from ..moderation.models import ModerationChange
from ..moderation.services import check_can_post
from ..moderation.services import check_not_muted
from ..payloads import check_storable
from ..sanitize import clean_chat_text
from . import mentions as mention_rules
from . import presence
from . import unread
from .attachments import MESSAGE_FILES
from .languages import DETECT_LANGUAGE
from .languages import detect_language
from .languages import offered_languages
from .models import Mention
from .models import Message
from .models import MessageRevision
from .models import Reaction
from .writer import client_id_lookup
from .writer import known_when_new
from .writer import message_writer
from .writer import PendingMessage

if TYPE_CHECKING:
    from ..practices.models import Practice

logger = logging.getLogger(__name__)

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass
class History:
    """A slice of a room's visible messages, oldest first."""

    messages: list[Message]
    #: True when more messages exist beyond this slice in the direction asked.
    has_more: bool


@dataclass
class JoinResult:
    room: Room
    #: Hides and restores since the change id the client gave, latest per message.
    changes: list[ModerationChange]
    last_change: int
    #: How far the person has read in the room.
    read: unread.ReadState


def validate_body(body: str, *, with_files: bool = False) -> None:
    """Refuse bodies that are blank (unless files come with them), too long, or unstorable."""
    maximum = current_app.config["MESSAGE_MAX_LENGTH"]
    if not body.strip() and not with_files:
        raise Invalid(_l("Write a message first."), field="body")
    if len(body) > maximum:
        raise TooLong(
            _l("Messages can be at most %(max)d characters long.", max=maximum),
            field="body",
            max_length=maximum,
        )
    check_storable(body, "body")


def validate_client_id(client_id: str) -> None:
    if not CLIENT_ID_RE.match(client_id):
        raise Invalid(
            _l("client_id must be 1 to 64 letters, digits or the signs _ . : -"), field="client_id"
        )


def validate_language(language: str | None) -> None:
    """Accept no language, or an ISO 639-1 code."""
    if language is not None and language not in iso_639_1_codes():
        raise Invalid(_l("language must be a two-letter code such as it or de."), field="language")


def message_language(
    room: Room, event: Event | None, body: str, language: str | None
) -> str | None:
    """The language to store: the writer's choice (None: "not said"), or with
    ``DETECT_LANGUAGE`` the one read from the words, among the event's languages."""
    if language != DETECT_LANGUAGE:
        return language
    return detect_language(body, offered_languages(room, event))


def post_message(
    room: Room,
    author: User,
    body: str,
    client_id: str,
    *,
    language: str | None = DETECT_LANGUAGE,
    practice: Practice | None = None,
    reply_to: int | None = None,
    attachments: Sequence[Any] = (),
    mentions: Sequence[int] = (),
) -> Message:
    """Store a message, then deliver it to the room; return the stored message.

    Sending the same ``client_id`` again returns the message stored the first
    time (and delivers it again: clients deduplicate by id), so a client may
    retry as often as it needs to. A message may link one best practice; the
    caller checks that it is published. It may answer (``reply_to``) a visible
    message of the same room. ``attachments`` are ids of files the author
    uploaded and has not attached yet; they are claimed in the transaction that
    stores the message, so it is never stored without them.

    Ids must grow in commit order within a room, or a reader asking for
    messages ``after`` an id could skip one committed late. On PostgreSQL the
    room's row is locked before the id is drawn, so writers to one room take
    turns and commit in id order; SQLite writers are serialized by SQLite.
    Messages sent at the same moment share one transaction (rooms/writer.py).

    ``mentions`` are the ids of the people the writer named (rooms/mentions.py);
    each is told with ``mention`` once the message is stored.

    ``language`` is the writer's: an ISO 639-1 code, None for "not said", or
    ``DETECT_LANGUAGE`` (when they did not say) to read it from the words.
    """
    validate_body(body, with_files=bool(attachments))
    validate_client_id(client_id)
    if language != DETECT_LANGUAGE:
        validate_language(language)
    existing = _find_by_client_id(author, client_id)
    if existing is None:
        # The archive, mute and slow mode apply to new messages, not to retries of stored ones.
        event = check_room_open(room)
        check_can_post(author, room)
        if room.is_direct:
            check_not_blocked(room, author)
        original = reply_target(room, reply_to) if reply_to is not None else None
        file_ids = _attachable(author, attachments)
        told = mention_rules.resolve(room, author, body, mentions)
        language = message_language(room, event, body, language)
        message, created = _store(
            room, author, body, client_id, language, practice, original, file_ids, told
        )
        if created:
            logger.debug("message %r stored in %s", message.id, room.slug)
            realtime.message_posted(message)
            if room.is_direct:
                realtime.conversation_active(message, unread.members_unread(room))
            else:
                realtime.room_active(message)
            realtime.mentioned(message, [user.id for user in told.named] + told.followers)
            if original is not None and original.author_id != author.id:
                realtime.replied(message, original.author_id)
            return message
        existing = message
    practice_id = practice.id if practice is not None else None
    if (
        existing.room_id != room.id
        or existing.body != body
        or existing.practice_id != practice_id
        or existing.reply_to_id != reply_to
        or [file.id for file in existing.files] != list(attachments)
    ):
        raise Invalid(
            _l("This client_id was already used for a different message."), field="client_id"
        )
    if not existing.is_hidden:  # a retry must never bring a hidden message back
        realtime.message_posted(existing)
    return existing


def check_not_blocked(room: Room, author: User) -> None:
    """Refuse a message in a one-to-one conversation from someone the other person blocked."""
    if len(room.members) != 2:
        return  # a group goes on: one member's block does not silence the others
    other = next((m.user_id for m in room.members if m.user_id != author.id), None)
    if other is not None and db.session.get(Block, (other, author.id)) is not None:
        raise Forbidden(_l("You cannot write in this conversation any more."))


def _attachable(author: User, attachments: Sequence[Any]) -> tuple[int, ...]:
    """Check the files a new message is to carry; return their ids, in order."""
    if not isinstance(attachments, list | tuple):
        raise Invalid(
            _l("'%(field)s' must be a list of file ids.", field="attachments"), field="attachments"
        )
    if not attachments:
        return ()
    permissions.check(author, permissions.Action.UPLOAD_FILE)
    return tuple(files.check_attachable(author, attachments, MESSAGE_FILES.name))


#: The reactions the browser offers first; any other single emoji is welcome too.
REACTION_CHOICES = ("👍", "❤️", "😂", "🎉", "🤔", "🙏", "👀", "✅")
#: One emoji: a pictograph (with its variation selector, skin tone, tag sequence and
#: zero-width-joined parts), a flag (two regional indicators) or a keycap.
EMOJI = regex.compile(
    "(?:\\p{RI}\\p{RI}"
    "|[#*0-9]\ufe0f?\u20e3"
    "|\\p{Extended_Pictographic}(?:\ufe0f|\\p{Emoji_Modifier})?"
    "[\U000e0020-\U000e007e]*\U000e007f?"
    "(?:\u200d\\p{Extended_Pictographic}(?:\ufe0f|\\p{Emoji_Modifier})?)*)"
)
GRAPHEME = regex.compile(r"\X")


def validate_emoji(emoji: str) -> None:
    """Accept exactly one emoji (one grapheme cluster, made of emoji)."""
    if len(emoji) > 32 or len(GRAPHEME.findall(emoji)) != 1 or not EMOJI.fullmatch(emoji):
        raise Invalid(_l("React with one emoji."), field="emoji")


def react(message: Message, person: User, emoji: str) -> tuple[bool, list[Reaction]]:
    """Give ``emoji`` to a message, or take it back if given; return whether it is now
    given, and the message's reactions. Then tell the room.

    A hidden message takes none. A message carries at most ``REACTIONS_PER_MESSAGE``
    different emoji; a person is held back by flood control (``react``).
    """
    permissions.check(person, permissions.Action.REACT, message)
    validate_emoji(emoji)
    if message.is_hidden:
        raise NotFound(field="message_id")
    check_room_open(message.room)
    now = utcnow()
    check_not_muted(person, now)
    reactions = _reactions_of(message)
    mine = next((r for r in reactions if r.user_id == person.id and r.emoji == emoji), None)
    if mine is not None:
        db.session.delete(mine)
        given = False
    else:
        emoji_used = {reaction.emoji for reaction in reactions}
        maximum = current_app.config["REACTIONS_PER_MESSAGE"]
        if emoji not in emoji_used and len(emoji_used) >= maximum:
            raise Invalid(
                _l("A message can carry at most %(max)d different emoji.", max=maximum),
                field="emoji",
                limit=maximum,
            )
        db.session.add(Reaction(message_id=message.id, user_id=person.id, emoji=emoji))
        given = True
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same toggle raced in twice: the first one counts
        db.session.rollback()
    reactions = _reactions_of(message)  # as stored now, others' of this moment included
    set_committed_value(message, "reactions", reactions)
    realtime.reactions_changed(message, reactions)
    return given, reactions


def _reactions_of(message: Message) -> list[Reaction]:
    """A message's reactions in the order they were given, in one plain query."""
    return list(
        db.session.scalars(
            sa.select(Reaction)
            .where(Reaction.message_id == message.id)
            .order_by(Reaction.created_at, Reaction.user_id)
        )
    )


#: ``edit_message``'s ``language`` when the edit does not say: the message keeps its own,
#: or, when it has none, gets the one read from its new words.
KEEP_LANGUAGE = "keep"


def edit_message(
    message: Message,
    author: User,
    body: str,
    *,
    language: str | None = KEEP_LANGUAGE,
    mentions: Sequence[int] = (),
) -> Message:
    """Change the words of one's own message, keep the earlier ones, then tell the room.

    Only the author, within ``MESSAGE_EDIT_WINDOW`` seconds of sending, while the
    message is visible and the room open; the same rules as ``post_message`` apply
    to the new body. Sending the words the message already has changes nothing, so
    a retried edit stores one revision.

    The mentions follow the new words (rooms/mentions.py, ``resolve_edit``): each
    person newly named (``mentions`` offers them) gets ``mention``; each no longer
    named loses the mention and gets ``mention_withdrawn``.

    ``language`` is the writer's choice (None: "not said"), ``DETECT_LANGUAGE`` to
    read it from the new words, or ``KEEP_LANGUAGE``: the message keeps the language
    it has, and one without gets the language of its new words.
    """
    permissions.check(author, permissions.Action.EDIT_MESSAGE, message)
    now = utcnow()
    if now - message.created_at > dt.timedelta(seconds=current_app.config["MESSAGE_EDIT_WINDOW"]):
        raise Forbidden(
            _l(
                "A message can be edited for %(minutes)d minutes after it was sent.",
                minutes=current_app.config["MESSAGE_EDIT_WINDOW"] // 60,
            )
        )
    event = check_room_open(message.room)
    check_not_muted(author, now)
    validate_body(body)
    if language == KEEP_LANGUAGE:
        language = message.language if message.language is not None else DETECT_LANGUAGE
    if language != DETECT_LANGUAGE:
        validate_language(language)
    elif body == message.body:
        language = message.language  # the same words: nothing to read again
    else:
        language = message_language(message.room, event, body, language)
    if body == message.body and language == message.language:
        return message
    told = mention_rules.resolve_edit(message, author, body, mentions)
    db.session.add(
        MessageRevision(
            message_id=message.id,
            body=message.body,
            language=message.language,
            written_at=message.edited_at or message.created_at,
            created_at=now,  # replaced at the moment the message says it was edited
        )
    )
    message.body = body
    message.body_html = clean_chat_text(body, told.texts)
    message.language = language
    message.edited_at = now
    changes = mention_rules.apply(message, told)
    db.session.commit()
    # Whom it names now, from the rows just written (they have their ids) instead of
    # reading them back.
    named = sorted((row for row in message.mention_rows if row.by_name), key=lambda row: row.id)
    set_committed_value(message, "named", named)
    logger.info("message %r edited by its author", message.id)
    realtime.message_edited(message)
    realtime.mentioned(message, changes.told)
    realtime.mention_withdrawn(message, changes.withdrawn)
    return message


def revisions(message: Message, reader: User) -> list[MessageRevision]:
    """The earlier bodies of a message, oldest first, for those who moderate the room.

    Reading them writes no audit row (docs/permissions.md says why).
    """
    permissions.check(reader, permissions.Action.READ_EDIT_HISTORY, message.room)
    return list(
        db.session.scalars(
            sa.select(MessageRevision)
            .where(MessageRevision.message_id == message.id)
            .order_by(MessageRevision.id)
        )
    )


def announce(author: User, rooms: list[Room], body: str) -> list[Message]:
    """Post one announcement of an organizer or moderator in each of ``rooms``.

    Each is an ordinary message (stored, delivered live on every process, kept
    in the history), posted once per room.
    """
    permissions.check(author, permissions.Action.ANNOUNCE)
    return [post_message(room, author, body, f"announce-{uuid.uuid4().hex}") for room in rooms]


def _store(
    room: Room,
    author: User,
    body: str,
    client_id: str,
    language: str | None,
    practice: Practice | None,
    reply_to: Message | None,
    file_ids: tuple[int, ...] = (),
    told: mention_rules.Resolved | None = None,
) -> tuple[Message, bool]:
    """Commit a message (or find it stored under its client id); return it and whether it is new."""
    told = told or mention_rules.Resolved()
    pending = PendingMessage(
        room_id=room.id,
        author_id=author.id,
        client_id=client_id,
        body=body,
        # Rendered before taking a turn, to keep turns short.
        body_html=clean_chat_text(body, told.texts),
        language=language,
        practice_id=practice.id if practice is not None else None,
        reply_to_id=reply_to.id if reply_to is not None else None,
        attachment_ids=file_ids,
        mentions=tuple(user.id for user in told.named),
        followers=tuple(told.followers),
        mentions_room=told.room,
        looked_up=True,  # post_message found none under this client id
    )
    message_id, created = message_writer(room.id).store(pending)
    if pending.message is not None:
        if pending.message in db.session:
            return pending.message, created  # this sender wrote it, in this session
        # Another sender's turn stored it, in its own session: its committed state is
        # copied into this one as it stands, without asking the database again.
        message = db.session.merge(pending.message, load=False)
        named = [row for row in message.mention_rows if row.by_name]  # in id order, as inserted
        known_when_new(message, named, with_files=bool(file_ids))
        return message, created
    # A retry of a message stored before: one read by id, with its mentions (its author,
    # room and practice are this session's already).
    message = (
        db.session.scalars(
            sa.select(Message).where(Message.id == message_id).options(joinedload(Message.named))
        )
        .unique()
        .one()
    )
    return message, created


def reply_target(room: Room, message_id: int) -> Message:
    """The message a new one answers: a visible one of the same room."""
    try:
        original = get_message(message_id)
    except NotFound:
        raise NotFound(field="reply_to") from None
    if original.is_hidden:  # nobody answers what the room no longer shows
        raise NotFound(field="reply_to")
    if original.room_id != room.id:
        raise Invalid(_l("A reply answers a message of the same room."), field="reply_to")
    return original


def reaction_target(slug: str, message_id: int, reader: User) -> Message:
    """The message a reader without JavaScript is offered emoji for, or :class:`NotFound`:
    a visible message of room ``slug``, a room the reader may join (a conversation's
    members only)."""
    room = get_room(slug, reader)
    message = get_message(message_id)
    if message.room_id != room.id or message.is_hidden:
        raise NotFound()
    return message


def sent_message(author: User, client_id: str) -> Message | None:
    """The message ``author`` already stored under ``client_id`` (a resubmitted form), if any."""
    return _find_by_client_id(author, client_id) if CLIENT_ID_RE.match(client_id) else None


def _find_by_client_id(author: User, client_id: str) -> Message | None:
    """Return the message ``author`` stored under ``client_id``, if any.

    Nearly every send is new: asking the unique index for an id alone is cheap,
    and only a retry loads the whole message.
    """
    message_id = read_core(
        client_id_lookup(), {"author_id": author.id, "client_id": client_id}
    ).scalar()
    return get_message(message_id) if message_id is not None else None


def shown_messages(select: sa.Select[Message]) -> list[Message]:
    """Run ``select`` and load at once what showing its messages needs (:func:`_load_shown`)."""
    messages = list(db.session.scalars(select.options(_with_author(), joinedload(Message.room))))
    _load_shown(messages)
    return messages


def _with_author() -> ORMOption:
    """Each message's author and the author's administration, in the message's own row."""
    return joinedload(Message.author).joinedload(User.administration)


def _load_shown(messages: Sequence[Message]) -> None:
    """Load what showing ``messages`` needs besides their room and author, a query per part.

    Each part comes for all of them at once, by their ids, and only for those whose
    part is not loaded yet: lists (reactions, files, the people named) in a query
    each, and what few messages have (a practice, an answered message, a moderator
    who hid it) only when one of them has it. SQLAlchemy's ``selectinload`` sends the
    same queries at twice the cost (docs/performance.md); ``tests/rooms`` holds that
    a message shows the same however it was loaded.
    """
    for key, statement, owner in _shown_lists():
        needing = [message for message in messages if key not in instance_dict(message)]
        if not needing:
            continue
        found: dict[int, list[Any]] = {message.id: [] for message in needing}
        for item in db.session.scalars(statement, {"ids": list(found)}):
            found[getattr(item, owner)].append(item)
        for message in needing:
            set_committed_value(message, key, found[message.id])
    for key, statement, foreign_key in _shown_references():
        # One without (most) reads as None without a query: SQLAlchemy looks at its key.
        pointing = {
            message: target
            for message in messages
            if (target := getattr(message, foreign_key)) is not None
            and key not in instance_dict(message)
        }
        if not pointing:
            continue
        ids = list(set(pointing.values()))
        loaded = {item.id: item for item in db.session.scalars(statement, {"ids": ids})}
        for message, target in pointing.items():
            set_committed_value(message, key, loaded.get(target))


def _by_ids(column: sa.orm.InstrumentedAttribute[Any]) -> sa.ColumnElement[bool]:
    return column.in_(sa.bindparam("ids", expanding=True))


@functools.cache
def _shown_lists() -> tuple[tuple[str, sa.Select[Any], str], ...]:
    """Each list a message shows: its relationship, the rows by message ids in the
    relationship's order, and the rows' column naming their message. Built once."""
    return (
        (
            "reactions",
            sa.select(Reaction)
            .where(_by_ids(Reaction.message_id))
            .order_by(Reaction.created_at, Reaction.user_id),
            "message_id",
        ),
        (
            "files",
            sa.select(StoredFile)
            .where(StoredFile.owner_type == MESSAGE_FILES.name, _by_ids(StoredFile.owner_id))
            .order_by(StoredFile.position, StoredFile.id),
            "owner_id",
        ),
        (
            "named",
            sa.select(Mention)
            .where(_by_ids(Mention.message_id), Mention.by_name)
            .order_by(Mention.id),
            "message_id",
        ),
    )


@functools.cache
def _shown_references() -> tuple[tuple[str, sa.Select[Any], str], ...]:
    """What a message may point to: its relationship, the rows by ids, and the message's
    column holding the id. Built once."""
    practice = Message.practice.property.mapper.class_  # practices/ imports this module
    return (
        ("practice", sa.select(practice).where(_by_ids(practice.id)), "practice_id"),
        (
            "hidden_by",
            sa.select(User).where(_by_ids(User.id)).options(joinedload(User.administration)),
            "hidden_by_id",
        ),
        (
            "reply_to",
            sa.select(Message).where(_by_ids(Message.id)).options(_with_author()),
            "reply_to_id",
        ),
    )


def get_bare_message(message_id: int) -> Message:
    """Return a message by id with its room (and the room's event) only, or raise
    :class:`NotFound`.

    For changing one message (an edit, a reaction): one plain query, where
    :func:`get_message` loads at once all that showing many takes (authors,
    replies, files, mentions, reactions). What an edit then shows loads as it is
    read, most of it (the author) from the session without a query.
    """
    message = db.session.scalars(
        sa.select(Message)
        .where(Message.id == message_id)
        .options(joinedload(Message.room).joinedload(Room.event))
    ).first()
    if message is None:
        raise NotFound()
    return message


def get_message(message_id: int) -> Message:
    """Return a message by id, or raise :class:`NotFound`."""
    found = shown_messages(sa.select(Message).where(Message.id == message_id))
    if not found:
        raise NotFound()
    return found[0]


@functools.cache
def _page_statement(
    *, hidden_too: bool, bound: Literal["after", "before", "latest"]
) -> sa.Select[Message]:
    """A page of one room's messages, built once per kind so that SQLAlchemy finds it compiled.

    ``bound`` is ``"after"`` (oldest first from an id), ``"before"`` or ``"latest"``
    (newest first). Every join loads a page; its room is the one the caller holds
    (:func:`_page`), so it is not loaded again for each message.
    """
    query = sa.select(Message).where(Message.room_id == sa.bindparam("room_id"))
    if not hidden_too:
        query = query.where(Message.visible())
    if bound == "after":
        query = query.where(Message.id > sa.bindparam("after")).order_by(Message.id)
    else:
        if bound == "before":
            query = query.where(Message.id < sa.bindparam("before"))
        query = query.order_by(Message.id.desc())
    return query.limit(sa.bindparam("limit")).options(_with_author())


def _page(room: Room, statement: sa.Select[Message], parameters: dict[str, Any]) -> list[Message]:
    rows = list(db.session.scalars(statement, {"room_id": room.id, **parameters}))
    for message in rows:
        set_committed_value(message, "room", room)  # as loaded: the one the caller holds
    _load_shown(rows)
    return rows


def history(
    room: Room,
    reader: permissions.Visitor = None,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int | None = None,
) -> History:
    """Return the messages of a room that ``reader`` may see, oldest first.

    Everyone sees the visible ones; those the permission table lets see hidden
    content (moderators, organizers) see hidden ones too. Without a reader, as for
    a visitor, only the visible ones.

    With ``after``: the first ``limit`` messages with a larger id (catching up).
    Otherwise: the last ``limit`` messages, optionally older than ``before``.
    """
    if after is not None and before is not None:
        raise Invalid(_l("Ask for messages after an id or before one, not both."))
    config = current_app.config
    hidden_too = permissions.can(reader, permissions.Action.SEE_HIDDEN_CONTENT, room)
    if after is not None:
        limit = min(limit or config["BACKFILL_LIMIT"], config["BACKFILL_LIMIT"])
        statement = _page_statement(hidden_too=hidden_too, bound="after")
        rows = _page(room, statement, {"after": after, "limit": limit + 1})
        return History(rows[:limit], has_more=len(rows) > limit)
    limit = min(limit or config["HISTORY_LIMIT"], config["BACKFILL_LIMIT"])
    if before is not None:
        statement = _page_statement(hidden_too=hidden_too, bound="before")
        rows = _page(room, statement, {"before": before, "limit": limit + 1})
    else:
        statement = _page_statement(hidden_too=hidden_too, bound="latest")
        rows = _page(room, statement, {"limit": limit + 1})
    return History(list(reversed(rows[:limit])), has_more=len(rows) > limit)


def join(
    sid: str,
    room: Room,
    user: User,
    *,
    changes_after: int | None = None,
) -> JoinResult:
    """Enter a room: record presence; return moderation changes and how far ``user`` has
    read (the page of messages comes from ``rooms.pages``, who is there from
    ``realtime.join_presence``)."""
    presence.enter_room(sid, room)
    changes = moderation_changes(room, changes_after) if changes_after is not None else []
    read = unread.read_state(user, room)
    realtime.presence_changed([room.id])
    return JoinResult(room, changes, last_moderation_change(room), read)


def announce_typing(user: User, slug: str, *, joined: bool, sid: str | None = None) -> None:
    """Tell a room that ``user`` is writing, if they joined it and may post now."""
    room = get_room(slug, user)  # an unknown room is not_found
    permissions.check(user, permissions.Action.SEND_MESSAGE, room)
    if not joined:
        raise Invalid(_l("Join the room first."), field="room")
    if user.muted_at(utcnow()):
        raise Forbidden()
    realtime.typing(slug, user, skip_sid=sid)


def moderation_changes(room: Room, after: int, limit: int = 500) -> list[ModerationChange]:
    """Hides and restores in a room since change ``after``: the latest one per message."""
    rows = db.session.scalars(
        sa.select(ModerationChange)
        .where(ModerationChange.room_id == room.id, ModerationChange.id > after)
        .options(
            joinedload(ModerationChange.message).joinedload(Message.author),
            joinedload(ModerationChange.message).joinedload(Message.room),
            joinedload(ModerationChange.message).joinedload(Message.hidden_by),
        )
        .order_by(ModerationChange.id)
        .limit(limit)
    )
    latest = {change.message_id: change for change in rows}
    return sorted(latest.values(), key=lambda change: change.id)


def last_moderation_change(room: Room) -> int:
    """The id of the room's latest hide or restore (0 if none): the client's cursor."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.max(ModerationChange.id), 0)).where(
                ModerationChange.room_id == room.id
            )
        )
        or 0
    )


def leave(sid: str, slug: str, user: User) -> Room:
    """Leave a room: forget presence there and tell the room."""
    room = get_room(slug, user)
    if presence.leave_room(sid, room):
        realtime.presence_changed([room.id])
    return room
