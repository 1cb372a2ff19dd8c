"""Polls in real browsers: a moderator opens a poll, two others vote, and the results move,
live, in every browser. Pictured in Italian at 1280×800 and 390×844, and axe-checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange.accounts.models import Role

from ..conftest import PASSWORD
from ..support.accessibility import assert_accessible
from ..support.accessibility import install_axe
from ..support.browser import wait_until

pytestmark = [pytest.mark.live, pytest.mark.browser]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PAGE = "/rooms/renewable-energy/polls"


def open_as(browser, live_server, person, *, width=1280, height=800, locale="it-IT"):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
    install_axe(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/login")
    page.fill("#email", person.email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + PAGE)
    wait_until(page, "document.getElementById('polls-live').dataset.state === 'connected'")
    return page


def figures(page):
    return page.locator("#open-polls .poll-option .option-figures").all_inner_texts()


def test_a_poll_gets_two_votes_and_every_browser_sees_the_results_live(
    browser, live_server, make_user
):
    mod = make_user(Role.MODERATOR, email="mod@example.org", name="Giulia")
    anna = make_user(Role.ATTENDEE, email="anna@example.org", name="Anna")
    elena = make_user(Role.DELEGATE, email="elena@example.org", name="Elena")
    opener = open_as(browser, live_server, mod)
    phone = open_as(browser, live_server, anna, width=390, height=844)
    voter = open_as(browser, live_server, elena)
    assert phone.locator("#open-polls-empty").is_visible()
    assert_accessible(phone, "polls (empty)")

    opener.fill("#poll-question", "Quale giorno preferite?")
    opener.fill("#poll-option-1", "Lunedì")
    opener.fill("#poll-option-2", "Martedì")
    opener.fill("#poll-option-3", "Mercoledì")
    opener.click("#poll-form button[type=submit]")
    wait_until(opener, "document.getElementById('poll-question').value === ''")
    for page in (phone, voter):
        wait_until(page, "document.querySelectorAll('#open-polls .poll').length === 1")
    assert phone.locator("#open-polls .poll-question").inner_text() == "Quale giorno preferite?"

    voter.locator("#open-polls .poll-choice", has_text="Martedì").locator("input").check()
    voter.locator("#open-polls form.poll-vote button[type=submit]").click()
    # The first ballot's results push the phone's ballot form down: choose once they are in,
    # or the tap lands where the option was a moment before.
    wait_until(phone, "document.querySelector('#open-polls .ballot-count').textContent === '1'")
    phone.locator("#open-polls .poll-choice", has_text="Martedì").locator("input").check()
    phone.locator("#open-polls form.poll-vote button[type=submit]").click()
    wait_until(opener, "document.querySelector('#open-polls .ballot-count').textContent === '2'")
    wait_until(voter, "document.querySelector('#open-polls .ballot-count').textContent === '2'")
    assert figures(opener) == ["Voti: 0 · 0%", "Voti: 2 · 100%", "Voti: 0 · 0%"]
    # The voter's own choice is marked in words, and the ballot form is gone.
    mine = phone.locator("#open-polls .poll-option", has_text="Martedì")
    assert mine.locator(".option-mine").is_visible()
    assert mine.locator(".option-mine").inner_text() == "La tua scelta"
    assert not phone.locator("#open-polls form.poll-vote").is_visible()
    assert phone.locator("#open-polls .poll-voted").is_visible()
    # Not anonymous: the names of who chose an option are shown to everybody.
    chosen_by = opener.locator("#open-polls .poll-option", has_text="Martedì")
    assert chosen_by.locator(".option-voters").inner_text() == "Scelto da: Elena, Anna"

    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the polls are {overflow}px wider than a 390px screen"
    assert_accessible(phone, "polls (a voter's view, on a phone)")
    assert_accessible(opener, "polls (a moderator's view)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "polls-phone-it.png"), full_page=True)
    opener.screenshot(path=str(SCREENSHOTS / "polls-moderator-desktop-it.png"), full_page=True)

    opener.locator("#open-polls form.poll-close button").click()
    for page in (phone, voter):
        wait_until(page, "document.querySelectorAll('#closed-polls .poll').length === 1")
        wait_until(page, "document.querySelectorAll('#open-polls .poll').length === 0")
    assert phone.locator("#closed-polls .state-closed").is_visible()
    assert_accessible(phone, "polls (history)")
    voter.screenshot(path=str(SCREENSHOTS / "polls-closed-desktop-it.png"), full_page=True)
    for page in (opener, phone, voter):
        page.context.close()
