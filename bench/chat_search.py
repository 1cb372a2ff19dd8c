"""Measure the chat's search (GET /api/messages) at scale, on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.chat_search                      # 1,000,000 messages, both databases
    .venv/bin/python -m bench.chat_search --messages 20000 --databases sqlite

It fills a throwaway database (as bench/practices_search.py does) with synthetic chat
messages spread over the event's rooms and 200 authors, each of 5 to 40 words drawn
from the library bench's Zipf vocabulary (so "energy" is in a good share of them, the
worst case, and invented words are rare), one in fifty hidden. Then it times
rooms.search.search_messages, warm, one call at a time: one common word, one rare
word, two words, and a word in one room; p50 and p95 of each, against the target of
50 ms (p95). `make bench` runs it with (f) at 1,000,000 messages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import html
import random
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .practices_search import _app
from .practices_search import _database
from .practices_search import _time
from .practices_search import DEFAULT_POSTGRESQL_URL
from .practices_search import DEMO_EVENT
from .practices_search import Measure
from .practices_search import table
from .practices_search import Vocabulary

DEFAULT_MESSAGES = 1_000_000
AUTHORS = 200
HIDDEN_SHARE = 0.02


def generate_messages(count: int, *, seed: int = 3, batch: int = 10_000) -> None:
    """Insert ``count`` synthetic messages (and their authors) with executemany, in batches."""
    from exchange.accounts.models import Role
    from exchange.accounts.models import User
    from exchange.event.models import Room
    from exchange.extensions import db
    from exchange.rooms.models import Message

    rng = random.Random(seed)
    vocabulary = Vocabulary(rng)
    session = db.session
    now = dt.datetime.now(dt.UTC)
    session.execute(
        sa.insert(User),
        [
            {
                "email": f"writer{n}@bench.example",
                "name": f"Writer {n}",
                "password_hash": "!",
                "role": Role.DELEGATE,
                "email_verified_at": now,
            }
            for n in range(AUTHORS)
        ],
    )
    author_ids = list(session.scalars(sa.select(User.id)))
    room_ids = list(session.scalars(sa.select(Room.id)))
    start = now - dt.timedelta(seconds=count)
    for first in range(0, count, batch):
        rows = []
        for n in range(first, min(count, first + batch)):
            body = " ".join(vocabulary.sample(rng.randint(5, 40)))
            hidden = rng.random() < HIDDEN_SHARE
            rows.append(
                {
                    "room_id": rng.choice(room_ids),
                    "author_id": rng.choice(author_ids),
                    "client_id": f"bench-{n}",
                    "body": body,
                    "body_html": html.escape(body),
                    "created_at": start + dt.timedelta(seconds=n),
                    "hidden_at": now if hidden else None,
                    "hidden_reason": "bench" if hidden else None,
                }
            )
        session.execute(sa.insert(Message), rows)
        session.commit()
    if session.get_bind().dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    else:
        session.execute(sa.text("ANALYZE"))
        session.commit()


def _queries(rng: random.Random, count: int) -> dict[str, list[Any]]:
    from exchange.rooms.search import MessageQuery

    vocabulary = Vocabulary(random.Random(3))
    rare = vocabulary.words[5_000:20_000]
    trade = vocabulary.words[25:3_000]
    return {
        "chat: energy (common)": [MessageQuery("energy") for _ in range(count)],
        "chat: one rare word": [MessageQuery(rng.choice(rare)) for _ in range(count)],
        "chat: two words": [
            MessageQuery(f"{rng.choice(trade)} {rng.choice(trade)}") for _ in range(count)
        ],
        "chat: a word in one room": [
            MessageQuery(rng.choice(trade), room="plenary") for _ in range(count)
        ],
    }


def run(
    databases: Sequence[str],
    messages: int,
    queries: int,
    report: Callable[[str], None] = lambda line: sys.stdout.write(line + "\n"),
    postgresql_url: str = DEFAULT_POSTGRESQL_URL,
) -> list[Measure]:
    """Fill each database with ``messages``, time ``queries`` of each kind, return the timings."""
    from exchange.accounts.models import User
    from exchange.event.services import load_event_file
    from exchange.extensions import db
    from exchange.models import metadata
    from exchange.rooms.search import search_messages

    measures: list[Measure] = []
    for name in databases:
        with (
            tempfile.TemporaryDirectory() as folder,
            _database(name, Path(folder), postgresql_url) as url,
            _app(url, Path(folder)),
        ):
            metadata.create_all(db.engine)
            load_event_file(DEMO_EVENT)
            started = time.perf_counter()
            generate_messages(messages)
            report(
                f"{name}: {messages:,} messages generated in {time.perf_counter() - started:.0f} s"
            )
            reader = db.session.scalars(sa.select(User)).first()
            for label, batch in _queries(random.Random(11), queries).items():
                timings, cpu = _time(functools.partial(search_messages, reader), batch)
                measures.append(Measure(name, "search", label, timings, cpu))
                report(f"{name} {label}: p95 {measures[-1].p95:.1f} ms")
    return measures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--databases", default="sqlite,postgresql")
    options = parser.parse_args(argv)
    measures = run(options.databases.split(","), options.messages, options.queries)
    print(table(measures))


if __name__ == "__main__":
    main()
