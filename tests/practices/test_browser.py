"""The library in a real browser (Debian's chromium): found by anyone, posted by delegates."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from exchange.accounts.models import Role

from ..conftest import sign_in
from ..support import databases
from ..support.browser import wait_until

SCREENS = {"desktop": (1280, 800), "phone": (390, 844)}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

pytestmark = [pytest.mark.live, pytest.mark.browser]


@pytest.fixture
def database_url(tmp_path):
    """The pages behave the same on either database (the searches are tested on both)."""
    url = f"sqlite:///{tmp_path / 'exchange.sqlite3'}"
    databases.create_schema(url)
    return url


def test_a_visitor_without_an_account_finds_reads_and_downloads_the_practices(
    live_server, make_user, write, new_page, tmp_path
):
    ferla = make_user(Role.DELEGATE, administration="ferla")
    aprilia = make_user(Role.DELEGATE, administration="aprilia")
    musterstadt = make_user(Role.DELEGATE, administration="demo-musterstadt")
    write(ferla, published=True, title="Solar roofs on six schools")
    write(aprilia, published=True, title="A solar farm on a closed landfill")
    write(musterstadt, published=True, title="Solar panels on the town hall")  # in Germany
    write(ferla, published=True, title="Bike lanes to the station", theme="sustainable-mobility")
    write(ferla, title="A solar draft nobody may read yet")

    page = new_page(width=360, height=740)  # on a phone
    page.goto(live_server.url + "/practices")
    assert page.locator(".practice-item").count() == 4
    page.get_by_role("searchbox", name="Search").fill("solar")
    page.get_by_text("Filters").click()  # a disclosure on a phone
    page.get_by_label("Country").select_option(label="Italy (3)")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/practices?*q=solar*")
    titles = page.locator(".practice-item .practice-title").all_inner_texts()
    assert sorted(titles) == ["A solar farm on a closed landfill", "Solar roofs on six schools"]

    page.get_by_role("link", name="Solar roofs on six schools").click()
    assert page.locator("h1").inner_text() == "Solar roofs on six schools"
    assert "Ferla" in page.inner_text("main") and "Italy" in page.inner_text("main")
    page.go_back()

    # Served, the e-book is built in a worker process: the first reader is told it is
    # being prepared, and the page tries again by itself until the download starts.
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("link", name="Download the e-book of every practice (EPUB)").click()
        page.get_by_text("The e-book is being prepared.").wait_for()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".epub"
    with zipfile.ZipFile(saved) as book:
        assert book.read("mimetype") == b"application/epub+zip"
        contents = " ".join(
            book.read(name).decode() for name in book.namelist() if ".xhtml" in name
        )
    assert "Solar roofs on six schools" in contents and "Bike lanes" in contents
    assert "draft nobody may read" not in contents
    # Chromium logs each "being prepared" answer the page tried again after; nothing else.
    retried = "error: Failed to load resource: the server responded with a status of 503"
    assert page.watch.console and all(line.startswith(retried) for line in page.watch.console)
    page.watch.console.clear()
    page.watch.assert_clean()


def test_a_delegate_posts_a_practice_and_shares_it_into_its_room(live_server, make_user, new_page):
    elena = make_user(Role.DELEGATE, email="elena@example.org", administration="campi-bisenzio")
    kasia = make_user(Role.DELEGATE, email="kasia@example.org", administration="demo-przykladowo")
    marco = make_user(Role.MODERATOR, email="marco@example.org", name="Marco")

    writer = new_page()
    sign_in(writer, live_server, elena.email)
    writer.goto(live_server.url + "/practices/new")
    writer.get_by_label("Title").fill("Energy community of the industrial area")
    writer.get_by_label("Theme").select_option(label="Energy communities")
    writer.get_by_label("Summary").fill("Twelve firms share the energy of their roofs.")
    writer.get_by_label("From (year)").fill("2023")
    writer.get_by_role("button", name="Save and continue").click()
    writer.wait_for_selector("text=Step 2 of 6")
    writer.get_by_label("The challenge").fill("Firms paid **twice** the household price.")
    writer.get_by_label("What was done").fill("- A legal entity\n- 1.2 MW of panels")
    writer.get_by_role("button", name="Save and continue").click()
    writer.wait_for_selector("text=Step 3 of 6")
    writer.get_by_label("Results (required)", exact=True).fill("A third less on every bill.")
    writer.get_by_role("button", name="Save and continue").click()
    writer.wait_for_selector("text=Step 4 of 6")
    writer.get_by_role("link", name="Review and submit").click()
    writer.get_by_role("button", name="Submit for review").click()
    writer.wait_for_selector("h1:text('Energy community of the industrial area')")
    assert writer.locator(".practice strong").first.inner_text() == "twice"  # Markdown, rendered
    writer.wait_for_selector("text=Submitted for review")
    practice_url = writer.url

    reviewer = new_page()
    sign_in(reviewer, live_server, marco.email)
    reviewer.goto(live_server.url + "/practices/review")
    reviewer.get_by_role("link", name="Energy community of the industrial area").click()
    reviewer.get_by_role("button", name="Publish").click()
    reviewer.wait_for_selector("text=Published")

    room = new_page()
    sign_in(room, live_server, kasia.email)
    room.goto(live_server.url + "/rooms/energy-communities")
    room.wait_for_selector("#connection-status[data-state=connected]")

    writer.goto(practice_url)
    writer.get_by_label("Message").fill("Our energy community, with figures: questions welcome!")
    writer.get_by_role("button", name="Share in the room “Energy communities”").click()
    wait_until(room, "document.querySelectorAll('#messages .message-practice a').length === 1")
    link = room.locator("#messages .message-practice a")
    assert link.inner_text() == "Energy community of the industrial area"
    link.click()
    room.wait_for_selector("h1:text('Energy community of the industrial area')")
    assert "Our energy community, with figures" in room.inner_text(".discussion")
    for page in (writer, reviewer, room):
        page.watch.assert_clean()


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_search_comes_first_offers_what_exists_and_its_chips_take_filters_away(
    live_server, make_user, write, new_page, screen
):
    ferla = make_user(Role.DELEGATE, administration="ferla")
    musterstadt = make_user(Role.DELEGATE, administration="demo-musterstadt")
    write(ferla, published=True, title="Solar roofs on six schools", language="it")
    write(ferla, published=True, title="Bike lanes", theme="sustainable-mobility")
    write(musterstadt, published=True, title="Solar panels on the town hall", language="de")
    width, height = SCREENS[screen]
    page = new_page(width=width, height=height)
    page.goto(live_server.url + "/practices")

    search = page.get_by_role("searchbox", name="Search")
    first = page.evaluate(
        "document.querySelector('main').querySelector('input, select, textarea').id"
    )
    assert first == "q"
    box, form = search.bounding_box(), page.locator("form[role=search]").bounding_box()
    assert box["width"] >= 0.7 * form["width"]  # the whole row but its button
    filters = page.locator("#country")
    assert filters.is_visible() == (screen == "desktop")  # a disclosure on a phone
    if screen == "phone":
        page.get_by_text("Filters", exact=True).click()
    countries = page.locator("#country option").all_inner_texts()
    assert countries == ["All countries", "Germany (1)", "Italy (2)"]  # no Sweden: nothing there

    search.fill("solar")
    page.locator("#country").select_option("IT")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/practices?*country=IT*")
    assert page.locator(".practice-item").count() == 1
    assert page.locator(".practice-item mark").first.inner_text() == "Solar"
    assert page.locator("form[role=search] summary").inner_text() == "Filters (1)"
    assert fits_the_screen(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"library-search-{screen}.png"), full_page=True)

    page.get_by_role("link", name="Remove the filter Country: Italy").click()
    page.wait_for_url(lambda url: "country=" not in url)
    assert page.locator(".practice-item").count() == 2
    assert page.locator("#q").input_value() == "solar"
    page.get_by_role("link", name="Remove the filter Search: solar").click()
    page.wait_for_url(live_server.url + "/practices")
    assert page.locator(".practice-item").count() == 3 and page.locator(".chip").count() == 0

    page.goto(live_server.url + "/practices/totals?country=IT")
    assert fits_the_screen(page)
    assert page.locator(".figure-value").first.inner_text() == "2"  # practices in Italy
    table = page.get_by_role("table", name="By theme")
    assert table.get_by_role("rowheader").all_inner_texts() == [
        "Renewable energy",
        "Sustainable mobility",
        "All",
    ]
    page.screenshot(path=str(SCREENSHOTS / f"library-totals-{screen}.png"), full_page=True)
    page.watch.assert_clean()


def test_the_library_reads_in_polish_with_the_demo_event_in_polish(
    live_server, make_user, write, new_page
):
    ferla = make_user(Role.DELEGATE, administration="ferla")
    write(ferla, published=True, title="Solar roofs on six schools", co2_reduction_t_per_year=120)
    page = new_page(width=390, height=844)
    page.goto(live_server.url + "/practices")
    page.locator("#language-select").select_option("pl")
    page.locator(".language-picker button").click()
    page.goto(live_server.url + "/practices/totals?country=IT")
    assert page.locator("html").get_attribute("lang") == "pl"
    assert page.locator("form[role=search] summary").inner_text() == "Filtry (1)"
    assert "Energia odnawialna" in page.inner_text(".breakdown")  # the theme, from the event file
    assert page.locator(".content-language-note").count() == 0  # the demo gives every text
    assert fits_the_screen(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "library-totals-phone-pl.png"), full_page=True)
    page.watch.assert_clean()
