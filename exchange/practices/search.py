"""Finding published practices: filters, full-text search ranked by relevance, pages, totals.

The same functions run on SQLite (an FTS5 table, ranked with bm25) and on PostgreSQL
(tsvector columns with GIN indexes, ranked with ts_rank); practices/models.py builds
both. Every query starts from :func:`visible_practices`, the one place that decides
what readers may see.

A search does a bounded amount of work however common its words are: a word such as
"energy" may be in most of a hundred thousand practices, and ranking them all would
hold the server for a second. It considers at most ``PRACTICE_SEARCH_WINDOW``
(1,000) matching practices: first those with a word in their title or summary,
newest first, ranked by how well title and summary match (a word in the title counts
four times as much); then those with the words only in the long fields, newest
first. When more match, the total is a floor ("more than 1,000") and readers narrow
the search with more words or filters. Lists without words count exactly: their
filters are served by indexes.

Beside the results, :func:`facets` counts how many practices each choice of the
filters would leave, for the current words and the other filters. Counting a
library without words reads every published practice (from a covering index), so
the counts are kept per process and compared, at each use, with a fingerprint of
the library that every process sees alike: the newest revision (every change to a
practice writes one) and the newest audit entry (every hide and restore writes
one).
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import load_only
from sqlalchemy.orm import selectinload

from ..db import is_postgresql
from ..event.models import Administration
from ..event.models import Room
from ..extensions import db
from ..i18n import CONTENT_LANGUAGES
from ..moderation.models import AuditEntry
from .models import FTS_HEAD_WEIGHTS
from .models import FTS_TABLE
from .models import Practice
from .models import PracticeRevision
from .models import PracticeStatus
from .models import PracticeTag
from .models import STANDARD_INDICATORS

#: Words of a search: letters and digits of any script (underscores separate, as in FTS5).
WORD_RE = re.compile(r"[^\W_]+")
#: A search uses at most this many words, each cut to this length; shorter words are
#: ignored (a one-letter prefix would match nearly everything).
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
MIN_TERM_LENGTH = 2
#: ts_rank weights of the D, C, B and A parts of head_vector: the summary is B, and
#: the title, A, counts four times as much (as FTS_HEAD_WEIGHTS on SQLite).
POSTGRESQL_HEAD_WEIGHTS = "{0, 0, 0.25, 1}"


@dataclass(frozen=True)
class PracticeQuery:
    """What a reader asks the library for; every part is optional."""

    text: str = ""
    #: Slug of the theme's room.
    theme: str = ""
    #: ISO 3166-1 alpha-2 code of the administration's country.
    country: str = ""
    #: Slug of the administration.
    administration: str = ""
    tag: str = ""
    #: Practices going on in that year.
    year: int | None = None
    #: ISO 639-1 code of the language the practices are written in.
    language: str = ""

    def normalized(self) -> PracticeQuery:
        return replace(
            self,
            text=self.text.strip(),
            theme=self.theme.strip(),
            country=self.country.strip().upper(),
            administration=self.administration.strip(),
            tag=normalize_tag(self.tag),
            language=self.language.strip().lower(),
        )

    @property
    def terms(self) -> list[str]:
        return search_terms(self.text)


@dataclass
class ResultPage:
    """One page of practices, and how many match in all."""

    practices: list[Practice]
    total: int
    page: int
    per_page: int
    #: False when more practices match than a search considers: ``total`` is then a floor.
    total_exact: bool = True

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass
class IndicatorTotals:
    """The standard indicators summed over a group of practices."""

    key: str
    count: int
    sums: dict[str, float | int | None] = field(default_factory=dict)


@dataclass
class Totals:
    overall: IndicatorTotals
    by_theme: list[tuple[Room, IndicatorTotals]]
    by_country: list[IndicatorTotals]
    #: False when a search matched more practices than it considers (see the module).
    complete: bool = True


#: The filters that offer choices, each counted in :class:`Facets`.
FACETS = ("theme", "country", "administration", "language")


@dataclass
class Facets:
    """How many practices each choice of a filter leaves, with the words and the other filters.

    Each maps a choice (a theme's slug, a country code, an administration's slug,
    a language code) to its count; a choice that leaves nothing is absent.
    """

    theme: dict[str, int]
    country: dict[str, int]
    administration: dict[str, int]
    language: dict[str, int]
    #: False when the words match more practices than a search considers: the counts
    #: are then those of the practices it considers (see the module).
    complete: bool = True


def normalize_tag(tag: str) -> str:
    """Tags are compared lower case with single spaces."""
    return " ".join(tag.split()).lower()


def search_terms(text: str) -> list[str]:
    """Split what a reader typed into the words to look for, dropping any search syntax."""
    words = [word.lower()[:MAX_TERM_LENGTH] for word in WORD_RE.findall(text)]
    unique = dict.fromkeys(word for word in words if len(word) >= MIN_TERM_LENGTH)
    return list(unique)[:MAX_TERMS]


def visible_practices() -> sa.Select[Practice]:
    """Select the practices every reader may see: published ones that no moderator hid.

    Every public list, search, total and e-book starts here.
    """
    return sa.select(Practice).where(
        Practice.status == PracticeStatus.PUBLISHED, Practice.visible()
    )


def languages_in_use() -> list[str]:
    """Return the languages the visible practices are written in, in CONTENT_LANGUAGES' order.

    One probe of ix_practices_language_status per language, however many
    practices there are: a DISTINCT would read the whole index.
    """
    probes = [
        visible_practices().with_only_columns(Practice.id).where(Practice.language == code).exists()
        for code in CONTENT_LANGUAGES
    ]
    used = db.session.execute(sa.select(*probes)).one()
    return [code for code, is_used in zip(CONTENT_LANGUAGES, used, strict=True) if is_used]


def search(
    query: PracticeQuery, *, page: int = 1, per_page: int = 20, whole: bool = False
) -> ResultPage:
    """Return one page of the visible practices matching ``query``.

    With words to look for, the most relevant come first (see the module's
    docstring); without, the most recently published. The practices carry what a
    list shows of them, or with ``whole`` everything (the API).
    """
    query = query.normalized()
    start = (page - 1) * per_page
    if query.terms:
        window, total, exact = _search_window(query)
        ids = window[start : start + per_page]
    else:
        ids = list(
            db.session.scalars(
                _filtered(query)
                .order_by(Practice.published_at.desc(), Practice.id.desc())
                .limit(per_page)
                .offset(start)
            )
        )
        total = db.session.scalar(_filtered(query).with_only_columns(sa.func.count())) or 0
        exact = True
    return ResultPage(_load(ids, whole), total, page, per_page, total_exact=exact)


def totals(query: PracticeQuery) -> Totals:
    """Sum the standard indicators of the matching practices, overall, by theme and by country."""
    query = query.normalized()
    ids, complete = None, True
    if query.terms:
        window, _total, complete = _search_window(query)
        ids = window
    rooms = {str(room.id): room for room in db.session.scalars(sa.select(Room))}
    by_theme = sorted(
        ((rooms[item.key], item) for item in _sums(query, ids, Practice.theme_id)),
        key=lambda pair: pair[0].position,
    )
    by_country = sorted(_sums(query, ids, Administration.country), key=lambda item: item.key)
    return Totals(_sums(query, ids)[0], by_theme, by_country, complete)


def totals_rows(totals: Totals, theme_name: Any, country_name: Any) -> list[list[Any]]:
    """The totals as rows of a table: what is summed, its name, how many, then each indicator."""
    rows: list[list[Any]] = []
    for kind, name, item in (
        *(("theme", theme_name(room), item) for room, item in totals.by_theme),
        *(("country", country_name(item.key), item) for item in totals.by_country),
        ("all", "", totals.overall),
    ):
        rows.append([kind, name, item.count, *(item.sums[n] for n in STANDARD_INDICATORS)])
    return rows


def facets(query: PracticeQuery) -> Facets:
    """Count, for each choice of each filter, the practices it would leave.

    A filter's own choice is left out of its counts (choosing another country
    replaces it), the words and the other filters are kept.
    """
    query = query.normalized()
    base = replace(query, theme="", country="", administration="", language="")
    cells, complete = _facet_cells(base)
    themes = {row.id: row.slug for row in db.session.execute(sa.select(Room.id, Room.slug))}
    places = {
        row.id: (row.slug, row.country)
        for row in db.session.execute(
            sa.select(Administration.id, Administration.slug, Administration.country)
        )
    }
    chosen = {name: getattr(query, name) for name in FACETS if getattr(query, name)}
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for theme_id, administration_id, language, count in cells:
        slug, country = places.get(administration_id, ("", ""))
        values = {
            "theme": themes.get(theme_id, ""),
            "country": country,
            "administration": slug,
            "language": language or "",
        }
        for name in FACETS:
            if values[name] and all(
                values[other] == value for other, value in chosen.items() if other != name
            ):
                counts[name][values[name]] = counts[name].get(values[name], 0) + count
    return Facets(**counts, complete=complete)


def library_fingerprint() -> tuple[Any, ...]:
    """What changes whenever a practice is written, published, hidden or restored.

    Two primary-key maxima: read from the end of an index, whatever the size of the library.
    """
    return tuple(
        db.session.execute(
            sa.select(
                sa.select(sa.func.max(PracticeRevision.id)).scalar_subquery(),
                sa.select(sa.func.max(AuditEntry.id)).scalar_subquery(),
            )
        ).one()
    )


def _facet_cells(base: PracticeQuery) -> tuple[list[tuple[int, int, str | None, int]], bool]:
    """Count the practices matching ``base`` by theme, administration and language.

    A few hundred cells at most, from which every facet is summed; kept per
    process while the library's fingerprint stays the same.
    """
    size = current_app.config["PRACTICE_FACET_CACHE_SIZE"]
    cache: OrderedDict[PracticeQuery, tuple[Any, Any]] = current_app.extensions.setdefault(
        "exchange.practice_facets", OrderedDict()
    )
    fingerprint = library_fingerprint() if size else None
    if size and base in cache and cache[base][0] == fingerprint:
        cache.move_to_end(base)
        return cache[base][1]  # type: ignore[no-any-return]
    select = _filtered(base).with_only_columns(
        Practice.theme_id, Practice.administration_id, Practice.language, sa.func.count()
    )
    complete = True
    if base.terms:
        window, _total, complete = _search_window(base)
        select = select.where(Practice.id.in_(window))
    grouped = select.group_by(Practice.theme_id, Practice.administration_id, Practice.language)
    found = ([tuple(row) for row in db.session.execute(grouped)], complete)
    if size:
        cache[base] = (fingerprint, found)
        cache.move_to_end(base)
        while len(cache) > size:
            cache.popitem(last=False)
    return found  # type: ignore[return-value]


def overall(query: PracticeQuery) -> IndicatorTotals:
    """Sum the standard indicators of every matching practice (of those a search considers)."""
    query = query.normalized()
    ids = _search_window(query)[0] if query.terms else None
    return _sums(query, ids)[0]


def _filtered(query: PracticeQuery) -> sa.Select[Any]:
    """Select the ids of the visible practices that pass the reader's filters."""
    select = visible_practices().with_only_columns(Practice.id)
    if query.theme:
        select = select.where(
            Practice.theme_id
            == sa.select(Room.id).where(Room.slug == query.theme).scalar_subquery()
        )
    if query.administration:
        select = select.where(
            Practice.administration_id
            == sa.select(Administration.id)
            .where(Administration.slug == query.administration)
            .scalar_subquery()
        )
    if query.country:
        select = select.where(
            Practice.administration_id.in_(
                sa.select(Administration.id).where(Administration.country == query.country)
            )
        )
    if query.tag:
        select = select.where(
            Practice.id.in_(sa.select(PracticeTag.practice_id).where(PracticeTag.tag == query.tag))
        )
    if query.year is not None:
        select = select.where(
            Practice.year_from <= query.year,
            sa.or_(Practice.year_to.is_(None), Practice.year_to >= query.year),
        )
    if query.language:
        select = select.where(Practice.language == query.language)
    return select


def _load(ids: list[int], whole: bool) -> list[Practice]:
    """Load the practices of one page, in the order given.

    A list needs neither the long texts (out of line on PostgreSQL) nor the
    indicators and author of its practices: it leaves them in the database.
    """
    if not ids:
        return []
    options: list[Any] = [
        joinedload(Practice.administration),
        joinedload(Practice.theme),
        selectinload(Practice.tags),
    ]
    if whole:
        options += [joinedload(Practice.author), selectinload(Practice.indicators)]
    else:
        options.append(
            load_only(
                Practice.status,
                Practice.published_at,
                Practice.theme_id,
                Practice.administration_id,
                Practice.year_from,
                Practice.year_to,
                Practice.language,
                Practice.is_demo,
                Practice.slug,
                Practice.title,
                Practice.summary,
            )
        )
    rows = db.session.scalars(sa.select(Practice).where(Practice.id.in_(ids)).options(*options))
    by_id = {practice.id: practice for practice in rows}
    return [by_id[practice_id] for practice_id in ids if practice_id in by_id]


def _search_window(query: PracticeQuery) -> tuple[list[int], int, bool]:
    """Return the ids a search considers, best first; how many match; whether exactly."""
    size = current_app.config["PRACTICE_SEARCH_WINDOW"]
    matcher = _PostgresqlMatcher if is_postgresql(db.session) else _SqliteMatcher
    terms = matcher.lexemes(query.terms)
    if not terms:  # only signs that unaccent turned into punctuation: nothing to look for
        return [], 0, True
    newest = matcher.anywhere(_filtered(query), terms, size)
    if len(newest) < size:
        # These are all the matches: rank those with a word in their title or summary.
        head = matcher.head_scores(newest, terms)
        exact = True
    else:
        head = matcher.in_head(_filtered(query), terms, size)
        exact = False
    ranked = [practice_id for practice_id, _ in sorted(head, key=lambda row: (-row[1], -row[0]))]
    seen = set(ranked)
    window = (ranked + [practice_id for practice_id in newest if practice_id not in seen])[:size]
    return window, len(newest), exact


class _SqliteMatcher:
    """FTS5: every word as a prefix; a column filter for the title and summary."""

    fts = sa.table(FTS_TABLE, sa.column("rowid"))

    @classmethod
    def _match(cls, select: sa.Select[Any], expression: str) -> sa.Select[Any]:
        return select.join(cls.fts, cls.fts.c.rowid == Practice.id).where(
            sa.text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=expression)
        )

    @staticmethod
    def lexemes(terms: list[str]) -> list[str]:
        """The words to look for: FTS5 removes accents itself, and quotes keep syntax out."""
        return terms

    @staticmethod
    def _words(terms: list[str], operator: str) -> str:
        return f" {operator} ".join(f'"{term}"*' for term in terms)

    @classmethod
    def in_head(cls, select: sa.Select[Any], terms: list[str], limit: int) -> list[Any]:
        """The newest practices with every word and one in the title or summary, and scores."""
        expression = (
            f"({cls._words(terms, 'AND')}) AND {{title summary}} : ({cls._words(terms, 'OR')})"
        )
        weights = ", ".join(str(weight) for weight in FTS_HEAD_WEIGHTS)
        select = cls._match(select, expression).add_columns(
            sa.text(f"-bm25({FTS_TABLE}, {weights})")
        )
        return list(db.session.execute(select.order_by(cls.fts.c.rowid.desc()).limit(limit)))

    @classmethod
    def anywhere(cls, select: sa.Select[Any], terms: list[str], limit: int) -> list[int]:
        """The newest practices with every word anywhere."""
        select = cls._match(select, cls._words(terms, "AND"))
        return list(db.session.scalars(select.order_by(cls.fts.c.rowid.desc()).limit(limit)))

    @classmethod
    def head_scores(cls, ids: list[int], terms: list[str]) -> list[Any]:
        """The scores of those of ``ids`` with a word in their title or summary.

        FTS5 answers a range of rowids in one pass, but a list of them one query each.
        """
        if not ids:
            return []
        weights = ", ".join(str(weight) for weight in FTS_HEAD_WEIGHTS)
        rows = db.session.execute(
            sa.text(
                f"SELECT rowid, -bm25({FTS_TABLE}, {weights}) FROM {FTS_TABLE} "
                f"WHERE {FTS_TABLE} MATCH :fts_query AND rowid BETWEEN :low AND :high"
            ),
            {
                "fts_query": f"{{title summary}} : ({cls._words(terms, 'OR')})",
                "low": min(ids),
                "high": max(ids),
            },
        )
        wanted = set(ids)
        return [row for row in rows if row[0] in wanted]


class _PostgresqlMatcher:
    """tsvector: every word as a prefix (word:*), accents removed as in the indexed text.

    The newest matches can be found two ways: walking the practices newest first
    and testing each, which is quick when many match; or reading every match from
    the GIN index and sorting them, which is quick when few do. PostgreSQL's cost
    model cannot choose well, because it does not count that testing a practice
    means fetching its large search_vector from out of line. So the planner is
    asked for its estimate of how many match, which is good, and the strategy is
    pinned with planner settings for the one statement.
    """

    search_vector: sa.ColumnClause[Any] = sa.literal_column("practices.search_vector")
    head_vector: sa.ColumnClause[Any] = sa.literal_column("practices.head_vector")
    #: From which share of the practices matching walking them newest first is quicker
    #: than reading every match from the index (measured with bench/practices_search.py):
    #: soon for head_vector, which is in the row, later for search_vector, which is not.
    WALK_FROM_HEAD = 0.05
    WALK_FROM_ANYWHERE = 0.2

    @staticmethod
    def _query(terms: list[str], operator: str) -> Any:
        return sa.func.to_tsquery(
            sa.literal_column("'simple'::regconfig"),
            f" {operator} ".join(f"{term}:*" for term in terms),
        )

    @staticmethod
    def lexemes(terms: list[str]) -> list[str]:
        """The words to look for as the index holds them: accents removed, and split again.

        unaccent turns some letters into tsquery syntax (the modifier letter ʼ
        into an apostrophe, ⑴ into "(1)"), so its output is split into words
        once more, as to_tsvector splits the indexed text, before it is
        written into a query.
        """
        plain = db.session.scalar(sa.select(sa.func.exchange_unaccent(" ".join(terms)))) or ""
        words = dict.fromkeys(word.lower()[:MAX_TERM_LENGTH] for word in WORD_RE.findall(plain))
        return list(words)[: 2 * MAX_TERMS]

    @classmethod
    def in_head(cls, select: sa.Select[Any], terms: list[str], limit: int) -> list[Any]:
        """The newest practices with every word and one in the title or summary, and scores."""
        any_word = cls._query(terms, "|")
        weights = sa.literal(POSTGRESQL_HEAD_WEIGHTS).cast(sa.ARRAY(sa.REAL))
        select = select.where(cls.head_vector.op("@@")(any_word))
        if len(terms) > 1:
            select = select.where(cls.search_vector.op("@@")(cls._query(terms, "&")))
        select = select.add_columns(sa.func.ts_rank(weights, cls.head_vector, any_word))
        return cls._newest(select, limit, cls.WALK_FROM_HEAD)

    @classmethod
    def anywhere(cls, select: sa.Select[Any], terms: list[str], limit: int) -> list[int]:
        """The newest practices with every word anywhere."""
        select = select.where(cls.search_vector.op("@@")(cls._query(terms, "&")))
        return [row[0] for row in cls._newest(select, limit, cls.WALK_FROM_ANYWHERE)]

    @classmethod
    def head_scores(cls, ids: list[int], terms: list[str]) -> list[Any]:
        """The scores of those of ``ids`` (which match every word) with one in title or summary."""
        if not ids:
            return []
        any_word = cls._query(terms, "|")
        weights = sa.literal(POSTGRESQL_HEAD_WEIGHTS).cast(sa.ARRAY(sa.REAL))
        return list(
            db.session.execute(
                sa.select(Practice.id, sa.func.ts_rank(weights, cls.head_vector, any_word)).where(
                    Practice.id.in_(ids), cls.head_vector.op("@@")(any_word)
                )
            )
        )

    @staticmethod
    def _newest(select: sa.Select[Any], limit: int, walk_from: float) -> list[sa.Row[Any]]:
        """Run ``select`` for its newest ``limit`` rows, the way its estimate calls for."""
        connection = db.session.connection()
        compiled = select.compile(dialect=connection.dialect)
        plan = connection.exec_driver_sql(
            f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params
        ).scalar_one()
        estimate = plan[0]["Plan"]["Plan Rows"]
        practices = connection.exec_driver_sql(
            "SELECT reltuples FROM pg_class WHERE relname = 'practices'"
        ).scalar_one()
        walk = estimate >= walk_from * max(practices, 1.0)
        settings = ["jit", "enable_seqscan", "enable_bitmapscan" if walk else "enable_indexscan"]
        connection.exec_driver_sql("; ".join(f"SET LOCAL {name} = off" for name in settings))
        try:
            return list(connection.execute(select.order_by(Practice.id.desc()).limit(limit)))
        finally:
            connection.exec_driver_sql(
                "; ".join(f"SET LOCAL {name} TO DEFAULT" for name in settings)
            )


def _sums(query: PracticeQuery, ids: list[int] | None, key: Any = None) -> list[IndicatorTotals]:
    """Sum the standard indicators of the filtered practices (of ``ids`` if given) by ``key``."""
    keys = () if key is None else (key,)
    measures = (
        sa.func.count(),
        *(sa.func.sum(getattr(Practice, name)) for name in STANDARD_INDICATORS),
    )
    select = _filtered(query).with_only_columns(*keys, *measures)
    if key is Administration.country:
        select = select.join_from(
            Practice, Administration, Administration.id == Practice.administration_id
        )
    if ids is not None:
        select = select.where(Practice.id.in_(ids))
    result = []
    for row in db.session.execute(select.group_by(*keys)):
        group = str(row[0]) if keys else ""
        count, *sums = row[len(keys) :]
        result.append(
            IndicatorTotals(group, count, dict(zip(STANDARD_INDICATORS, sums, strict=True)))
        )
    return result
