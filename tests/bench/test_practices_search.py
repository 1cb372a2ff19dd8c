"""The library's benchmark works: a tiny run on each database (the real one is run by hand)."""

import pytest

from bench import practices_search

from ..support.services import POSTGRESQL_URL
from ..support.services import require


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_the_benchmark_fills_a_database_and_times_every_kind_of_query(database):
    if database == "postgresql":
        require("PostgreSQL", POSTGRESQL_URL, 5432)
    lines = []
    measures = practices_search.run(
        [database], practices=200, queries=2, report=lines.append, postgresql_url=POSTGRESQL_URL
    )
    assert len(lines) == 1 and lines[0].startswith(f"{database}: 200 practices generated in")
    kinds = {measure.label for measure in measures}
    assert {"search: a word of the trade", "list: newest", "list: by tag"} <= kinds
    assert {"facets: newest", "facets (kept): word + country + theme"} <= kinds
    assert all(len(measure.timings_ms) == 2 for measure in measures)
    report = practices_search.table(measures)
    assert report.startswith("| database | query | p50 ms | p95 ms | CPU p50 ms |")
