"""A session's recording and slides in Chromium, in German: the organizer's forms and the agenda.

The forms are plain HTML (no script needed); the pages are checked with axe-core,
must fit a 390 px screen, and are pictured in artifacts/screenshots/.
"""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role

from ..conftest import PASSWORD
from ..support import files
from ..support.accessibility import assert_accessible
from ..support.accessibility import install_axe
from .test_pages import SCREENSHOTS
from .test_pages import SIZES

pytestmark = [pytest.mark.live, pytest.mark.browser]


def look(page, name, size, width):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px screen"
    assert_accessible(page, name)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}-de.png"), full_page=True)


def german_page(browser, size):
    width, height = SIZES[size]
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": height})
    install_axe(context)
    return context, context.new_page()


@pytest.mark.parametrize("size", list(SIZES))
def test_an_organizer_adds_the_recording_and_slides_that_visitors_find_in_the_agenda(
    browser, live_server, event, make_user, size
):
    organizer = make_user(Role.ORGANIZER, email="olga@example.org")
    width = SIZES[size][0]
    context, page = german_page(browser, size)
    page.goto(live_server.url + "/login")
    page.fill("#email", organizer.email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/agenda/opening")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Eröffnung")
    assert "Noch keine Folien." in page.inner_text("#slides")
    look(page, "session-archive-empty", size, width)

    page.fill("#recording-url", "http://video.example.eu/eroeffnung")
    page.get_by_role("button", name="Link zur Aufzeichnung speichern").click()
    page.wait_for_selector(".flash-error")
    assert "https://" in page.inner_text(".flash-error")
    look(page, "session-archive-error", size, width)

    page.fill("#recording-url", "https://video.example.eu/eroeffnung")
    page.get_by_role("button", name="Link zur Aufzeichnung speichern").click()
    page.wait_for_selector(".flash-success")
    assert "gespeichert" in page.inner_text(".flash-success")
    page.set_input_files(
        "#slides-file",
        files=[{"name": "Eröffnung.pdf", "mimeType": "application/pdf", "buffer": files.pdf()}],
    )
    page.get_by_role("button", name="Folien hinzufügen").click()
    page.wait_for_selector(".session-slide")
    assert "Eröffnung.pdf" in page.inner_text(".session-slide-list")
    look(page, "session-archive-filled", size, width)

    context.close()

    visitor_context, visitor = german_page(browser, size)
    visitor.goto(live_server.url + "/agenda")
    opening = visitor.locator("#session-opening")
    assert opening.get_by_role("link", name="Aufzeichnung ansehen").get_attribute("href") == (
        "https://video.example.eu/eroeffnung"
    )
    with visitor.expect_download() as download:
        opening.locator(".session-slides a", has_text="Eröffnung.pdf").click()
    assert download.value.suggested_filename == "Eröffnung.pdf"
    look(visitor, "agenda-archive", size, width)
    visitor_context.close()
