"""The library's e-book: every published practice, grouped by theme, as EPUB 3 and as PDF.

The EPUB is assembled here with zipfile from the templates in templates/practices/ebook/
(XHTML, autoescaped by Jinja); each practice's sanitized HTML is rewritten as
well-formed XHTML. The PDF holds the same content, printed with the vendored DejaVu
fonts so that every language of the practices shows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import html
import io
import logging
import math
import re
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask import render_template
from flask_babel import force_locale
from flask_babel import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from ..accounts.models import User
from ..db import utcnow
from ..errors import RateLimited
from ..errors import Unavailable
from ..event.models import Event
from ..event.models import Room
from ..event.services import current_event
from ..extensions import db
from ..extensions import socketio
from ..files.models import StoredFile
from ..i18n import locale_code
from ..moderation.models import AuditEntry
from ..offload import run_off_loop
from ..ratelimit import limiter
from ..sanitize import MARKDOWN_VERSION
from ..templating import country_name
from . import services
from .attachments import PRACTICE_FILES
from .attachments import practice_images
from .attachments import PracticeImage
from .ebook_worker import Bindery
from .labels import FIELD_LABELS
from .labels import indicator_lines
from .labels import period_text
from .licences import licence_of
from .models import MARKDOWN_FIELDS
from .models import Practice
from .models import PracticeRevision
from .search import visible_practices

logger = logging.getLogger(__name__)

#: Characters XML 1.0 forbids, and C1 controls, which no text needs: removed from every
#: document, so that nothing a writer typed can make a file unreadable.
NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FONTS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "dejavu-fonts"
EPUB_TEMPLATES = "practices/ebook/"
#: Retry-After of "being prepared": the last build's time, or this before any, within bounds.
DEFAULT_BUILD_SECONDS = 10.0
MIN_RETRY_AFTER = 2
MAX_RETRY_AFTER = 300


@dataclass
class Chapter:
    theme: Room
    practices: list[Practice]
    filename: str


@dataclass
class Book:
    """What both editions hold."""

    title: str
    event: Event | None
    #: The reader's locale ("pt_BR"), for picking translations, and as a BCP 47 tag ("pt-BR").
    locale: str
    language: str
    chapters: list[Chapter]
    modified: dt.datetime
    #: Each practice's pictures that everyone may see, read beforehand (the layout has no
    #: database), by practice id.
    pictures: dict[int, list[Picture]] = field(default_factory=dict)

    @property
    def has_pictures(self) -> bool:
        return any(self.pictures.values())

    @property
    def practice_count(self) -> int:
        return sum(len(chapter.practices) for chapter in self.chapters)

    @property
    def administration_count(self) -> int:
        return len({p.administration_id for c in self.chapters for p in c.practices})

    @property
    def content_languages(self) -> list[str]:
        """The languages practices are written in besides the book's own (``language``)."""
        used = {p.language for c in self.chapters for p in c.practices if p.language}
        return sorted(used - {self.language})

    @property
    def identifier(self) -> str:
        """Stable across exports: the same publication, brought up to date."""
        slug = self.event.slug if self.event else "spazio-virtuale"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'spazio-virtuale:{slug}:practices')}"


@dataclass(frozen=True)
class Picture:
    """A practice's picture as both editions put it in: its description, caption, credit."""

    image: PracticeImage
    data: bytes

    @property
    def filename(self) -> str:
        """Its name inside the EPUB, and its address for WeasyPrint (``picture:NAME``)."""
        return f"picture-{self.image.id}.{PICTURE_TYPES[self.image.content_type]}"


#: The picture types practices take, all core media types of EPUB 3.3, and their suffixes.
PICTURE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


@dataclass(frozen=True)
class Edition:
    """A built e-book file."""

    data: bytes
    mimetype: str
    filename: str


def collect_book() -> Book:
    """Gather the published practices and what the cover says about the event."""
    event = current_event()
    locale = locale_code()
    name = event.name_in(locale) if event else _("Spazio Virtuale")
    chapters = [
        Chapter(theme, practices, f"theme-{theme.slug}.xhtml")
        for theme, practices in services.ebook_chapters()
    ]
    moments = [
        moment
        for chapter in chapters
        for practice in chapter.practices
        for moment in (practice.updated_at, practice.published_at)
        if moment is not None
    ]
    pictures = {
        practice.id: [
            Picture(image, image.read())
            for image in practice_images(practice)
            if image.content_type in PICTURE_TYPES
        ]
        for chapter in chapters
        for practice in chapter.practices
    }
    return Book(
        title=_("%(event)s: best practices", event=name),
        event=event,
        locale=locale,
        language=locale.replace("_", "-"),
        chapters=chapters,
        modified=max(moments, default=utcnow()).replace(microsecond=0),
        pictures=pictures,
    )


def export(edition: str) -> Edition:
    """Build one edition ("epub" or "pdf") of the e-book as it is now.

    The database is read here, on the caller's loop; the CPU work of laying the
    book out runs off it (``offload.run_off_loop``), in a context of its own in the
    reader's language, on objects whose every attribute was loaded beforehand.
    """
    mimetype, build = EDITIONS[edition]
    book = collect_book()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    data = run_off_loop(_build_detached, app, book, build, _reader_locale())
    slug = book.event.slug if book.event else "spazio-virtuale"
    return Edition(data, mimetype, f"{slug}-practices.{edition}")


def _build_detached(app: Any, book: Book, build: Callable[[Book], bytes], locale: str) -> bytes:
    """Lay a collected book out, with no database, request or ``g`` of the caller's."""
    with app.test_request_context(), force_locale(locale):
        return build(book)


def _reader_locale() -> str:
    """The reader's locale for words, dates and numbers ("en_GB", "it")."""
    return str(get_locale() or "en_GB")


class Fingerprint(NamedTuple):
    """What changes whenever the e-book's content may have: a few cheap aggregates.

    Every change to a practice's text or state writes a revision; every hide and
    restore writes a row of the moderation log, also when one practice is hidden
    and another restored between two downloads, which leaves count and dates alike;
    a deleted account takes its name and address off its practices.
    """

    practices: int
    updated: Any
    revision: int | None
    moderation: int | None
    deletion: Any
    #: The practices' files: how many, and the newest (a picture added or taken off).
    files: int
    newest_file: int | None
    markdown: int

    def removes_from(self, older: Fingerprint) -> bool:
        """Tell whether something may have left the library since ``older``: a copy built
        then may hold a hidden practice or picture, a picture its writers took off, or a
        deleted account's name, and is not served."""
        return (self.moderation, self.deletion, self.files) != (
            older.moderation,
            older.deletion,
            older.files,
        )

    @property
    def digest(self) -> str:
        """The same in every process for the same library: names the files they share."""
        return hashlib.sha256(repr(tuple(self)).encode()).hexdigest()[:20]


def library_fingerprint() -> Fingerprint:
    """Read the library's :class:`Fingerprint` in one query (every download asks)."""
    row = db.session.execute(_fingerprint_query()).one()
    practices, updated, revision, moderation, deletion, files, newest_file = row
    return Fingerprint(
        practices, updated, revision, moderation, deletion, files, newest_file, MARKDOWN_VERSION
    )


@functools.cache
def _fingerprint_query() -> sa.Select[Any]:
    """Built once per process: constructing it cost more than running it."""
    published = visible_practices().with_only_columns(Practice.updated_at).subquery()
    practice_files = StoredFile.owner_type == PRACTICE_FILES.name
    return sa.select(
        sa.func.count(),
        sa.func.max(published.c.updated_at),
        sa.select(sa.func.max(PracticeRevision.id)).scalar_subquery(),
        sa.select(sa.func.max(AuditEntry.id))
        .where(AuditEntry.target_type.in_(("practice", "file")))
        .scalar_subquery(),
        sa.select(sa.func.max(User.deleted_at)).scalar_subquery(),
        sa.select(sa.func.count()).where(practice_files).scalar_subquery(),
        sa.select(sa.func.max(StoredFile.id)).where(practice_files).scalar_subquery(),
    ).select_from(published)


@dataclass(frozen=True)
class Copy:
    """A built edition and the state of the library it was built from."""

    fingerprint: Fingerprint
    edition: Edition


class EbookCache:
    """The editions this process holds, one per (edition, language), and the builds under way."""

    def __init__(self) -> None:
        self.copies: dict[tuple[str, str], Copy] = {}
        self.building = threading.Lock()  # inline builds, one at a time (green under eventlet)
        #: Builds the worker process has been asked for, and when.
        self.pending: dict[tuple[str, str], float] = {}
        #: How long the last build of each edition took, in seconds (for Retry-After).
        self.seconds: dict[str, float] = {}

    def fresh(self, key: tuple[str, str], fingerprint: Fingerprint) -> Edition | None:
        copy = self.copies.get(key)
        return copy.edition if copy is not None and copy.fingerprint == fingerprint else None

    def still_good(self, key: tuple[str, str], fingerprint: Fingerprint) -> Edition | None:
        """The last copy built, unless something left the library since."""
        copy = self.copies.get(key)
        if copy is None or fingerprint.removes_from(copy.fingerprint):
            return None
        return copy.edition

    def retry_after(self, edition: str) -> int:
        """Seconds until a build asked for now is likely done, the others before it included."""
        expected = self.seconds.get(edition, DEFAULT_BUILD_SECONDS) * max(1, len(self.pending))
        return min(MAX_RETRY_AFTER, max(MIN_RETRY_AFTER, math.ceil(expected)))


def uses_worker(app: Any) -> bool:
    """Build in a worker process when served (eventlet or gevent), unless configured otherwise."""
    setting = app.config["EBOOK_WORKER"]
    return bool(setting) if setting is not None else app.config["ASYNC_MODE"] != "threading"


def cached_edition(edition: str, *, address: str | None = None) -> Edition:
    """Return an edition in the reader's language, building it only when the library changed.

    A build that ``address`` asks for counts against its ``ebook_build`` rate limit
    (None: the command line and tests, which are not counted): alternating
    languages and editions cannot make one visitor keep a process building.
    Served, the build happens in the worker process and nobody waits for it
    (:func:`_from_worker`); otherwise here, one at a time.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache: EbookCache = app.extensions.setdefault("exchange.ebooks", EbookCache())
    key = (edition, _reader_locale())
    fingerprint = library_fingerprint()
    built = cache.fresh(key, fingerprint)
    if built is not None:
        return built
    if uses_worker(app):
        return _from_worker(app, cache, key, fingerprint, address)
    with cache.building:
        fingerprint = library_fingerprint()  # another request may have built it meanwhile
        built = cache.fresh(key, fingerprint)
        if built is not None:
            return built
        _count_build(address)
        built = export(edition)
        cache.copies[key] = Copy(fingerprint, built)
        return built


def _count_build(address: str | None) -> None:
    if address is not None:
        wait = limiter().hit("ebook_build", address)
        if wait:
            raise RateLimited(retry_after=math.ceil(wait))


def _from_worker(
    app: Any,
    cache: EbookCache,
    key: tuple[str, str],
    fingerprint: Fingerprint,
    address: str | None,
) -> Edition:
    """Serve what is built, and have the worker build what is not, without waiting for it.

    A copy another process built for this library is taken from the folder they
    share. Otherwise the reader gets the last copy this process built, unless
    something left the library since (a hide, a deleted account), while the
    worker builds the new one; with no such copy, "being prepared" (503 with
    ``Retry-After``).
    """
    edition, locale = key
    mimetype = EDITIONS[edition][0]
    event = current_event()
    filename = f"{event.slug if event else 'spazio-virtuale'}-practices.{edition}"
    path = _shared_path(app, key, fingerprint)
    with contextlib.suppress(FileNotFoundError):
        built = Edition(path.read_bytes(), mimetype, filename)
        cache.copies[key] = Copy(fingerprint, built)
        return built
    usable = cache.still_good(key, fingerprint)
    if key not in cache.pending:
        try:
            _count_build(address)
        except RateLimited:
            if usable is not None:
                return usable
            raise
        cache.pending[key] = time.monotonic()
        socketio.start_background_task(
            _build_in_worker, app, cache, key, fingerprint, mimetype, filename
        )
    if usable is not None:
        return usable
    raise Unavailable(
        _(
            "The e-book is being prepared. This page tries again by itself in a few "
            "seconds, and the download then starts on its own."
        ),
        retry_after=cache.retry_after(edition),
    )


def _shared_path(app: Any, key: tuple[str, str], fingerprint: Fingerprint) -> Path:
    edition, locale = key
    return Path(app.instance_path) / "ebooks" / f"{edition}-{locale}-{fingerprint.digest}.{edition}"


def _build_in_worker(
    app: Any,
    cache: EbookCache,
    key: tuple[str, str],
    fingerprint: Fingerprint,
    mimetype: str,
    filename: str,
) -> None:
    """Have the worker process build one edition, then keep it (a background task)."""
    edition, locale = key
    path = _shared_path(app, key, fingerprint)
    bindery = app.extensions.setdefault("exchange.ebook_worker", Bindery())
    try:
        bindery.build(edition, locale, path)
        data = path.read_bytes()
    except Exception:
        logger.exception("the e-book (%s, %s) could not be built", edition, locale)
        return
    finally:
        started = cache.pending.pop(key, None)
    if started is not None:
        cache.seconds[edition] = time.monotonic() - started
    cache.copies[key] = Copy(fingerprint, Edition(data, mimetype, filename))
    for older in path.parent.glob(f"{edition}-{locale}-*"):
        # Not this copy or its lock, nor a copy another worker is still writing.
        if not older.name.startswith(path.name) and not older.name.endswith(".part"):
            with contextlib.suppress(OSError):
                older.unlink()  # a process still reading it treats it as missing


# EPUB 3


def build_epub(book: Book) -> bytes:
    """Package the book as EPUB 3: navigation, a title page, one chapter per theme."""
    context = _book_context(book, picture_src=lambda picture: picture.filename)
    documents: list[tuple[str, str, dict[str, Any]]] = [
        ("META-INF/container.xml", "container.xml", {}),
        ("EPUB/package.opf", "package.opf.xml", {}),
        ("EPUB/nav.xhtml", "nav.xhtml", {}),
        ("EPUB/cover.xhtml", "cover.xhtml", {}),
    ] + [
        (f"EPUB/{chapter.filename}", "chapter.xhtml", {"chapter": chapter})
        for chapter in book.chapters
    ]
    buffer = io.BytesIO()
    stamp = book.modified.astimezone(dt.UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as archive:
        # The mimetype comes first and uncompressed, so that readers can sniff it.
        archive.writestr(zipfile.ZipInfo("mimetype", stamp), "application/epub+zip")
        for path, template, extra in documents:
            text = render_template(EPUB_TEMPLATES + template, **context, **extra)
            _write(archive, path, stamp, NOT_XML.sub("", text))
        _write(archive, "EPUB/style.css", stamp, render_template(EPUB_TEMPLATES + "style.css"))
        for pictures in book.pictures.values():
            for picture in pictures:
                # Pictures are compressed already: stored as they are.
                archive.writestr(zipfile.ZipInfo(f"EPUB/{picture.filename}", stamp), picture.data)
    return buffer.getvalue()


def _book_context(book: Book, picture_src: Callable[[Picture], str]) -> dict[str, Any]:
    """What the templates of both editions are given (``picture_src``: a picture's address)."""
    return {
        "book": book,
        "picture_src": picture_src,
        "xhtml": to_xhtml,
        "field_labels": FIELD_LABELS,
        "markdown_fields": MARKDOWN_FIELDS,
        "indicator_lines": indicator_lines,
        "practice_meta": _practice_meta,
        "contact_line": _contact_line,
        "licence_line": _licence_line,
        "book_counts": _book_counts(book),
        "event_dates": _event_dates(book.event) if book.event else "",
        "modified": book.modified.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _write(archive: zipfile.ZipFile, path: str, stamp: Any, text: str) -> None:
    info = zipfile.ZipInfo(path, stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text.encode("utf-8"))


class _XhtmlWriter(HTMLParser):
    """Re-serialize sanitized HTML as XHTML: void elements closed, text and attributes escaped."""

    VOID = frozenset({"br", "hr"})

    def __init__(self, heading_shift: int) -> None:
        super().__init__(convert_charrefs=True)
        self.heading_shift = heading_shift
        self.parts: list[str] = []

    def _name(self, tag: str) -> str:
        if re.fullmatch(r"h[1-6]", tag):
            return f"h{min(int(tag[1]) + self.heading_shift, 6)}"
        return tag

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        rendered = "".join(f' {name}="{html.escape(value or "")}"' for name, value in attrs)
        end = "/>" if tag in self.VOID else ">"
        self.parts.append(f"<{self._name(tag)}{rendered}{end}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID:
            self.parts.append(f"</{self._name(tag)}>")

    def handle_data(self, data: str) -> None:
        self.parts.append(html.escape(data, quote=False))


def to_xhtml(fragment: str, heading_shift: int = 1) -> Markup:
    """Rewrite a fragment of sanitized HTML as XHTML, its headings ``heading_shift`` levels down.

    Only ever given HTML that sanitize.clean_markdown produced (balanced tags from
    its allowlist); in the e-book, each practice is one level deeper than on its page.
    """
    writer = _XhtmlWriter(heading_shift)
    writer.feed(fragment)
    writer.close()
    return Markup("".join(writer.parts))  # noqa: S704 - sanitized, then escaped above


# PDF


def build_pdf(book: Book) -> bytes:
    """Print the book as tagged PDF (PDF/UA-1) with WeasyPrint, from one HTML document.

    WeasyPrint tags what the markup says (headings, paragraphs, lists, tables with
    their headers, figures with their alternative text, links as annotations), marks
    the document and shows its title; the stylesheet numbers pages, gives the
    contents their page numbers and keeps headings and closing lines with what
    follows them. Each practice's section is tagged with its own language.
    """
    # WeasyPrint brings Pango through cffi: loaded only by those who print.
    from weasyprint import CSS
    from weasyprint import HTML

    _tag_languages()
    context = _book_context(book, picture_src=lambda picture: f"picture:{picture.filename}")
    document = render_template(EPUB_TEMPLATES + "book.html", **context)
    stylesheet = render_template(EPUB_TEMPLATES + "print.css", fonts=FONTS.as_uri())
    fetcher = _fonts_and_pictures(book)
    pdf = HTML(string=NOT_XML.sub("", document), url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher)],
        pdf_variant="pdf/ua-1",
        pdf_identifier=book.identifier.encode(),
    )
    return bytes(pdf)


def _fonts_and_pictures(book: Book) -> Any:
    """A fetcher that lets WeasyPrint read the vendored fonts and the book's pictures only.

    Pictures are given from memory (``picture:NAME``, read with the book); a printer
    that followed any other address could be made to read the server's files or network.
    """
    # Loaded with WeasyPrint, by those who print.
    from weasyprint.urls import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    fonts = FONTS.as_uri() + "/"
    pictures = {
        f"picture:{picture.filename}": picture
        for pictures in book.pictures.values()
        for picture in pictures
    }

    class FontsAndPictures(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url in pictures:
                picture = pictures[url]
                return URLFetcherResponse(
                    url, picture.data, {"Content-Type": picture.image.content_type}
                )
            if not url.startswith(fonts) or ".." in url:
                raise ValueError(f"the e-book loads no {url[:80]!r}")
            return super().fetch(url, headers)

    return FontsAndPictures(allowed_protocols=("file", "picture"))


def _tag_languages() -> None:
    """Have WeasyPrint tag each element that says its language (``lang``) with ``/Lang``.

    WeasyPrint 70 sets the document's language only; a reader then reads an Italian
    practice with an English voice. Its tag builder is wrapped once, so that the
    structure element of every box whose element has ``lang`` carries it.
    """
    # WeasyPrint and its PDF writer are loaded by those who print only.
    import pydyf
    from weasyprint.pdf import tags

    build = tags._build_box_tree
    if getattr(build, "tags_languages", False):
        return

    def build_with_languages(box: Any, parent: Any, *args: Any) -> Any:
        element = getattr(box, "element", None)
        language = element.get("lang") if element is not None else None
        for structure in build(box, parent, *args):
            if language and getattr(box, "element_tag", None) not in ("html", "body"):
                if "Lang" not in structure and structure.get("P") == parent.reference:
                    structure["Lang"] = pydyf.String(language)
            yield structure

    build_with_languages.tags_languages = True  # type: ignore[attr-defined]
    tags._build_box_tree = build_with_languages


def _event_dates(event: Event) -> str:
    if event.starts_on == event.ends_on:
        return str(format_date(event.starts_on, "long"))
    return f"{format_date(event.starts_on, 'long')} – {format_date(event.ends_on, 'long')}"


def _book_counts(book: Book) -> str:
    if not book.practice_count:
        return _("No practice has been published yet.")
    return _(
        "%(practices)s from %(administrations)s.",
        practices=ngettext("%(num)d practice", "%(num)d practices", book.practice_count),
        administrations=ngettext(
            "%(num)d administration", "%(num)d administrations", book.administration_count
        ),
    )


def _practice_meta(practice: Practice) -> str:
    parts = [practice.administration.name, country_name(practice.administration.country)]
    parts.append(period_text(practice))
    if practice.is_demo:
        parts.append(_("Demo data"))
    return " · ".join(part for part in parts if part)


def _contact_line(practice: Practice) -> str:
    if practice.public_email:
        return _(
            "Contact: %(name)s, %(email)s", name=practice.author.name, email=practice.public_email
        )
    return _("Contact: %(name)s", name=practice.author.name)


def _licence_line(practice: Practice) -> str:
    licence = licence_of(practice.licence)
    return _("Licence: %(licence)s (%(url)s)", licence=licence.name, url=licence.url)


EDITIONS: dict[str, tuple[str, Callable[[Book], bytes]]] = {
    "epub": ("application/epub+zip", build_epub),
    "pdf": ("application/pdf", build_pdf),
}
