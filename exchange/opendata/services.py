"""What the library gives programs: the practices of a feed, of the sitemap, of a download."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from ..errors import NotFound
from ..event.models import Administration
from ..event.models import Room
from ..extensions import db
from ..practices.models import Practice
from ..practices.search import PracticeQuery
from ..practices.search import search
from ..practices.search import visible_practices

#: Most addresses one sitemap file may list (the sitemaps protocol allows 50,000).
SITEMAP_SIZE = 40_000


def feed_practices(
    limit: int, *, theme: Room | None = None, country: str | None = None
) -> list[Practice]:
    """Return the most recently published practices, of one theme or country if given."""
    query = PracticeQuery(theme=theme.slug if theme else "", country=country or "")
    return search(query, page=1, per_page=limit, whole=True).practices


def participating_country(code: str) -> str:
    """Return the upper-case code of a country with an administration taking part, or raise."""
    if not (len(code) == 2 and code.isascii() and code.isalpha()):
        raise NotFound()
    code = code.upper()
    exists = db.session.scalar(sa.select(sa.exists().where(Administration.country == code)))
    if not exists:
        raise NotFound()
    return code


def library(batch_size: int = 500) -> Iterator[Practice]:
    """Yield every visible practice, whole, in the order of their ids.

    It reads batch by batch and forgets each batch once yielded, so that a
    download of a hundred thousand practices never holds them all in memory.
    """
    last_id = 0
    while True:
        batch = list(
            db.session.scalars(
                visible_practices()
                .where(Practice.id > last_id)
                .order_by(Practice.id)
                .limit(batch_size)
                .options(
                    joinedload(Practice.administration),
                    joinedload(Practice.theme),
                    joinedload(Practice.author),
                    selectinload(Practice.tags),
                    selectinload(Practice.indicators),
                )
            )
        )
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
        db.session.expunge_all()


def practice_count() -> int:
    """Count the visible practices."""
    count = visible_practices().with_only_columns(sa.func.count()).order_by(None)
    return db.session.scalar(count) or 0


def sitemap_files() -> int:
    """How many sitemap files list the practices (at least one, which may be empty)."""
    return max(1, -(-practice_count() // SITEMAP_SIZE))


def sitemap_practices(number: int) -> list[tuple[int, str, dt.datetime]]:
    """Return id, slug and last change of the practices in sitemap file ``number`` (from 1)."""
    if not 1 <= number <= sitemap_files():
        raise NotFound()
    rows = db.session.execute(
        visible_practices()
        .with_only_columns(Practice.id, Practice.slug, Practice.updated_at, Practice.published_at)
        .order_by(Practice.id)
        .limit(SITEMAP_SIZE)
        .offset((number - 1) * SITEMAP_SIZE)
    )
    return [
        (id_, slug, max(updated, published or updated)) for id_, slug, updated, published in rows
    ]
