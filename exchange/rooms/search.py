"""Finding chat messages by their words, in every room a person may read, ranked.

The words are those of the library's search (practices/search.py): letters and
digits of any script, each looked for as a prefix, accents ignored, on SQLite
(FTS5, ranked with bm25) and PostgreSQL (a tsvector, ranked with ts_rank) alike.
Hidden messages (by a moderator, by their author, or erased by retention) are left
out for everyone, moderators included: a search shows what the rooms show.

A search does a bounded amount of work however common its words are: it considers
the newest ``MESSAGE_SEARCH_WINDOW`` (1,000) matching messages, ranks them, and
pages through them. When more match, the total is a floor ("more than 1,000") and
the reader narrows the search with more words, a room, a person or dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import permissions
from ..accounts.models import User
from ..db import is_postgresql
from ..errors import Invalid
from ..event.models import public_room_ids
from ..event.models import RoomMember
from ..event.services import get_room
from ..extensions import db
from ..practices.search import MAX_TERM_LENGTH
from ..practices.search import MAX_TERMS
from ..practices.search import search_terms
from ..practices.search import WORD_RE
from .models import Message
from .models import MESSAGE_FTS_TABLE
from .services import shown_messages


@dataclass(frozen=True)
class MessageQuery:
    """What a reader looks for: words, and optionally a room, an author and a time span."""

    text: str
    #: Slug of the room.
    room: str = ""
    #: Id of the author.
    author: int | None = None
    #: Messages written before this moment, and at or after that one.
    before: dt.datetime | None = None
    after: dt.datetime | None = None


@dataclass
class MessageResults:
    messages: list[Message]
    total: int
    page: int
    per_page: int
    #: False when more messages match than a search considers: ``total`` is then a floor.
    total_exact: bool

    @property
    def has_more(self) -> bool:
        return self.page * self.per_page < self.total


def search_messages(
    reader: permissions.Visitor, query: MessageQuery, *, page: int = 1, per_page: int = 20
) -> MessageResults:
    """Return one page of the visible messages with every word, best matches first."""
    permissions.check(reader, permissions.Action.JOIN_ROOM)  # every room is open to readers
    terms = search_terms(query.text)
    if not terms:
        raise Invalid(_l("Search for at least one word of two letters or more."), field="q")
    assert isinstance(reader, User)  # the check above let only signed-in people through
    # Themed rooms' messages, and those of the reader's own conversations only.
    theirs = sa.select(RoomMember.room_id).where(RoomMember.user_id == reader.id)
    select = sa.select(Message.id).where(
        Message.visible(),
        sa.or_(Message.room_id.in_(public_room_ids()), Message.room_id.in_(theirs)),
    )
    if query.room:
        select = select.where(Message.room_id == get_room(query.room, reader).id)
    if query.author is not None:
        select = select.where(Message.author_id == query.author)
    if query.before is not None:
        select = select.where(Message.created_at < query.before)
    if query.after is not None:
        select = select.where(Message.created_at >= query.after)
    window = current_app.config["MESSAGE_SEARCH_WINDOW"]
    matcher = _PostgresqlMatcher if is_postgresql(db.session) else _SqliteMatcher
    rows = matcher.newest(select, terms, window + 1)
    exact = len(rows) <= window
    ranked = [row[0] for row in sorted(rows[:window], key=lambda row: (-row[1], -row[0]))]
    start = (page - 1) * per_page
    ids = ranked[start : start + per_page]
    found = {
        message.id: message
        for message in shown_messages(sa.select(Message).where(Message.id.in_(ids)))
    }
    return MessageResults(
        [found[i] for i in ids if i in found], len(ranked), page, per_page, total_exact=exact
    )


class _SqliteMatcher:
    fts = sa.table(MESSAGE_FTS_TABLE, sa.column("rowid"))

    @classmethod
    def newest(cls, select: sa.Select[Any], terms: list[str], limit: int) -> list[Any]:
        """The newest matching messages with their bm25 scores (FTS5 walks rowids downwards)."""
        expression = " AND ".join(f'"{term}"*' for term in terms)
        select = (
            select.join(cls.fts, cls.fts.c.rowid == Message.id)
            .where(
                sa.text(f"{MESSAGE_FTS_TABLE} MATCH :fts_query").bindparams(fts_query=expression)
            )
            .add_columns(sa.text(f"-bm25({MESSAGE_FTS_TABLE})"))
            .order_by(cls.fts.c.rowid.desc())
            .limit(limit)
        )
        return list(db.session.execute(select))


class _PostgresqlMatcher:
    search_vector: sa.ColumnClause[Any] = sa.literal_column("messages.search_vector")

    @staticmethod
    def lexemes(terms: list[str]) -> list[str]:
        """The words as the index holds them: accents removed, then split again."""
        plain = db.session.scalar(sa.select(sa.func.exchange_unaccent(" ".join(terms)))) or ""
        words = dict.fromkeys(word.lower()[:MAX_TERM_LENGTH] for word in WORD_RE.findall(plain))
        return list(words)[: 2 * MAX_TERMS]

    @classmethod
    def newest(cls, select: sa.Select[Any], terms: list[str], limit: int) -> list[Any]:
        """The newest matching messages with their ts_rank scores."""
        words = cls.lexemes(terms)
        if not words:
            return []
        query = sa.func.to_tsquery(
            sa.literal_column("'simple'::regconfig"), " & ".join(f"{word}:*" for word in words)
        )
        select = (
            select.where(cls.search_vector.op("@@")(query))
            .add_columns(sa.func.ts_rank(cls.search_vector, query))
            .order_by(Message.id.desc())
            .limit(limit)
        )
        return list(db.session.execute(select))
