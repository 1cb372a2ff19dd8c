"""Best practices, their tags, free indicators and revisions, and their full-text index.

A practice keeps what its writers typed (``challenge``) beside the derived, sanitized
HTML (``challenge_html``) for each long field; ``html_version`` says which version
of the renderer produced the HTML, so that a stricter allowlist can be applied to
everything already stored.

Full-text search needs structures the ORM does not map, built by the DDL at the
end of this module (for ``metadata.create_all``) and by the migration that added
them: an FTS5 table kept in step by triggers on SQLite, a weighted ``tsvector``
column with a GIN index on PostgreSQL. A later SQLite migration that rebuilds the
``practices`` table (Alembic's batch mode) drops its triggers and must create them
again.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import created_at
from ..db import enum_type
from ..db import Hideable
from ..db import intpk
from ..db import short_str
from ..db import utcnow

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..event.models import Administration
    from ..event.models import Room
    from ..questions.models import Question
    from ..rooms.models import Message


class PracticeStatus(StrEnum):
    """Where a practice is in the editorial workflow: draft → submitted → published."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"


class RevisionAction(StrEnum):
    """What a revision records."""

    CREATED = "created"
    EDITED = "edited"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETURNED = "returned"
    #: A writer's change to a published practice, waiting for a moderator (its snapshot).
    PROPOSED = "proposed"
    #: A moderator published the proposed change (snapshot: what readers now see).
    EDIT_PUBLISHED = "edit_published"
    #: A moderator sent the proposed change back (comment: why); readers never saw it.
    EDIT_RETURNED = "edit_returned"


#: The steps of reviewing a change to a published practice; the latest one tells its state.
EDIT_REVIEW_ACTIONS = (
    RevisionAction.PROPOSED,
    RevisionAction.EDIT_PUBLISHED,
    RevisionAction.EDIT_RETURNED,
)


#: The long fields, written in Markdown, in the order a reader meets them. Each has
#: a derived ``<name>_html`` column.
MARKDOWN_FIELDS = (
    "challenge",
    "actions",
    "results",
    "funding",
    "failures",
    "lessons",
    "transferability",
)
#: The measured indicators every practice may give, after the Covenant of Mayors'
#: "Benchmarks of Excellence", so that practices can be compared and summed.
STANDARD_INDICATORS = (
    "co2_reduction_t_per_year",
    "energy_saved_mwh_per_year",
    "renewable_produced_mwh_per_year",
    "cost_eur",
    "jobs",
    "citizens_involved",
)


def _markdown_column() -> Any:
    return mapped_column(sa.Text, default="")


class Practice(Hideable, Base):
    """A best practice of one administration, written by its delegates.

    Moderators can hide one (Hideable): it then leaves every public list,
    search, API answer and the e-book, and stays in the database.
    """

    __tablename__ = "practices"
    __table_args__ = (
        # The public list: published practices, newest first, optionally by theme
        # or administration. Each index also holds hidden_at, so that telling a
        # visible practice from a hidden one never reads the row.
        sa.Index("ix_practices_status_published_at", "status", "published_at", "id", "hidden_at"),
        sa.Index(
            "ix_practices_theme_id_status",
            "theme_id",
            "status",
            "published_at",
            "id",
            "hidden_at",
        ),
        sa.Index(
            "ix_practices_administration_id_status",
            "administration_id",
            "status",
            "published_at",
            "id",
            "hidden_at",
        ),
        # The list in one language, and which languages the published practices use
        # (one probe per language, for the filter's choices).
        sa.Index(
            "ix_practices_language_status", "language", "status", "published_at", "id", "hidden_at"
        ),
        # Counting the practices going on in a year reads this index only.
        sa.Index("ix_practices_status_year_from", "status", "year_from", "year_to", "hidden_at"),
        # Counting the filters' choices groups every published practice by theme,
        # administration and language: this index holds them in that order, with the
        # years, so that the count reads neither the rows nor a sort.
        sa.Index(
            "ix_practices_facets",
            "status",
            "theme_id",
            "administration_id",
            "language",
            "year_from",
            "year_to",
            "hidden_at",
        ),
        # Searches and tag lists check thousands of practices by id: this index answers
        # "is it visible, and does it pass the filters?" without reading their rows.
        sa.Index(
            "ix_practices_id_filters",
            "id",
            "status",
            "published_at",
            "theme_id",
            "administration_id",
            "year_from",
            "year_to",
            "language",
            "hidden_at",
        ),
    )

    # Columns are declared (and so stored) small ones first and long texts last: a
    # SQLite row is read from its start, and lists and searches, which check the
    # status, dates and filters of many rows, then never read the long texts.
    id: Mapped[intpk]
    status: Mapped[PracticeStatus] = mapped_column(
        enum_type(PracticeStatus, length=20), default=PracticeStatus.DRAFT
    )
    published_at: Mapped[dt.datetime | None]
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"))
    administration_id: Mapped[int] = mapped_column(sa.ForeignKey("administrations.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    year_from: Mapped[int | None]
    #: None while the practice is still going on.
    year_to: Mapped[int | None]
    #: The language its writers wrote it in (ISO 639-1, one of i18n.CONTENT_LANGUAGES),
    #: if they said; pages mark its texts up with it. Databases migrated from before it
    #: existed store it after the long texts (SQLite adds columns at the end of the row),
    #: which is why the indexes that filter by it hold it.
    language: Mapped[str | None] = mapped_column(sa.String(8))
    #: SPDX identifier of the open licence it is published under (licences.LICENCES):
    #: its writers agree to it when they submit it, so it stays after the event.
    licence: Mapped[str] = mapped_column(
        sa.String(20), default="CC-BY-4.0", server_default="CC-BY-4.0"
    )
    #: Invented practices that only exist to make the demo richer.
    is_demo: Mapped[bool] = mapped_column(default=False)
    #: sanitize.MARKDOWN_VERSION that rendered the ``*_html`` columns.
    html_version: Mapped[int] = mapped_column(default=0)

    co2_reduction_t_per_year: Mapped[float | None]
    energy_saved_mwh_per_year: Mapped[float | None]
    renewable_produced_mwh_per_year: Mapped[float | None]
    cost_eur: Mapped[int | None] = mapped_column(sa.BigInteger)
    jobs: Mapped[int | None]
    citizens_involved: Mapped[int | None]

    created_at: Mapped[created_at]
    #: When the content last changed (not the workflow state).
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]

    #: Made from the title for readable addresses (/practices/12-solar-roofs); the id decides.
    slug: Mapped[str] = mapped_column(sa.String(80))
    title: Mapped[short_str]
    links: Mapped[list[str]] = mapped_column(default=list)
    #: Shown to readers as the contact address when not empty.
    public_email: Mapped[str] = mapped_column(sa.String(254), default="")
    #: One paragraph of plain text.
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    #: The reviewer's comment when the practice was last sent back to its writers.
    review_comment: Mapped[str] = mapped_column(sa.Text, default="")

    challenge: Mapped[str] = _markdown_column()
    challenge_html: Mapped[str] = _markdown_column()
    actions: Mapped[str] = _markdown_column()
    actions_html: Mapped[str] = _markdown_column()
    results: Mapped[str] = _markdown_column()
    results_html: Mapped[str] = _markdown_column()
    funding: Mapped[str] = _markdown_column()
    funding_html: Mapped[str] = _markdown_column()
    failures: Mapped[str] = _markdown_column()
    failures_html: Mapped[str] = _markdown_column()
    lessons: Mapped[str] = _markdown_column()
    lessons_html: Mapped[str] = _markdown_column()
    transferability: Mapped[str] = _markdown_column()
    transferability_html: Mapped[str] = _markdown_column()

    theme: Mapped[Room] = relationship()
    administration: Mapped[Administration] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    tags: Mapped[list[PracticeTag]] = relationship(
        back_populates="practice", cascade="all, delete-orphan", order_by="PracticeTag.tag"
    )
    indicators: Mapped[list[PracticeIndicator]] = relationship(
        back_populates="practice",
        cascade="all, delete-orphan",
        order_by="PracticeIndicator.position",
    )
    revisions: Mapped[list[PracticeRevision]] = relationship(
        back_populates="practice", cascade="all, delete-orphan", order_by="PracticeRevision.id"
    )
    #: The chat message it was developed from, if it was ("Develop into a practice").
    source: Mapped[PracticeSource | None] = relationship(cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.status is PracticeStatus.PUBLISHED

    @property
    def is_public(self) -> bool:
        """Published and not hidden: what anyone may read."""
        return self.is_published and self.hidden_at is None

    @property
    def tag_names(self) -> list[str]:
        return sorted(tag.tag for tag in self.tags)

    def __repr__(self) -> str:
        return f"<Practice {self.id} {self.status.value}>"


class PracticeTag(Base):
    """A free tag of a practice, stored lower case."""

    __tablename__ = "practice_tags"
    __table_args__ = (sa.Index("ix_practice_tags_tag_practice_id", "tag", "practice_id"),)

    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(sa.String(40), primary_key=True)

    practice: Mapped[Practice] = relationship(back_populates="tags")


class PracticeIndicator(Base):
    """A measured indicator beyond the standard ones: a name, a value and its unit."""

    __tablename__ = "practice_indicators"

    id: Mapped[intpk]
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(100))
    value: Mapped[float]
    unit: Mapped[str] = mapped_column(sa.String(40), default="")

    practice: Mapped[Practice] = relationship(back_populates="indicators")


class PracticeRevision(Base):
    """One step in a practice's history: who changed what, or moved it in the workflow, when.

    Content changes keep a ``snapshot`` of every editable field as it was after the
    change; workflow steps (submitted, published, returned) keep the reviewer's comment.
    """

    __tablename__ = "practice_revisions"

    id: Mapped[intpk]
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    editor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[RevisionAction] = mapped_column(enum_type(RevisionAction, length=20))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    snapshot: Mapped[dict[str, Any] | None]
    created_at: Mapped[created_at]

    practice: Mapped[Practice] = relationship(back_populates="revisions")
    editor: Mapped[User] = relationship()


class PracticeSource(Base):
    """What a practice was developed from: a chat message, or a question and its answer.

    A table of its own, so that the practices table (and its full-text triggers on
    SQLite) stays as it is; one row at most per practice, with one of the two set.
    """

    __tablename__ = "practice_sources"

    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), primary_key=True)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messages.id"), index=True)
    question_id: Mapped[int | None] = mapped_column(sa.ForeignKey("questions.id"), index=True)

    message: Mapped[Message | None] = relationship()
    question: Mapped[Question | None] = relationship()


class PracticeAutosave(Base):
    """What a writer typed in the guided form and has not saved yet, kept by the server.

    One per writer and practice (``practice_id`` None: the first step of a practice
    not started yet), so that a closed tab or a reload loses nothing. It holds the
    form's fields as typed, unchecked; nobody but the writer reads it, and saving a
    step for real takes that step's fields out of it.
    """

    __tablename__ = "practice_autosaves"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    practice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    #: Form field name → the text typed in it.
    fields: Mapped[dict[str, str]]
    saved_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# Full-text search structures (see the module docstring). The migration that added
# them holds the same statements; a test checks that both build the same objects.

FTS_TABLE = "practices_fts"
FTS_COLUMNS = ("title", "summary", *MARKDOWN_FIELDS)
#: bm25 weights of the FTS5 columns, in their order, for ranking practices by their
#: title and summary (a word in the title counts four times as much); the long fields
#: decide whether a practice matches, not how high it ranks (search.py explains why).
FTS_HEAD_WEIGHTS = (4.0, 1.0, *(0.0 for _ in MARKDOWN_FIELDS))

_fts_columns = ", ".join(FTS_COLUMNS)
_fts_new = ", ".join(f"new.{column}" for column in FTS_COLUMNS)
_fts_old = ", ".join(f"old.{column}" for column in FTS_COLUMNS)

SQLITE_SEARCH_DDL = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({_fts_columns}, "
    "content='practices', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {FTS_TABLE}_after_insert AFTER INSERT ON practices BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, {_fts_columns}) VALUES (new.id, {_fts_new}); END",
    f"CREATE TRIGGER {FTS_TABLE}_after_delete AFTER DELETE ON practices BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_fts_columns}) "
    f"VALUES ('delete', old.id, {_fts_old}); END",
    f"CREATE TRIGGER {FTS_TABLE}_after_update AFTER UPDATE OF {_fts_columns} ON practices BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_fts_columns}) "
    f"VALUES ('delete', old.id, {_fts_old}); "
    f"INSERT INTO {FTS_TABLE}(rowid, {_fts_columns}) VALUES (new.id, {_fts_new}); END",
)

#: Practices are written in many languages, so no language's stemming applies: the
#: 'simple' configuration, with accents removed (unaccent) so that "energia" finds
#: "energía". unaccent() is only STABLE; the IMMUTABLE wrapper lets a generated
#: column use it (its dictionary is fixed here, so the result cannot change).
POSTGRESQL_SEARCH_FUNCTIONS = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE OR REPLACE FUNCTION exchange_unaccent(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$",
)
#: search_vector holds every word of a practice and decides what matches; it is large,
#: so PostgreSQL keeps it out of line and the GIN index is what reads it. head_vector
#: holds the title (weight A) and summary (B): it stays in the row (storage MAIN) and
#: ranks matches cheaply. A low toast_tuple_target moves the long texts out of line
#: too, so that the rows searches and lists visit by the thousand stay small.
POSTGRESQL_SEARCH_DDL = (
    "ALTER TABLE practices ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple'::regconfig, exchange_unaccent("
    "title || ' ' || summary || ' ' || challenge || ' ' || actions || ' ' || results || ' ' || "
    "funding || ' ' || failures || ' ' || lessons || ' ' || transferability))) STORED",
    "ALTER TABLE practices ADD COLUMN head_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, exchange_unaccent(title)), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, exchange_unaccent(summary)), 'B')) STORED",
    "CREATE INDEX ix_practices_search_vector ON practices USING gin (search_vector)",
    "CREATE INDEX ix_practices_head_vector ON practices USING gin (head_vector)",
    "ALTER TABLE practices ALTER COLUMN head_vector SET STORAGE MAIN",
    "ALTER TABLE practices SET (toast_tuple_target = 256)",
)

#: What the DDL above adds that no model maps; comparisons of a database with the
#: models (Alembic's autogenerate, tests/test_schema.py) leave these out.
UNMAPPED_SEARCH_TABLE_PREFIX = FTS_TABLE
UNMAPPED_SEARCH_COLUMNS = {("practices", "search_vector"), ("practices", "head_vector")}
UNMAPPED_SEARCH_INDEXES = {"ix_practices_search_vector", "ix_practices_head_vector"}

for _statement in POSTGRESQL_SEARCH_FUNCTIONS:
    sa.event.listen(
        Practice.__table__, "before_create", sa.DDL(_statement).execute_if(dialect="postgresql")
    )
for _statement in POSTGRESQL_SEARCH_DDL:
    sa.event.listen(
        Practice.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="postgresql")
    )
for _statement in SQLITE_SEARCH_DDL:
    sa.event.listen(
        Practice.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite")
    )
# Triggers first: SQLite checks them again on every later change to the schema.
for _statement in (
    *(
        f"DROP TRIGGER IF EXISTS {FTS_TABLE}_after_{event}"
        for event in ("insert", "delete", "update")
    ),
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
):
    sa.event.listen(
        Practice.__table__, "before_drop", sa.DDL(_statement).execute_if(dialect="sqlite")
    )
sa.event.listen(
    Practice.__table__,
    "after_drop",
    sa.DDL("DROP FUNCTION IF EXISTS exchange_unaccent(text)").execute_if(dialect="postgresql"),
)
