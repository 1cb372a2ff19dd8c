"""Finding practices: full-text search and filters, on SQLite FTS5 and PostgreSQL alike."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from exchange import create_app
from exchange import schema
from exchange.db import is_postgresql
from exchange.extensions import db
from exchange.models import metadata
from exchange.moderation.services import hide_practice
from exchange.practices import search
from exchange.practices import services
from exchange.practices.models import MARKDOWN_FIELDS
from exchange.practices.search import PracticeQuery

from ..support.databases import postgresql_database
from ..support.services import POSTGRESQL_URL
from ..support.services import require


def titles(query=None, **filters):
    found = search.search(query or PracticeQuery(**filters), per_page=50)
    return [practice.title for practice in found.practices]


@pytest.fixture
def library(write, elena, salvatore, make_user):
    """Published practices from Italy and Germany, and unpublished ones that must stay hidden."""
    musterstadt = make_user(administration="demo-musterstadt")
    write(
        elena,
        published=True,
        title="Solar roofs on schools",
        tags=["solar", "schools"],
        language="it",
    )
    write(
        salvatore,
        published=True,
        title="Energy community of Ferla",
        theme="energy-communities",
        summary="Farms share what their panels produce.",
        actions="Photovoltaic and solar thermal panels on farm roofs.",
        year_from=2023,
        tags=["energy community"],
        language="en",
    )
    write(
        musterstadt,
        published=True,
        title="Solar land register",
        theme="data-for-planning",
        year_from=2018,
        year_to=2020,
        tags=["solar", "open data"],
        language="de",
    )
    write(elena, title="Solar draft nobody may see", language="fr")
    write(salvatore, submitted=True, title="Solar practice under review")


def test_a_title_match_ranks_above_a_match_in_the_body_only(app_ctx, write, elena):
    write(
        elena,
        published=True,
        title="Cycling lanes",
        summary="The lanes pass a solar car park.",
        challenge="Solar canopies shade the bikes. Solar lamps light them.",
        results="The solar lamps work.",
    )
    write(elena, published=True, title="Solar car parks", summary="Canopies over parking.")
    write(elena, published=True, title="Tree planting", summary="Shade for streets.")
    assert titles(text="solar") == ["Solar car parks", "Cycling lanes"]


def test_a_search_considers_a_bounded_window_with_title_matches_first(app, app_ctx, write, elena):
    app.config["PRACTICE_SEARCH_WINDOW"] = 3
    write(elena, published=True, title="Old solar roofs", summary="Panels.")
    for number in range(4):
        write(elena, published=True, title=f"Cycling {number}", results="With solar lamps.")
    found = search.search(PracticeQuery(text="solar"), per_page=10)
    assert (found.total, found.total_exact, found.pages) == (3, False, 1)
    assert [p.title for p in found.practices] == ["Old solar roofs", "Cycling 3", "Cycling 2"]
    exact = search.search(PracticeQuery(text="solar", tag="none"), per_page=10)
    assert (exact.total, exact.total_exact) == (0, True)
    assert search.totals(PracticeQuery(text="solar")).complete is False


def test_among_title_and_summary_matches_the_title_counts_more(app_ctx, write, elena):
    write(elena, published=True, title="Heat pumps", summary="Solar too.")
    write(elena, published=True, title="Solar parks", summary="Panels.")
    write(elena, published=True, title="Bikes", summary="Solar solar solar.")
    assert titles(text="solar")[0] == "Solar parks"
    assert titles(text="solar parks") == ["Solar parks"]
    assert titles(text="solar heat") == ["Heat pumps"]


@pytest.mark.parametrize("field", ["title", "summary", *MARKDOWN_FIELDS])
def test_every_text_of_a_practice_is_searched(app_ctx, write, elena, field):
    write(elena, published=True, **{"title": "A practice", field: "Geothermal heat for the pool"})
    assert search.search(PracticeQuery(text="geothermal")).total == 1


def test_search_ignores_case_and_accents_and_finds_word_beginnings(app_ctx, write, elena):
    write(elena, published=True, title="Energía solare per la città", summary="Impianti SOLARI.")
    for text in ("energia", "ENERGÍA", "citta", "solar", "sol impianti", "città solar"):
        assert titles(text=text) == ["Energía solare per la città"], text
    assert titles(text="solar missing") == []  # every word must be found


def test_hidden_practices_never_appear(app_ctx, library):
    everything = titles()
    assert "Solar draft nobody may see" not in everything
    assert "Solar practice under review" not in everything
    found = titles(text="solar")
    assert set(found[:2]) == {"Solar land register", "Solar roofs on schools"}
    assert found[2:] == ["Energy community of Ferla"]
    assert search.totals(PracticeQuery()).overall.count == 3


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"country": "IT"}, {"Solar roofs on schools", "Energy community of Ferla"}),
        ({"country": "it"}, {"Solar roofs on schools", "Energy community of Ferla"}),
        (
            {"text": "solar", "country": "IT"},
            {"Solar roofs on schools", "Energy community of Ferla"},
        ),
        ({"text": "solar", "country": "DE"}, {"Solar land register"}),
        ({"theme": "energy-communities"}, {"Energy community of Ferla"}),
        ({"administration": "ferla", "text": "panels"}, {"Energy community of Ferla"}),
        ({"tag": "Solar"}, {"Solar roofs on schools", "Solar land register"}),
        ({"tag": "solar", "country": "IT"}, {"Solar roofs on schools"}),
        ({"year": 2019}, {"Solar land register"}),
        ({"year": 2024}, {"Solar roofs on schools", "Energy community of Ferla"}),
        ({"year": 2021, "text": "solar"}, {"Solar roofs on schools"}),
        ({"language": "it"}, {"Solar roofs on schools"}),
        ({"language": "DE", "text": "solar"}, {"Solar land register"}),
        ({"language": "de", "country": "IT"}, set()),
        ({"language": "en", "year": 2024}, {"Energy community of Ferla"}),
        ({"language": "fr"}, set()),  # only a draft is written in French
        ({"language": "klingon"}, set()),
        ({"theme": "atlantis"}, set()),
        ({"country": "FR"}, set()),
    ],
)
def test_filters_combine_with_each_other_and_with_search(app_ctx, library, filters, expected):
    assert set(titles(**filters)) == expected


def test_the_language_filter_offers_the_languages_of_published_practices(app_ctx, library):
    assert search.languages_in_use() == ["de", "en", "it"]  # not the French draft


def test_a_hidden_practice_takes_its_language_out_of_the_filter(app_ctx, write, elena, moderator):
    practice = services.get_practice(write(elena, published=True, language="pl").id)
    assert search.languages_in_use() == ["pl"]
    hide_practice(practice, db.session.merge(moderator), "Spam")
    assert search.languages_in_use() == []


def test_facets_count_each_choice_with_the_words_and_the_other_filters(app_ctx, library):
    counts = search.facets(PracticeQuery(text="solar", country="IT"))
    assert counts.theme == {"renewable-energy": 1, "energy-communities": 1}
    assert counts.country == {"IT": 2, "DE": 1}  # its own filter does not narrow it
    assert counts.administration == {"campi-bisenzio": 1, "ferla": 1}
    assert counts.language == {"it": 1, "en": 1}
    assert counts.complete


def test_facets_leave_out_what_nobody_may_read_and_choices_with_nothing(app_ctx, library):
    counts = search.facets(PracticeQuery(tag="solar", year=2019))
    assert counts.country == {"DE": 1}
    assert counts.theme == {"data-for-planning": 1}
    assert "fr" not in search.facets(PracticeQuery()).language  # only a draft is in French


def test_facets_of_a_search_beyond_its_window_count_the_practices_it_considers(
    app, app_ctx, write, elena
):
    app.config["PRACTICE_SEARCH_WINDOW"] = 2
    for number in range(3):
        write(elena, published=True, title=f"Solar roof {number}")
    counts = search.facets(PracticeQuery(text="solar"))
    assert counts.country == {"IT": 2} and not counts.complete


def test_counts_kept_by_one_process_follow_changes_made_by_another(
    app, app_ctx, database_url, tmp_path, write, elena, moderator
):
    """Each process keeps its counts; the library's fingerprint tells it when to count again."""
    first = write(elena, published=True, title="Solar roofs", language="it")
    assert search.facets(PracticeQuery()).language == {"it": 1}
    other_process = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "another-process",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "BACKGROUND_TASKS": False,
        }
    )
    with other_process.app_context():
        hide_practice(
            services.get_practice(first.id), db.session.merge(moderator), "Copied from elsewhere"
        )
        db.engine.dispose()
    db.session.rollback()  # end this process's transaction, as its next request would
    assert search.facets(PracticeQuery()).language == {}
    write(elena, published=True, title="Pompe di calore", language="it")
    write(elena, published=True, title="Heat pumps", language="en")
    db.session.rollback()
    assert search.facets(PracticeQuery()).language == {"it": 1, "en": 1}


def test_counts_of_an_unchanged_library_are_not_read_again(app_ctx, library):
    search.facets(PracticeQuery(country="IT"))
    statements = _statements_of(lambda: search.facets(PracticeQuery(country="DE")))
    assert not any("GROUP BY" in sql for sql, _parameters in statements)


def test_counting_without_words_reads_an_index_and_never_the_table(app_ctx, library):
    _assert_no_full_scan(_statements_of(lambda: search.facets(PracticeQuery(year=2019))))


def test_results_come_in_pages(app_ctx, write, elena):
    for number in range(5):
        write(elena, published=True, title=f"Heat pump {number}")
    first = search.search(PracticeQuery(text="heat"), page=1, per_page=2)
    last = search.search(PracticeQuery(text="heat"), page=3, per_page=2)
    assert (first.total, first.pages, first.has_previous, first.has_next) == (5, 3, False, True)
    assert (len(last.practices), last.has_next) == (1, False)
    seen = [
        p.title
        for page in (1, 2, 3)
        for p in search.search(PracticeQuery(), page=page, per_page=2).practices
    ]
    assert sorted(seen) == [f"Heat pump {n}" for n in range(5)]
    assert seen[0] == "Heat pump 4"  # the latest published first
    assert search.search(PracticeQuery(), page=9, per_page=2).practices == []


def test_search_syntax_and_hostile_text_are_only_ever_words(app_ctx, library, naughty_strings):
    for text in [
        *naughty_strings,
        'solar" OR title:*',
        "solar & !panels | (x",
        "NEAR(solar panels)",
        "solar:* & 'x'",
        "-solar",
        "^solar",
    ]:
        search.search(PracticeQuery(text=text))
        db.session.rollback()
    assert titles(text='"solar" AND') == titles(text="solar and")


def test_indicators_are_summed_by_theme_and_by_country(app_ctx, write, elena, salvatore):
    write(elena, published=True, co2_reduction_t_per_year=100.0, cost_eur=1000, jobs=2)
    write(elena, published=True, title="Solar parking", co2_reduction_t_per_year=50.5, jobs=1)
    write(salvatore, published=True, theme="energy-communities", co2_reduction_t_per_year=10.0)
    write(salvatore, co2_reduction_t_per_year=1000.0)  # a draft counts for nothing
    totals = search.totals(PracticeQuery())
    assert totals.overall.count == 3
    assert totals.overall.sums["co2_reduction_t_per_year"] == pytest.approx(160.5)
    assert totals.overall.sums["energy_saved_mwh_per_year"] is None
    assert [(room.slug, item.count) for room, item in totals.by_theme] == [
        ("renewable-energy", 2),
        ("energy-communities", 1),
    ]
    assert [(item.key, item.count, item.sums["jobs"]) for item in totals.by_country] == [
        ("IT", 3, 3)
    ]
    solar = search.totals(PracticeQuery(text="solar parking"))
    assert solar.overall.count == 1 and solar.overall.sums["jobs"] == 1


def _statements_of(call):
    """The SELECT statements (and their parameters) that ``call`` sends to the database."""
    seen = []

    def record(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize(
    "query",
    [
        PracticeQuery(),
        PracticeQuery(theme="funding"),
        PracticeQuery(country="IT"),
        PracticeQuery(administration="ferla"),
        PracticeQuery(tag="solar"),
        PracticeQuery(year=2019),
        PracticeQuery(text="solar"),
        PracticeQuery(text="solar panels", country="IT", tag="solar"),
        PracticeQuery(language="it"),
        PracticeQuery(language="it", year=2024),
        PracticeQuery(text="solar", language="de"),
    ],
    ids=lambda query: ",".join(f"{k}={v}" for k, v in vars(query).items() if v) or "newest",
)
def test_lists_and_searches_never_read_the_whole_table(app_ctx, library, query):
    """At 100,000 practices a full scan is too slow; bench/practices_search.py measures it."""
    _assert_no_full_scan(_statements_of(lambda: search.search(query)))


def test_the_languages_in_use_are_found_without_reading_the_table(app_ctx, library):
    _assert_no_full_scan(_statements_of(search.languages_in_use))


def _assert_no_full_scan(statements):
    connection = db.session.connection()
    postgresql = is_postgresql(db.session)
    assert statements
    for statement, parameters in statements:
        if statement.startswith(("EXPLAIN", "SELECT reltuples")):
            continue
        if postgresql:  # tiny tables: ask whether an index could serve it, not which is best
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        prefix = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
        plan = " ".join(
            str(row) for row in connection.exec_driver_sql(prefix + statement, parameters)
        )
        if postgresql:
            assert "Seq Scan on practices " not in plan + " ", (statement, plan)
        else:
            assert not re.search(r"SCAN practices(?! USING| VIRTUAL|_fts)", plan), (statement, plan)


def _search_objects(url, tmp_path, build):
    """The full-text objects a database holds after ``build`` (migrations or create_all)."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        build()
        with db.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                rows = connection.execute(
                    sa.text(
                        "SELECT type, name, sql FROM sqlite_master "
                        "WHERE name LIKE 'practices_fts%' ORDER BY name"
                    )
                )
            else:
                rows = connection.execute(
                    sa.text(
                        "SELECT 'column', attname, pg_get_expr(adbin, adrelid) FROM pg_attrdef "
                        "JOIN pg_attribute ON attrelid = adrelid AND attnum = adnum "
                        "WHERE attname = 'search_vector' "
                        "UNION ALL SELECT 'index', indexname, indexdef FROM pg_indexes "
                        "WHERE indexname = 'ix_practices_search_vector' "
                        "UNION ALL SELECT 'function', proname, prosrc FROM pg_proc "
                        # Messages have a search_vector too: order by the expression as well.
                        "WHERE proname = 'exchange_unaccent' ORDER BY 2, 3"
                    )
                )
            objects = [tuple(row) for row in rows]
        db.engine.dispose()
    return objects


def _compare_search_objects(make_url, tmp_path):
    migrated = _search_objects(make_url("migrated"), tmp_path, schema.upgrade)
    created = _search_objects(make_url("created"), tmp_path, lambda: metadata.create_all(db.engine))
    assert len(migrated) >= 3
    assert migrated == created


def test_the_migration_builds_the_search_index_the_models_build_on_sqlite(tmp_path):
    _compare_search_objects(lambda name: f"sqlite:///{tmp_path / name}.sqlite3", tmp_path)


@pytest.mark.postgresql
def test_the_migration_builds_the_search_index_the_models_build_on_postgresql(tmp_path):
    require("PostgreSQL", POSTGRESQL_URL, 5432)
    with postgresql_database() as migrated, postgresql_database() as created:
        urls = {"migrated": migrated, "created": created}
        _compare_search_objects(urls.__getitem__, tmp_path)


def test_the_migration_can_be_undone(tmp_path):
    from alembic import command

    url = f"sqlite:///{Path(tmp_path) / 'undo.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        schema.upgrade()
        with db.engine.begin() as connection:
            config = schema.alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        assert schema.current_revision() == "0001"
        schema.upgrade()
        assert schema.current_revision() == schema.head_revision()
        db.engine.dispose()


def test_search_still_works_after_undoing_and_redoing_every_migration(tmp_path):
    """Rebuilding the practices table on SQLite must not lose its full-text triggers."""
    from alembic import command

    url = f"sqlite:///{Path(tmp_path) / 'redo.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        schema.upgrade()
        with db.engine.begin() as connection:
            config = schema.alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
        with db.engine.connect() as connection:
            triggers = (
                connection.exec_driver_sql(
                    "SELECT name FROM sqlite_master "
                    "WHERE type = 'trigger' AND tbl_name = 'practices'"
                )
                .scalars()
                .all()
            )
        assert sorted(triggers) == [
            "practices_fts_after_delete",
            "practices_fts_after_insert",
            "practices_fts_after_update",
        ]
        schema.upgrade()
        db.engine.dispose()
