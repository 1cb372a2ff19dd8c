"""The columns of the library's CSV download: one row per practice, its licence in the row."""

from __future__ import annotations

from ..practices.licences import licence_of
from ..practices.models import MARKDOWN_FIELDS
from ..practices.models import Practice
from ..practices.models import STANDARD_INDICATORS
from ..practices.schemas import practice_url
from ..serialize import iso_utc

#: Column names are stable identifiers for programs, not translated.
CSV_HEADER = (
    "id",
    "url",
    "title",
    "summary",
    "language",
    "theme",
    "theme_name",
    "administration",
    "administration_name",
    "country",
    "tags",
    "year_from",
    "year_to",
    *STANDARD_INDICATORS,
    "other_indicators",
    *MARKDOWN_FIELDS,
    "links",
    "contact_name",
    "contact_email",
    "licence",
    "licence_url",
    "is_demo",
    "published_at",
    "updated_at",
)


def csv_row(practice: Practice, locale: str) -> list[object]:
    """One practice as CSV values, in the order of CSV_HEADER (lists one item a line)."""
    administration = practice.administration
    licence = licence_of(practice.licence)
    others = "\n".join(
        f"{item.name}: {item.value:g} {item.unit}".rstrip() for item in practice.indicators
    )
    return [
        practice.id,
        practice_url(practice, external=True),
        practice.title,
        practice.summary,
        practice.language,
        practice.theme.slug,
        practice.theme.name_in(locale),
        administration.slug,
        administration.name,
        administration.country,
        "\n".join(practice.tag_names),
        practice.year_from,
        practice.year_to,
        *(getattr(practice, name) for name in STANDARD_INDICATORS),
        others,
        *(getattr(practice, name) for name in MARKDOWN_FIELDS),
        "\n".join(practice.links),
        practice.author.name,
        practice.public_email,
        licence.id,
        licence.url,
        "yes" if practice.is_demo else "no",
        iso_utc(practice.published_at) if practice.published_at else None,
        iso_utc(practice.updated_at),
    ]
