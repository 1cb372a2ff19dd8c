"""The JSON shapes of practices (docs/practices.md), built in one place."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask import has_request_context
from flask import url_for

from ..serialize import iso_utc
from .licences import licence_of
from .models import MARKDOWN_FIELDS
from .models import Practice
from .models import STANDARD_INDICATORS
from .search import ResultPage


def practice_url(practice: Practice, *, external: bool = False) -> str:
    """The canonical address of a practice's page; outside a request, its path."""
    values: dict[str, Any] = {"practice_id": practice.id, "slug": practice.slug}
    if has_request_context():
        return url_for("practices.show", _external=external, **values)
    return current_app.url_map.bind("localhost").build("practices.show", values)


def practice_ref_json(practice: Practice) -> dict[str, Any]:
    """A practice as a chat message links it."""
    return {"id": practice.id, "title": practice.title, "url": practice_url(practice)}


def practice_json(practice: Practice, locale: str) -> dict[str, Any]:
    """Everything readers see of a practice: the Markdown each writer typed and its safe HTML."""
    administration = practice.administration
    data: dict[str, Any] = {
        "id": practice.id,
        "slug": practice.slug,
        "url": practice_url(practice, external=True),
        "status": practice.status.value,
        "title": practice.title,
        "summary": practice.summary,
        "language": practice.language,
        "theme": {"slug": practice.theme.slug, "name": practice.theme.name_in(locale)},
        "administration": {
            "slug": administration.slug,
            "name": administration.name,
            "country": administration.country,
        },
        "tags": practice.tag_names,
        "period": {"from": practice.year_from, "to": practice.year_to},
    }
    for name in MARKDOWN_FIELDS:
        data[name] = getattr(practice, name)
        data[f"{name}_html"] = getattr(practice, f"{name}_html")
    data["indicators"] = {name: getattr(practice, name) for name in STANDARD_INDICATORS}
    data["other_indicators"] = [
        {"name": item.name, "value": item.value, "unit": item.unit} for item in practice.indicators
    ]
    data["links"] = list(practice.links)
    data["contact"] = {"name": practice.author.name, "email": practice.public_email or None}
    data["licence"] = licence_of(practice.licence).json()
    data["is_demo"] = practice.is_demo
    data["published_at"] = iso_utc(practice.published_at) if practice.published_at else None
    data["updated_at"] = iso_utc(practice.updated_at)
    return data


def practice_jsonld(practice: Practice, locale: str) -> dict[str, Any]:
    """Describe a published practice for search engines and portals, as schema.org JSON-LD.

    A practice is a creative work about a place: its administration made it, and
    where that administration is, is what it covers.
    """
    administration = practice.administration
    place: dict[str, Any] = {
        "@type": "AdministrativeArea",
        "name": administration.name,
        "address": {"@type": "PostalAddress", "addressCountry": administration.country},
    }
    organization: dict[str, Any] = {
        "@type": "GovernmentOrganization",
        "name": administration.name,
        "areaServed": place,
    }
    if administration.website:
        organization["url"] = administration.website
    url = practice_url(practice, external=True)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "@id": url,
        "url": url,
        "name": practice.title,
        "headline": practice.title,
        "description": practice.summary,
        "about": practice.theme.name_in(locale),
        "keywords": practice.tag_names,
        "author": organization,
        "creator": organization,
        "spatialCoverage": place,
        "license": licence_of(practice.licence).url,
        "dateModified": iso_utc(practice.updated_at),
    }
    if practice.language:
        data["inLanguage"] = practice.language
    if practice.published_at:
        data["datePublished"] = iso_utc(practice.published_at)
    if practice.year_from:
        # ISO 8601 intervals; ".." leaves a practice that goes on open-ended.
        data["temporalCoverage"] = f"{practice.year_from}/{practice.year_to or '..'}"
    return data


def page_json(page: ResultPage, locale: str) -> dict[str, Any]:
    return {
        "practices": [practice_json(practice, locale) for practice in page.practices],
        "total": page.total,
        "total_exact": page.total_exact,
        "page": page.page,
        "pages": page.pages,
        "per_page": page.per_page,
    }
