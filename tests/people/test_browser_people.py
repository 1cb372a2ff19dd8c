"""A delegate joins the directory from their profile, in German on a phone, and finds a peer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.extensions import db
from exchange.people import services

from ..conftest import sign_in
from ..support.accessibility import assert_accessible

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    # What is tested is the page; the database makes no difference to it.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def look(page, name):
    """Keep a screenshot when EXCHANGE_TEST_SCREENSHOTS names a folder (to look at the page)."""
    folder = os.environ.get("EXCHANGE_TEST_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_delegate_joins_the_directory_and_finds_a_peer(
    app, live_server, new_page, make_user, viewport
):
    elena = make_user(Role.DELEGATE, name="Elena", email="elena@example.org")
    for number, language in enumerate(["it", "de", "pl", "sv", "hu"]):
        peer = make_user(Role.DELEGATE, name=f"Kollegin {number}", administration="ferla")
        with app.app_context():
            services.update_profile(
                db.session.get(User, peer.id),
                listed=True,
                languages=[language, "en"],
                topics=["funding", "renewable-energy"],
                bio="Energiemanagerin. Wir haben 40 Schuldächer mit Solarzellen belegt.",
            )
    page = new_page(**viewport)
    page.context.set_extra_http_headers({"Accept-Language": "de"})
    sign_in(page, live_server, elena.email)

    page.goto(f"{live_server.url}/people?language=fi")
    assert page.locator(".person-entry").count() == 0
    assert fits(page)
    assert_accessible(page, "the directory, nobody matching")
    look(page, f"people-empty-{viewport['width']}-de")

    page.goto(f"{live_server.url}/account/profile")
    page.check("#listed")
    page.check("#language-it")
    page.check("#topic-funding")
    page.fill("#bio", "x" * 501)
    page.click("form.stack button[type=submit]")
    page.wait_for_selector(".field-error")
    assert fits(page)
    assert_accessible(page, "the profile form with a mistake")
    look(page, f"profile-error-{viewport['width']}-de")
    page.fill("#bio", "Energiemanagerin in Campi Bisenzio.")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector(".flash-success")

    page.goto(f"{live_server.url}/people?topic=funding")
    assert page.locator(".person-entry").count() == 6
    assert fits(page)
    assert_accessible(page, "the directory, busy")
    look(page, f"people-busy-{viewport['width']}-de")

    page.click(".person-entry-name a >> text=Kollegin 1")
    page.wait_for_selector("h1:has-text('Kollegin 1')")
    assert page.locator('span[lang="de"]').count() == 1
    assert fits(page)
    assert_accessible(page, "a profile")
    look(page, f"profile-{viewport['width']}-de")

    page.goto(f"{live_server.url}/administrations/ferla")
    assert page.locator("#delegates-title ~ .people-list .person-entry").count() == 5
    assert_accessible(page, "an administration with its delegates")
    # (The console holds the 422 of the form's mistake, as browsers log it.)
    assert (page.watch.errors, page.watch.dialogs, page.watch.foreign_requests) == ([], [], [])
