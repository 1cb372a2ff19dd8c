"""Feeds, sitemap, robots.txt and bulk downloads: the library for search engines and portals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import Response
from flask import stream_with_context
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..db import utcnow
from ..event.services import current_event
from ..event.services import get_room
from ..event.services import list_administrations
from ..i18n import locale_code
from ..practices.ebook import NOT_XML
from ..practices.licences import DEFAULT_LICENCE
from ..practices.licences import LICENCES
from ..practices.models import Practice
from ..practices.schemas import practice_json
from ..sanitize import csv_text
from ..serialize import iso_utc
from ..templating import country_name
from . import services
from .openapi import openapi_document
from .tables import CSV_HEADER
from .tables import csv_row

bp = Blueprint("opendata", __name__)

ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"


def _event_name() -> str:
    event = current_event()
    return event.name_in(locale_code()) if event else _("Spazio Virtuale")


def _xml(template: str, mimetype: str, **context: Any) -> Response:
    """Render an XML template without the characters XML cannot hold."""
    return Response(NOT_XML.sub("", render_template(template, **context)), mimetype=mimetype)


def _feed(title: str, practices: list[Practice], page_url: str) -> Response:
    moments = [max(p.updated_at, p.published_at or p.updated_at) for p in practices]
    return _xml(
        "opendata/feed.atom.xml",
        ATOM,
        title=title,
        practices=practices,
        page_url=page_url,
        updated=iso_utc(max(moments, default=utcnow())),
        default_licence=LICENCES[DEFAULT_LICENCE],
        iso_utc=iso_utc,
    )


@bp.get("/practices/feed.atom")
def feed() -> ResponseReturnValue:
    """The newest published practices of the whole library."""
    return _feed(
        _("%(event)s: best practices", event=_event_name()),
        services.feed_practices(current_app.config["FEED_LENGTH"]),
        url_for("practices.index", _external=True),
    )


@bp.get("/practices/feeds/themes/<slug>.atom")
def theme_feed(slug: str) -> ResponseReturnValue:
    """The newest published practices of one theme."""
    theme = get_room(slug)
    return _feed(
        _(
            "%(event)s: best practices on %(theme)s",
            event=_event_name(),
            theme=theme.name_in(locale_code()),
        ),
        services.feed_practices(current_app.config["FEED_LENGTH"], theme=theme),
        url_for("practices.index", theme=theme.slug, _external=True),
    )


@bp.get("/practices/feeds/countries/<country>.atom")
def country_feed(country: str) -> ResponseReturnValue:
    """The newest published practices of the administrations of one country."""
    code = services.participating_country(country)
    return _feed(
        _(
            "%(event)s: best practices from %(country)s",
            event=_event_name(),
            country=country_name(code),
        ),
        services.feed_practices(current_app.config["FEED_LENGTH"], country=code),
        url_for("practices.index", country=code, _external=True),
    )


@bp.get("/practices/library.json")
def library_json() -> ResponseReturnValue:
    """Every published practice as JSON, with the licences they are published under."""
    locale = locale_code()
    head = {
        "title": _("%(event)s: best practices", event=_event_name()),
        "url": url_for("practices.index", _external=True),
        "generated_at": iso_utc(utcnow()),
        "licence_note": _(
            "Each practice may be reused under the licence it names in its “licence” field."
        ),
        "licences": [licence.json() for licence in LICENCES.values()],
    }

    def chunks() -> Iterator[str]:
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "practices": ['
        for number, practice in enumerate(services.library()):
            yield ("," if number else "") + json.dumps(
                practice_json(practice, locale), ensure_ascii=False
            )
        yield "]}\n"

    return _download(chunks(), "application/json", "json")


@bp.get("/practices/library.csv")
def library_csv() -> ResponseReturnValue:
    """Every published practice as one CSV row, its licence in the row."""
    locale = locale_code()

    def chunks() -> Iterator[str]:
        yield csv_text([CSV_HEADER])
        for practice in services.library():
            yield csv_text([csv_row(practice, locale)])

    return _download(chunks(), "text/csv; charset=utf-8", "csv")


def _download(chunks: Iterator[str], mimetype: str, extension: str) -> Response:
    event = current_event()
    slug = event.slug if event else "spazio-virtuale"
    return Response(
        stream_with_context(chunks),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{slug}-practices.{extension}"'},
    )


@bp.get("/sitemap.xml")
def sitemap_index() -> ResponseReturnValue:
    """The index of the sitemap files: the pages, then the practices in files of 40,000."""
    files = [url_for("opendata.sitemap_pages", _external=True)] + [
        url_for("opendata.sitemap_practices", number=number, _external=True)
        for number in range(1, services.sitemap_files() + 1)
    ]
    return _xml("opendata/sitemap_index.xml", XML, files=files)


@bp.get("/sitemaps/pages.xml")
def sitemap_pages() -> ResponseReturnValue:
    """The public pages other than practices: home, library, administrations, statements."""
    pages = [
        url_for(endpoint, _external=True)
        for endpoint in (
            "event.home",
            "practices.index",
            "practices.totals",
            "event.administrations",
            "about.privacy",
            "about.accessibility",
        )
    ] + [
        url_for("event.administration", slug=administration.slug, _external=True)
        for administration in list_administrations()
    ]
    return _xml("opendata/sitemap.xml", XML, urls=[(page, None) for page in pages])


@bp.get("/sitemaps/practices-<int:number>.xml")
def sitemap_practices(number: int) -> ResponseReturnValue:
    """The published practices' pages, with when each last changed."""
    urls = [
        (
            url_for("practices.show", practice_id=id_, slug=slug, _external=True),
            iso_utc(changed),
        )
        for id_, slug, changed in services.sitemap_practices(number)
    ]
    return _xml("opendata/sitemap.xml", XML, urls=urls)


@bp.get("/api/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 description of every /api route."""
    return jsonify(openapi_document(url_for("event.home", _external=True).rstrip("/")))


@bp.get("/robots.txt")
def robots() -> ResponseReturnValue:
    """Let crawlers read the public pages, keep them out of personal ones, point to the sitemap."""
    text = render_template(
        "opendata/robots.txt", sitemap=url_for("opendata.sitemap_index", _external=True)
    )
    return Response(text, mimetype="text/plain")
