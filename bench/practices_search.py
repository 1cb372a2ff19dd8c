"""Measure the library's list and search at scale, on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.practices_search                 # 100,000 practices, both databases
    .venv/bin/python -m bench.practices_search --practices 20000 --databases sqlite

It fills a throwaway database (a SQLite file in a temporary folder; a PostgreSQL
database created on the server at EXCHANGE_BENCH_POSTGRESQL_URL, default
postgresql://127.0.0.1:5432/test, and dropped afterwards) with synthetic practices,
then times the service calls behind /practices and /api/practices: warm, one at a
time, p50 and p95 per kind of query. The targets are 50 ms (p95) for a search and
30 ms for a list. It also times the counts of the filters' choices (search.facets)
for the same queries, counted afresh each time (``facets``, the cost of a first
visit or of a changed library; target 50 ms) and kept by the process (``facets
(kept)``, every later visit). Beside the wall-clock time it reports the CPU time the query took
in this process (where SQLite works) and in its PostgreSQL backend, read from
/proc/<pid>/schedstat: on a machine busy with other work, that is what the query
needs of an idle core.

The synthetic practices are published (19 in 20), spread over 42 administrations of
its own in 20 countries, the event's themes and three years, with a few tags each and about
500 words drawn from a Zipf-distributed vocabulary, as words are in real texts: the
most frequent are function words (the, di, und ...), then the words of the trade
(solar, energia, Wärmepumpe ...) spread from rank 25 to rank 3,000, so that each is
in between 1% and 70% of the practices, then a long tail of invented words. "energy",
the most frequent word of the trade, is timed on its own: the worst case. Their
HTML is a plain escape of the text: rendering is not measured.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import functools
import html
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
DEMO_EVENT = ROOT / "examples" / "big-european-exchange.toml"
DEFAULT_POSTGRESQL_URL = "postgresql://127.0.0.1:5432/test"
TARGETS_MS = {"search": 50.0, "list": 30.0, "facets": 50.0}

#: The most frequent words of any text, which nobody searches for.
FUNCTION_WORDS = """
the of and to in a for with on is by from di e la il per che del und der die das mit w i z
na és az y el de les och att
""".split()
#: The trade's words, in the languages of the exchange, the most frequent first.
TRADE_WORDS = """
energy solar photovoltaic panels roofs schools heat pumps district heating biomass wind
efficiency retrofit insulation buildings lighting led street mobility cycling bike lanes bus
electric charging car sharing walking participation citizens budget workshop survey community
communities cooperative households poverty adaptation flooding heatwaves trees shade drought
mitigation emissions inventory monitoring data plan secap covenant mayors funding grants loan
contract procurement circular waste reuse water municipality region province union tender
energia solare fotovoltaico comunità edifici scuole illuminazione mobilità ciclabile cittadini
bilancio partecipativo piano adattamento alberi finanziamenti riqualificazione teleriscaldamento
Energie Wärmepumpe Gemeinde Bürger Sanierung Radweg Klimaschutz Fernwärme Photovoltaik Dach
energetyka słoneczna gmina mieszkańcy termomodernizacja rower ciepło energiahatékonyság napelem
""".split()
TAGS = [
    "solar", "schools", "heat pumps", "led", "cycling", "public transport", "energy community",
    "energy poverty", "participation", "adaptation", "heatwaves", "trees", "open data", "secap",
    "funding", "epc", "procurement", "biomass", "wind", "district heating", "insulation",
    "electric vehicles", "car sharing", "water", "waste", "circular economy", "youth", "tourism",
    "agriculture", "mountains", "islands", "rural", "small municipalities", "regions", "monitoring",
    "citizens", "cooperatives", "schools energy", "street lighting", "public buildings",
]  # fmt: skip
COUNTRIES = [
    "IT", "DE", "PL", "HU", "SE", "ES", "FR", "PT", "GR", "AT", "SI", "HR", "RO", "BG", "CZ",
    "SK", "NL", "BE", "IE", "FI",
]  # fmt: skip
ADMINISTRATIONS = 42
PUBLISHED_SHARE = 0.95


class Vocabulary:
    """Words drawn with a Zipf distribution, ranked as described in the module docstring."""

    def __init__(self, rng: random.Random, size: int = 30_000, exponent: float = 1.07) -> None:
        syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vi", "so", "de", "pa", "ber", "gan",
                     "tor", "lin", "mar", "sel", "ven", "dor", "qui", "zal"]  # fmt: skip
        ranks: dict[int, str] = dict(enumerate(FUNCTION_WORDS))
        for index, word in enumerate(TRADE_WORDS):
            rank = round(25 * 120 ** (index / (len(TRADE_WORDS) - 1)))
            while rank in ranks:
                rank += 1
            ranks[rank] = word
        invented = iter(
            sorted(
                {
                    "".join(rng.choice(syllables) for _ in range(rng.randint(3, 5)))
                    for _ in range(size * 2)
                }
            )
        )
        self.words = [ranks.get(rank) or next(invented) for rank in range(size)]
        weights = [1 / (rank**exponent) for rank in range(1, len(self.words) + 1)]
        self.cumulative = list(itertools.accumulate(weights))
        self.rng = rng

    def sample(self, count: int) -> list[str]:
        total = self.cumulative[-1]
        return [
            self.words[bisect.bisect(self.cumulative, self.rng.random() * total)]
            for _ in range(count)
        ]

    def text(self, count: int) -> str:
        return " ".join(self.sample(count))


@contextmanager
def _app(url: str, tmp: Path) -> Iterator[Any]:
    from exchange import create_app
    from exchange.extensions import db

    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp / "instance"),
            "SECRET_KEY": "bench",
            "BACKGROUND_TASKS": False,
            "SQLITE_SYNCHRONOUS": "NORMAL",
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        try:
            yield app
        finally:
            db.session.close()
            db.engine.dispose()


def generate_practices(count: int, *, seed: int = 1, batch: int = 2_000) -> None:
    """Insert ``count`` synthetic practices (and their authors and tags) into the app's database.

    The event must be loaded. Rows go in with executemany, in batches, each batch
    its own transaction; the full-text index follows through its triggers (SQLite)
    or generated column (PostgreSQL).
    """
    from exchange.accounts.models import Role
    from exchange.accounts.models import User
    from exchange.db import utcnow
    from exchange.event.models import Administration
    from exchange.event.models import AdministrationKind
    from exchange.event.models import Room
    from exchange.extensions import db
    from exchange.practices.models import MARKDOWN_FIELDS
    from exchange.practices.models import Practice
    from exchange.practices.models import PracticeStatus
    from exchange.practices.models import PracticeTag
    from exchange.sanitize import MARKDOWN_VERSION

    rng = random.Random(seed)
    vocabulary = Vocabulary(rng)
    session = db.session
    # Its own 42 administrations in 20 countries, whatever the demo event holds.
    session.execute(
        sa.insert(Administration),
        [
            {
                "slug": f"bench-{number}",
                "name": f"Bench administration {number}",
                "country": COUNTRIES[number % len(COUNTRIES)],
                "kind": AdministrationKind.MUNICIPALITY,
                "website": "",
                "is_demo": True,
                "created_at": utcnow(),
            }
            for number in range(ADMINISTRATIONS)
        ],
    )
    administrations = list(
        session.scalars(sa.select(Administration.id).where(Administration.slug.like("bench-%")))
    )
    session.execute(
        sa.insert(User),
        [
            {
                "email": f"bench-{administration_id}@example.org",
                "name": f"Bench delegate {administration_id}",
                "password_hash": "!",
                "role": Role.DELEGATE,
                "administration_id": administration_id,
                "created_at": utcnow(),
            }
            for administration_id in administrations
        ],
    )
    authors = dict(session.execute(sa.select(User.administration_id, User.id)).all())
    themes = list(session.scalars(sa.select(Room.id)))
    session.commit()

    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    next_id = (session.scalar(sa.select(sa.func.max(Practice.id))) or 0) + 1
    for first in range(0, count, batch):
        practices, tags = [], []
        for practice_id in range(next_id + first, next_id + min(first + batch, count)):
            administration_id = rng.choice(administrations)
            published = rng.random() < PUBLISHED_SHARE
            moment = start + dt.timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
            texts = {name: vocabulary.text(rng.randint(20, 110)) for name in MARKDOWN_FIELDS}
            year = rng.randint(2012, 2025)
            row = {
                "id": practice_id,
                "slug": "bench-practice",
                "title": vocabulary.text(rng.randint(3, 8)).capitalize(),
                "summary": vocabulary.text(rng.randint(25, 60)),
                "theme_id": rng.choice(themes),
                "administration_id": administration_id,
                "author_id": authors[administration_id],
                "status": PracticeStatus.PUBLISHED if published else PracticeStatus.DRAFT,
                "html_version": MARKDOWN_VERSION,
                "co2_reduction_t_per_year": round(rng.uniform(0, 900), 1),
                "energy_saved_mwh_per_year": round(rng.uniform(0, 2000), 1),
                "renewable_produced_mwh_per_year": None,
                "cost_eur": rng.randrange(10_000, 3_000_000),
                "jobs": rng.randrange(0, 12),
                "citizens_involved": rng.randrange(0, 5000),
                "year_from": year,
                "year_to": None if rng.random() < 0.3 else year + rng.randint(0, 4),
                "links": [],
                "public_email": "",
                "review_comment": "",
                "is_demo": True,
                "created_at": moment,
                "updated_at": moment,
                "submitted_at": moment if published else None,
                "published_at": moment if published else None,
            }
            for name, text in texts.items():
                row[name] = text
                row[f"{name}_html"] = f"<p>{html.escape(text)}</p>"
            practices.append(row)
            for tag in rng.sample(TAGS, rng.randint(1, 4)):
                tags.append({"practice_id": practice_id, "tag": tag})
        session.execute(sa.insert(Practice), practices)
        session.execute(sa.insert(PracticeTag), tags)
        session.commit()
    if session.get_bind().dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    else:
        session.execute(sa.text("ANALYZE"))
        session.commit()


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Measure:
    database: str
    kind: str
    label: str
    timings_ms: list[float]
    #: CPU time of this thread and of the PostgreSQL backend; empty where unreadable.
    cpu_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95(self) -> float:
        return percentile(self.timings_ms, 0.95)


def _cpu_ns(paths: Sequence[str]) -> int | None:
    """Nanoseconds on CPU so far of the tasks whose schedstat files are given (Linux)."""
    try:
        return sum(int(Path(path).read_text().split()[0]) for path in paths)
    except (OSError, ValueError, IndexError):
        return None


def _cpu_paths() -> list[str]:
    """The schedstat files of this thread and, on PostgreSQL, of the session's backend."""
    from exchange.db import is_postgresql
    from exchange.extensions import db

    paths = ["/proc/thread-self/schedstat"]
    if is_postgresql(db.session):
        backend = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        paths.append(f"/proc/{backend}/schedstat")
    return paths


def _queries(rng: random.Random, count: int) -> dict[str, list[Any]]:
    """What readers ask: words of the trade alone or in pairs, rare words, and filters."""
    from exchange.practices.search import PracticeQuery

    words = [word.lower() for word in TRADE_WORDS]
    return {
        "search: a word of the trade": [
            PracticeQuery(text=rng.choice(words)) for _ in range(count)
        ],
        "search: two words": [
            PracticeQuery(text=" ".join(rng.sample(words, 2))) for _ in range(count)
        ],
        "search: a word's first 3 letters": [
            PracticeQuery(text=rng.choice(words)[:3]) for _ in range(count)
        ],
        "search: word + country + theme": [
            PracticeQuery(
                text=rng.choice(words), country=rng.choice(COUNTRIES), theme="renewable-energy"
            )
            for _ in range(count)
        ],
        "search: energy (in 70% of them)": [PracticeQuery(text="energy") for _ in range(count)],
        "list: newest": [PracticeQuery() for _ in range(count)],
        "list: by theme": [PracticeQuery(theme="funding") for _ in range(count)],
        "list: by country": [PracticeQuery(country=rng.choice(COUNTRIES)) for _ in range(count)],
        "list: by administration": [
            PracticeQuery(administration=f"bench-{rng.randrange(ADMINISTRATIONS)}")
            for _ in range(count)
        ],
        "list: by tag": [PracticeQuery(tag=rng.choice(TAGS)) for _ in range(count)],
        "list: by year": [PracticeQuery(year=rng.randint(2012, 2025)) for _ in range(count)],
    }


def measure(database: str, queries: dict[str, list[Any]], pages: Sequence[int]) -> list[Measure]:
    """Time ``search.search`` for every query, warm (each kind runs once untimed first).

    Then time ``search.facets`` for the same queries, counted afresh and kept.
    """
    from flask import current_app

    from exchange.practices import search

    results = []
    for label, batch in queries.items():
        for page in pages:
            suffix = f" (page {page})" if page != 1 else ""
            timings, cpu = _time(functools.partial(_page, page=page), batch)
            results.append(Measure(database, label.split(":")[0], label + suffix, timings, cpu))

    def forget() -> None:
        current_app.extensions.pop("exchange.practice_facets", None)

    for label, batch in queries.items():
        name = label.split(": ", 1)[1]
        timings, cpu = _time(search.facets, batch, before=forget)
        results.append(Measure(database, "facets", f"facets: {name}", timings, cpu))
        timings, cpu = _time(search.facets, batch)
        results.append(Measure(database, "facets", f"facets (kept): {name}", timings, cpu))
    return results


def _page(query: Any, page: int) -> Any:
    from exchange.practices import search

    return search.search(query, page=page)


def _time(
    call: Callable[[Any], Any], batch: list[Any], before: Callable[[], Any] = lambda: None
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of ``call`` on each query, after one untimed run."""
    from exchange.extensions import db

    call(batch[0])
    db.session.rollback()
    timings, cpu = [], []
    for query in batch:
        before()
        paths = _cpu_paths()
        cpu_before = _cpu_ns(paths)
        started = time.perf_counter()
        call(query)
        timings.append((time.perf_counter() - started) * 1000)
        cpu_after = _cpu_ns(paths)
        if cpu_before is not None and cpu_after is not None:
            cpu.append((cpu_after - cpu_before) / 1e6)
        db.session.rollback()
    return timings, cpu


@contextmanager
def _database(name: str, tmp: Path, postgresql_url: str) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite:///{tmp / 'bench.sqlite3'}"
        return
    from exchange.db import database_url

    database = f"exchange_bench_{os.getpid()}_{random.randrange(10**6)}"
    admin = sa.create_engine(database_url(postgresql_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    url = sa.make_url(postgresql_url).set(database=database).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def run(
    databases: Sequence[str],
    practices: int,
    queries: int,
    pages: Sequence[int] = (1,),
    report: Callable[[str], None] = lambda line: sys.stdout.write(line + "\n"),
    postgresql_url: str = DEFAULT_POSTGRESQL_URL,
) -> list[Measure]:
    """Fill each database with ``practices``, time ``queries`` of each kind, return the timings."""
    from exchange.event.services import load_event_file
    from exchange.extensions import db
    from exchange.models import metadata

    measures: list[Measure] = []
    for name in databases:
        with (
            tempfile.TemporaryDirectory() as folder,
            _database(name, Path(folder), postgresql_url) as url,
        ):
            with _app(url, Path(folder)):
                metadata.create_all(db.engine)
                load_event_file(DEMO_EVENT)
                started = time.perf_counter()
                generate_practices(practices)
                report(
                    f"{name}: {practices:,} practices generated in "
                    f"{time.perf_counter() - started:.0f} s"
                )
                measures += measure(name, _queries(random.Random(7), queries), pages)
    return measures


def table(measures: list[Measure]) -> str:
    lines = [
        "| database | query | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms | target p95 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for item in measures:
        target = TARGETS_MS[item.kind]
        mark = "" if item.p95 <= target else " (over)"
        cpu = (
            f"{statistics.median(item.cpu_ms):.1f} | {percentile(item.cpu_ms, 0.95):.1f}"
            if item.cpu_ms
            else "n/a | n/a"
        )
        lines.append(
            f"| {item.database} | {item.label} | {item.p50:.1f} | {item.p95:.1f} | {cpu} | "
            f"{target:.0f}{mark} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--practices", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100, help="queries timed per kind")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pages", default="1", help="result pages to time, such as 1,50")
    options = parser.parse_args(argv)
    measures = run(
        [name.strip() for name in options.databases.split(",") if name.strip()],
        options.practices,
        options.queries,
        [int(page) for page in options.pages.split(",")],
        postgresql_url=os.environ.get("EXCHANGE_BENCH_POSTGRESQL_URL", DEFAULT_POSTGRESQL_URL),
    )
    sys.stdout.write(table(measures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
