"""The agenda, the home page and a room in a real browser, while a session is on.

The event here runs today and tomorrow (in Rome), with one session live now and
the next starting later, so the live server shows the states people see during
the event. Pages are checked with axe-core, must fit a 390 px screen, and are
pictured in Italian in artifacts/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from exchange.accounts.models import Role
from exchange.event.services import load_event

from ..conftest import DEMO_EVENT
from ..conftest import PASSWORD
from ..support.accessibility import assert_accessible
from ..support.accessibility import install_axe

pytestmark = [pytest.mark.live, pytest.mark.browser]

ROME = ZoneInfo("Europe/Rome")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


@pytest.fixture
def event_today(app, event):
    """The demo event moved to today: one session live now, the others later or earlier."""
    with open(DEMO_EVENT, "rb") as fh:
        data = tomllib.load(fh)
    now = dt.datetime.now(ROME).replace(second=0, microsecond=0)
    today = now.date()
    data["event"]["starts_on"] = today
    data["event"]["ends_on"] = today + dt.timedelta(days=1)
    # Keep every session within the two days whatever the hour: live now, then one
    # per hour after it (into tomorrow), and the opening earlier today if there is room.
    start = max(now - dt.timedelta(minutes=30), dt.datetime.combine(today, dt.time(), ROME))
    for number, item in enumerate(data["sessions"]):
        item["starts_at"] = start + dt.timedelta(hours=number)
        item["ends_at"] = item["starts_at"] + dt.timedelta(minutes=55)
    with app.app_context():
        load_event(data)
    return data


@pytest.mark.parametrize("size", list(SIZES))
def test_the_agenda_and_what_is_on_now_in_italian(
    browser, live_server, event_today, make_user, size
):
    person = make_user(Role.ATTENDEE, email="ascolto@example.org")
    width, height = SIZES[size]
    context = browser.new_context(locale="it-IT", viewport={"width": width, "height": height})
    install_axe(context)
    page = context.new_page()
    page.goto(live_server.url + "/agenda")
    live = page.locator("#session-opening")
    assert "In corso" in live.inner_text()
    assert "Prossima" in page.locator("#session-solar-schools").inner_text()
    for name, path in [("agenda", "/agenda"), ("home-live", "/")]:
        page.goto(live_server.url + path)
        check_page(page, name, size, width)
    assert "Apertura: perché ci scambiamo esperienze" in page.inner_text("#now-title + ul")

    page.goto(live_server.url + "/login")
    page.fill("#email", person.email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/rooms/plenary")
    assert "Apertura" in page.inner_text(".room-session")
    check_page(page, "room-session", size, width)
    context.close()


def check_page(page, name, size, width):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px screen"
    assert_accessible(page, name)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}-it.png"), full_page=True)
