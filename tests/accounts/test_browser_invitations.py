"""An organizer hands out a code with a last day and copies its registration link; an
attendee who registered without one enters it on their account page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exchange.accounts.models import Role

from ..conftest import sign_in
from ..support.accessibility import assert_accessible

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


def test_a_code_travels_as_a_link_and_makes_an_attendee_a_delegate(
    live_server, new_page, make_user
):
    olga = make_user(Role.ORGANIZER, email="olga@example.org")
    anna = make_user(Role.ATTENDEE, name="Anna", email="anna@example.org")

    organizer = new_page(**PHONE)
    organizer.context.set_extra_http_headers({"Accept-Language": "it"})
    organizer.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(organizer, live_server, olga.email)
    organizer.goto(f"{live_server.url}/invitations")
    organizer.select_option("#administration", "ferla")
    organizer.fill("#expires_on", "2099-06-30")
    organizer.click("form.stack button[type=submit]")
    organizer.wait_for_selector(".flash-success")
    organizer.click("button[data-copy]")
    organizer.wait_for_selector("#copy-status:has-text('Copiato.')")
    link = organizer.evaluate("navigator.clipboard.readText()")
    assert "/register?code=" in link
    look(organizer, "invitations-phone-it")
    assert fits(organizer)
    assert_accessible(organizer, "the invitations page with a code")
    code = link.split("code=")[1]

    organizer.select_option("#mail-administration", "ferla")
    organizer.fill("#mail-addresses", "maria@example.org\npiotr@example.org\nnot an address")
    organizer.click("#by-email ~ form button[type=submit]")
    organizer.wait_for_selector("#mailed ~ .table-scroll td:has-text('maria@example.org')")
    assert fits(organizer)
    assert_accessible(organizer, "the invitations page after inviting by email")
    look(organizer, "invitations-by-email-phone-it")

    attendee = new_page(**PHONE)
    sign_in(attendee, live_server, anna.email)
    attendee.goto(f"{live_server.url}/account")
    attendee.fill("#redeem-code", "WRONG-CODE")
    attendee.click("#code-title ~ form button[type=submit]")
    attendee.wait_for_selector(".flash-error")
    assert_accessible(attendee, "the account page with a refused code")
    attendee.fill("#redeem-code", code)
    attendee.click("#code-title ~ form button[type=submit]")
    attendee.wait_for_selector(".flash-success")
    assert attendee.locator("#code-title").count() == 0
    assert "Ferla" in attendee.locator(".facts").text_content()
    look(attendee, "account-delegate-phone")
