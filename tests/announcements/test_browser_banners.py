"""An announcement banner reaches every open page of another person, live, and stays closed.

A moderator announces from the web in one browser; a delegate who has the home
page and a room open in another sees it appear on both, closes it on one, and it
is gone from the other and after a reload.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from exchange.accounts.models import Role

from ..conftest import sign_in
from ..support.accessibility import assert_accessible
from ..support.browser import PageWatch

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    # What is tested is the page; the database makes no difference to it.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

PHONE = {"width": 390, "height": 844}


def look(page, name):
    """Keep a screenshot when EXCHANGE_TEST_SCREENSHOTS names a folder (to look at the page)."""
    folder = os.environ.get("EXCHANGE_TEST_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_banner_appears_on_every_open_page_and_stays_closed(live_server, new_page, make_user):
    marco = make_user(Role.MODERATOR, name="Marco", email="marco@example.org")
    elena = make_user(Role.DELEGATE, name="Elena", email="elena@example.org")

    home = new_page(**PHONE)
    sign_in(home, live_server, elena.email)
    room = home.context.new_page()  # the same browser: the same sign-in
    room.watch = PageWatch(origin=live_server.url)
    room.watch.attach(room)
    room.goto(f"{live_server.url}/rooms/plenary")
    room.wait_for_selector("#connection-status[data-state=connected]")
    home.goto(f"{live_server.url}/practices")

    staff = new_page()
    sign_in(staff, live_server, marco.email)
    staff.goto(f"{live_server.url}/announcements")
    assert_accessible(staff, "the announcements page, empty")
    staff.fill("#body", "The plenary moves to room B at 14:00. https://example.org/map")
    staff.check("#room-plenary")
    tomorrow = dt.datetime.now() + dt.timedelta(days=1)
    staff.fill("#banner_until", tomorrow.strftime("%Y-%m-%dT%H:%M"))
    staff.click("form.stack button[type=submit]")
    staff.wait_for_selector(".flash-success")
    assert_accessible(staff, "the announcements page, with one")
    look(staff, "announcements-desktop")

    for page in (home, room):
        page.wait_for_selector(".banner:has-text('The plenary moves to room B')")
    assert room.locator("#messages").get_by_text("The plenary moves to room B").count() == 1
    assert home.locator("#banner-status").text_content().startswith("Announcement:")
    assert fits(home)
    assert_accessible(home, "a page with a banner")
    look(home, "banner-phone")
    look(room, "banner-room-phone")

    home.locator(".banner button").click()
    home.wait_for_selector(".banner", state="detached")
    room.wait_for_selector(".banner", state="detached")
    home.reload()
    assert home.locator(".banner").count() == 0
    home.watch.assert_clean()
    room.watch.assert_clean()


def test_the_announcements_page_fits_a_phone_in_another_language(live_server, new_page, make_user):
    olga = make_user(Role.ORGANIZER, name="Olga", email="olga@example.org")
    page = new_page(**PHONE)
    page.context.set_extra_http_headers({"Accept-Language": "pl"})
    sign_in(page, live_server, olga.email)
    page.goto(f"{live_server.url}/announcements")
    page.click("form.stack button[type=submit]")  # nothing written: the error state
    page.wait_for_selector(".field-error")
    assert fits(page)
    assert_accessible(page, "the announcements page with a mistake")
    look(page, "announcements-error-phone-pl")
