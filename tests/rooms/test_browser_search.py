"""Searching messages in the browser: the box in the rooms list, results, and the way back."""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role

from ..support.accessibility import assert_accessible
from ..support.browser import wait_until
from .test_browser_chat import DESKTOP
from .test_browser_chat import look
from .test_browser_chat import open_room
from .test_browser_chat import page_width_fits
from .test_browser_chat import PHONE
from .test_browser_chat import post

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_person_finds_an_old_answer_and_opens_it_in_its_room(
    app, live_server, new_page, make_user, viewport
):
    elena = make_user(Role.DELEGATE, name="Elena", email="elena@example.org")
    answer = post(app, elena, "Il capitolato per le pompe di calore è nella cartella condivisa.")
    for n in range(60):
        post(app, elena, f"Aggiornamento {n}")

    page = new_page(**viewport)
    page.context.set_extra_http_headers({"Accept-Language": "it"})
    open_room(page, live_server, elena.email)
    if viewport is PHONE:
        page.locator('button[data-panel="room-list"]').click()
    page.locator("#room-search-q").fill("pompe calore")
    page.keyboard.press("Enter")
    page.wait_for_url("**/rooms/search?q=*")
    assert page.locator("#search-results-title").inner_text() == "1 messaggio"
    look(page, f"search-results-{viewport['width']}")
    assert page_width_fits(page)
    assert_accessible(page, "chat search results")

    page.locator(".search-where a").click()
    wait_until(page, f"document.activeElement?.id === 'message-{answer}'")

    page.goto(f"{live_server.url}/rooms/search?q=x")
    assert page.locator("#search-error").is_visible()
    look(page, f"search-error-{viewport['width']}")
    assert_accessible(page, "a search without words")
