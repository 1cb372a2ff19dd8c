"""Pictures and documents of a practice in Chromium, in Italian: the form's step and the page."""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role

from ..conftest import sign_in
from ..support import files
from ..support.accessibility import assert_accessible
from ..support.browser import wait_until
from .test_browser import database_url  # noqa: F401 (the pages are the same on either database)
from .test_browser import fits_the_screen
from .test_browser import SCREENS
from .test_browser import SCREENSHOTS
from .test_writing_browser import in_italian

pytestmark = [pytest.mark.live, pytest.mark.browser]


def look(page, name, screen):
    assert fits_the_screen(page), f"{name} is wider than the {screen} screen"
    assert_accessible(page, f"{name} ({screen})")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"practice-files-{name}-{screen}-it.png"), full_page=True
    )


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_writer_adds_a_described_picture_and_a_document_that_readers_see(
    live_server, make_user, new_page, write, screen
):
    elena = make_user(Role.DELEGATE, email="elena@example.org", administration="ferla")
    practice = write(elena, published=True, title="Tetti solari sulle scuole")
    page = new_page(width=SCREENS[screen][0], height=SCREENS[screen][1])
    sign_in(page, live_server, elena.email)
    in_italian(page, live_server)
    page.goto(f"{live_server.url}/practices/{practice.id}/edit/files")
    look(page, "empty", screen)

    page.set_input_files(
        "#practice-file",
        files=[{"name": "tetto.jpg", "mimeType": "image/jpeg", "buffer": files.jpeg_with_gps()}],
    )
    page.locator("#practice-file-preview").wait_for()
    assert page.evaluate("document.getElementById('practice-file-alt').required")
    page.fill("#practice-file-alt", "Pannelli solari sul tetto piano della scuola Dante")
    page.fill("#practice-file-caption", "Il tetto dopo i lavori")
    page.fill("#practice-file-credit", "Comune di Ferla")
    page.get_by_role("button", name="Aggiungi il file").click()
    page.wait_for_selector(".practice-file")
    page.set_input_files(
        "#practice-file",
        files=[{"name": "bando.pdf", "mimeType": "application/pdf", "buffer": files.pdf()}],
    )
    assert not page.evaluate("document.getElementById('practice-file-alt').required")
    page.get_by_role("button", name="Aggiungi il file").click()
    wait_until(page, "document.querySelectorAll('.practice-file').length === 2")
    look(page, "two-files", screen)

    reader = new_page(width=SCREENS[screen][0], height=SCREENS[screen][1])
    reader.goto(f"{live_server.url}/practices/{practice.id}")
    figure = reader.locator(".practice-pictures figure")
    image = figure.locator("img")
    assert image.get_attribute("alt") == "Pannelli solari sul tetto piano della scuola Dante"
    assert "Il tetto dopo i lavori" in figure.inner_text()
    wait_until(
        reader, "[...document.images].every(image => image.complete && image.naturalWidth > 0)"
    )
    assert reader.locator(".practice-documents .attachment-details").inner_text().startswith("PDF")
    look(reader, "page", screen)
    for watched in (page, reader):
        assert watched.watch.errors == [] and watched.watch.foreign_requests == []
