"""Q&A in real browsers: an attendee asks, two people vote, a moderator answers it in writing,
and it moves, live, with its answer, in another person's browser. Pictured in Italian,
axe-checked, 390 px."""

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
PAGE = "/rooms/renewable-energy/questions"


def open_as(browser, live_server, person, *, width=1280, height=800, locale="en-GB"):
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
    wait_until(page, "document.getElementById('questions-live').dataset.state === 'connected'")
    return page


def titles(page):
    return page.locator("#question-list .question-body").all_inner_texts()


def test_asked_voted_answered_and_moved_live_in_another_browser(browser, live_server, make_user):
    anna = make_user(Role.ATTENDEE, email="anna@example.org", name="Anna")
    elena = make_user(Role.DELEGATE, email="elena@example.org", name="Elena")
    marco = make_user(Role.DELEGATE, email="marco@example.org", name="Marco")
    mod = make_user(Role.MODERATOR, email="mod@example.org", name="Giulia")
    asker = open_as(browser, live_server, anna)
    watcher = open_as(browser, live_server, elena, width=390, height=844, locale="it-IT")
    voter = open_as(browser, live_server, marco)
    moderator = open_as(browser, live_server, mod)

    asker.fill("#question-body", "Chi ha pagato i pannelli?")
    asker.click("#question-form button[type=submit]")
    wait_until(asker, "document.getElementById('question-body').value === ''")
    asker.fill("#question-body", "Quanto dura la garanzia?")
    asker.click("#question-form button[type=submit]")
    wait_until(watcher, "document.querySelectorAll('#question-list .question').length === 2")
    # By votes, then newest first: the guarantee question leads while nobody voted.
    assert titles(watcher) == ["Quanto dura la garanzia?", "Chi ha pagato i pannelli?"]

    voter.locator(".question", has_text="Chi ha pagato").locator(".vote-button").click()
    # The vote moves it to the top of the other browser's list, live. Only then does that
    # browser vote: a click while the list reorders would land on whatever moved under it.
    wait_until(
        watcher,
        "document.querySelector('#question-list .question').textContent.includes('Chi ha pagato')",
    )
    watcher.locator(".question", has_text="Chi ha pagato").locator(".vote-button").click()
    wait_until(voter, "document.querySelector('#question-list .vote-count').textContent === '2'")
    assert (
        watcher.locator(".question", has_text="Chi ha pagato")
        .locator(".vote-button")
        .get_attribute("aria-pressed")
        == "true"
    )

    wait_until(moderator, "document.querySelectorAll('#question-list .question').length === 2")
    # The moderator answers in writing; that marks it answered too.
    writing = moderator.locator(".question", has_text="Chi ha pagato").locator(
        ".question-answer-write"
    )
    writing.locator("summary").click()
    writing.locator("textarea").fill("La regione, per metà.")
    writing.locator("button").click()
    # In the other browser it moves to the end, marked answered in words, with the answer.
    wait_until(
        watcher,
        "document.querySelector('#question-list .question:last-child').textContent"
        ".includes('Chi ha pagato')",
    )
    answered = watcher.locator(".question", has_text="Chi ha pagato")
    assert answered.locator(".state-answered").is_visible()
    assert answered.locator(".answer-body").inner_text() == "La regione, per metà."
    assert answered.locator(".answer-author").inner_text() == "Giulia"
    assert titles(watcher) == ["Quanto dura la garanzia?", "Chi ha pagato i pannelli?"]

    overflow = watcher.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the questions are {overflow}px wider than a 390px screen"
    assert_accessible(watcher, "questions (attendee's view)")
    assert_accessible(moderator, "questions (moderator's view)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    watcher.screenshot(path=str(SCREENSHOTS / "questions-phone-it.png"), full_page=True)
    moderator.set_viewport_size({"width": 1280, "height": 800})
    moderator.screenshot(path=str(SCREENSHOTS / "questions-moderator-desktop.png"), full_page=True)
    for page in (asker, watcher, voter, moderator):
        page.context.close()


def test_an_empty_panel_and_a_refused_question_are_accessible(browser, live_server, make_user):
    muted_person = make_user(Role.ATTENDEE, email="quiet@example.org")
    page = open_as(browser, live_server, muted_person, locale="it-IT")
    assert page.locator("#questions-empty").is_visible()
    assert_accessible(page, "questions (empty)")
    page.screenshot(path=str(SCREENSHOTS / "questions-empty-desktop-it.png"), full_page=True)
    page.fill("#question-body", "x" * 5)
    page.evaluate("document.getElementById('question-body').value = ' '")
    page.click("#question-form button[type=submit]")
    assert_accessible(page, "questions (refused)")
    page.context.close()
