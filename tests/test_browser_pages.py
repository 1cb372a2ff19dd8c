"""The main pages in a real browser: usable at 360 px, with the keyboard alone, and pictured.

Screenshots of every main page at phone and desktop widths are written to
artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange.accounts.models import Role

from .conftest import sign_in
from .support import databases
from .support.browser import wait_until

pytestmark = [pytest.mark.live, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
WIDTHS = {"phone": (360, 740), "desktop": (1280, 800)}
PAGES = {
    "home": "/",
    "administrations": "/administrations",
    "practices": "/practices?q=solar",
    "practice": "/practices/1-solar-roofs-on-schools",
    "totals": "/practices/totals",
    "review": "/practices/review",
    "room": "/rooms/plenary",
    "account": "/account",
    "mentions": "/mentions",
    "moderation": "/moderation",
    "dashboard": "/organizer",
    "privacy": "/privacy",
    "accessibility": "/accessibility",
}


@pytest.fixture
def database_url(tmp_path):
    """Pages look and behave the same on either database: these tests use the default one."""
    url = f"sqlite:///{tmp_path / 'exchange.sqlite3'}"
    databases.create_schema(url)
    return url


@pytest.mark.parametrize("size", list(WIDTHS))
def test_main_pages_fit_the_screen_and_are_pictured(live_server, make_user, write, new_page, size):
    organizer = make_user(Role.ORGANIZER, email="organizer@example.org", name="Giulia Bianchi")
    delegate = make_user(Role.DELEGATE, email="elena@example.org", name="Elena Conti")
    practice = write(delegate, published=True, title="Solar roofs on schools")
    assert (practice.id, practice.slug) == (1, "solar-roofs-on-schools")
    write(delegate, submitted=True, title="Bike lanes to the station")
    speaker = live_server.socket(live_server.login(delegate.email, "correct horse battery staple"))
    bodies = ["Buongiorno a tutti! Our solar roofs cut 120 t CO2 a year.", "Who tried panels?"]
    for number, body in enumerate(bodies):
        ack = speaker.call(
            "send", {"room": "plenary", "body": body, "client_id": f"shot-{number}"}, timeout=10
        )
        assert ack["ok"], ack
    width, height = WIDTHS[size]
    page = new_page(width=width, height=height)
    sign_in(page, live_server, organizer.email)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES.items():
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a {width}px screen"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)
    speaker.disconnect()


def test_the_chat_works_with_the_keyboard_alone(live_server, make_user, new_page):
    delegate = make_user(Role.DELEGATE, email="keys@example.org")
    page = new_page()
    page.goto(live_server.url + "/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")  # skip to the form
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(delegate.email)
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + "/rooms/plenary")
    page.wait_for_selector("#connection-status[data-state=connected]")
    page.focus("#composer-body")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("on two lines")
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelectorAll('#messages .message').length === 1")
    assert page.inner_text("#messages .message-body") == "Typed without a mouse\non two lines"

    # The message's own actions are reachable with Tab, and work with Enter.
    page.focus("#messages")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Delete":
            break
    assert page.evaluate("document.activeElement.textContent") == "Delete"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent") == "Delete"  # the confirmation
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelectorAll('#messages .message').length === 0")
    page.watch.assert_clean()


def test_the_home_page_works_without_javascript(browser, live_server, make_user):
    delegate = make_user(Role.DELEGATE, email="nojs@example.org")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, delegate.email)
    page.goto(live_server.url + "/rooms/plenary")
    page.fill("#composer-body", "Sent with scripts switched off")
    page.click("#composer button[type=submit]")
    page.wait_for_url(live_server.url + "/rooms/plenary#composer")
    assert "Sent with scripts switched off" in page.inner_text("#messages")
    context.close()


def english_sentences_italian_translates() -> set[str]:
    """The interface's English sentences that read differently in Italian."""
    from babel.messages.pofile import read_po

    catalogue = ROOT / "exchange" / "translations" / "it" / "LC_MESSAGES" / "messages.po"
    with open(catalogue, "rb") as fh:
        entries = [entry for entry in read_po(fh) if entry.id]
    sentences = set()
    for entry in entries:
        english = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        italian = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for wording in english:
            # Whole words only: fragments around placeholders are too short to tell.
            if "%(" in wording or " " not in wording or len(wording) < 12:
                continue
            if wording not in italian:
                sentences.add(wording)
    return sentences


def test_an_italian_delegate_sees_the_whole_interface_in_italian(
    browser, live_server, make_user, write
):
    elena = make_user(Role.DELEGATE, email="elena@example.org", administration="ferla")
    practice = write(elena, published=True, title="Tetti solari sulle scuole")
    context = browser.new_context(locale="it-IT")  # the browser asks for Italian
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill(elena.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(live_server.url + "/")
    english = english_sentences_italian_translates()
    for path in [
        "/",
        "/rooms/plenary",
        "/practices",
        f"/practices/{practice.id}-{practice.slug}",
        "/practices/new",
        "/administrations",
        "/account",
        "/privacy",
        "/accessibility",
    ]:
        page.goto(live_server.url + path)
        if path.startswith("/rooms/"):
            page.wait_for_selector("#connection-status[data-state=connected]")
        assert page.evaluate("document.documentElement.lang") == "it", path
        text = page.inner_text("body")
        left = sorted(sentence for sentence in english if sentence in text)
        assert left == [], f"{path} still says, in English: {left}"
    context.close()


def test_the_navigation_folds_behind_one_menu_button_on_a_phone(live_server, make_user, new_page):
    organizer = make_user(Role.ORGANIZER, email="menu@example.org", name="Giulia Bianchi")
    page = new_page(width=390, height=844)
    sign_in(page, live_server, organizer.email)
    page.goto(live_server.url + "/rooms/plenary")
    toggle = page.locator(".site-nav .menu-toggle")
    dashboard = page.locator(".site-nav a", has_text="Dashboard")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not dashboard.is_visible()

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert dashboard.is_visible()
    box = page.locator("#site-nav-list").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "menu-open-phone.png"))

    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
    assert not dashboard.is_visible()

    page.set_viewport_size({"width": 1280, "height": 800})
    wait_until(page, "document.querySelector('.site-nav .menu-toggle').hidden")
    assert dashboard.is_visible()
