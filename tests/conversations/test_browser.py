"""A delegate finds a peer in the directory and writes to them; the message arrives live,
with an unread count, on the peer's Messages page (Italian and German, desktop and phone)."""

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
DESKTOP = {"width": 1280, "height": 800}


def look(page, name):
    """Keep a screenshot when EXCHANGE_TEST_SCREENSHOTS names a folder (to look at the page)."""
    folder = os.environ.get("EXCHANGE_TEST_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_message_from_the_directory_arrives_live_with_an_unread_count(
    live_server, new_page, listed_user, viewport
):
    listed_user(Role.DELEGATE, name="Elena Conti", email="elena@example.org")
    listed_user(
        Role.DELEGATE, name="Salvatore Greco", email="salvatore@example.org", administration="ferla"
    )
    size = viewport["width"]

    reader = new_page(**viewport)
    reader.context.set_extra_http_headers({"Accept-Language": "de"})
    sign_in(reader, live_server, "salvatore@example.org")
    reader.goto(f"{live_server.url}/conversations")
    reader.wait_for_selector("#conversations-empty:not([hidden])")
    assert fits(reader)
    assert_accessible(reader, "the Messages page, no conversation yet")
    look(reader, f"conversations-empty-{size}-de")

    writer = new_page(**viewport)
    writer.context.set_extra_http_headers({"Accept-Language": "it"})
    sign_in(writer, live_server, "elena@example.org")
    writer.goto(f"{live_server.url}/people?q=Salvatore")
    writer.locator(".person-entry a", has_text="Salvatore Greco").first.click()
    writer.locator(".person-message button").click()
    writer.wait_for_url("**/rooms/dm-*")
    writer.wait_for_selector("#connection-status[data-state=connected]")
    assert writer.locator("#room-title").inner_text() == "Elena Conti, Salvatore Greco"
    writer.fill("#composer-body", "Ciao Salvatore, hai un minuto per i tetti solari?")
    writer.keyboard.press("Enter")
    writer.locator("#messages .message-body", has_text="tetti solari").wait_for()
    assert fits(writer)
    assert_accessible(writer, "a conversation after sending")
    look(writer, f"conversation-{size}-it")

    entry = reader.locator(".conversation-entry", has_text="Elena Conti")
    entry.wait_for()
    assert entry.locator(".unread-badge").inner_text().startswith("1")
    assert "tetti solari" in entry.locator(".conversation-last-body").inner_text()
    nav_count = reader.locator(".nav-conversations .nav-count")
    if viewport is DESKTOP:
        assert nav_count.inner_text() == "1"
    assert nav_count.get_attribute("hidden") is None
    assert fits(reader)
    assert_accessible(reader, "the Messages page with an unread conversation")
    look(reader, f"conversations-unread-{size}-de")

    entry.locator("a").click()
    reader.wait_for_selector("#connection-status[data-state=connected]")
    reader.locator("#messages .message-body", has_text="tetti solari").wait_for()
    reader.goto(f"{live_server.url}/conversations")
    assert reader.locator(".conversation-entry .unread-badge").get_attribute("hidden") is not None
