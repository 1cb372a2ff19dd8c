"""Reactions in the browser: a keyboard picker, toggling, and sentences for screen readers."""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role

from ..conftest import PASSWORD
from ..support.accessibility import assert_accessible
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
def test_a_delegate_reacts_by_keyboard_and_sees_others_react_live(
    app, live_server, new_page, make_user, viewport
):
    elena = make_user(Role.DELEGATE, name="Elena", email="elena@example.org")
    kasia = make_user(
        Role.DELEGATE, name="Kasia", email="kasia@example.org", administration="demo-przykladowo"
    )
    message_id = post(app, elena, "Proponuję wspólny przetarg na panele.")
    item = f"#message-{message_id}"

    page = new_page(**viewport)
    page.context.set_extra_http_headers({"Accept-Language": "pl"})
    open_room(page, live_server, kasia.email)
    if viewport is PHONE:
        page.locator(f"{item} .message-more").click()
    page.locator(f'{item} [data-action="react"]').focus()
    page.keyboard.press("Enter")
    picker = page.locator(f"{item} .reaction-picker")
    picker.wait_for()
    assert picker.get_attribute("aria-label") == "Wybierz reakcję"
    assert page.evaluate("document.activeElement.className") == "reaction-choice"
    look(page, f"reactions-picker-{viewport['width']}")
    assert page_width_fits(page)
    assert_accessible(page, "the reaction picker")

    page.keyboard.press("Enter")  # the first choice, 👍
    picker.wait_for(state="detached")
    pill = page.locator(f'{item} .reaction[data-emoji="👍"]')
    pill.wait_for()
    assert pill.get_attribute("aria-pressed") == "true"
    assert pill.get_attribute("aria-label") == "1 osoba zareagowała: 👍"

    # Another person's reaction arrives live; a typed emoji joins through the box.
    other = live_server.socket(live_server.login(elena.email, PASSWORD))
    assert other.call("react", {"message_id": message_id, "emoji": "👍"}, timeout=10)["ok"]
    other.disconnect()
    page.wait_for_selector(f'{item} .reaction[aria-label="2 osoby zareagowały: 👍"]')
    page.locator(f'{item} [data-action="react"]').focus()
    page.keyboard.press("Enter")
    page.locator(f"{item} .reaction-other input").fill("🚲")
    page.keyboard.press("Enter")
    page.locator(f'{item} .reaction[data-emoji="🚲"]').wait_for()
    look(page, f"reactions-given-{viewport['width']}")
    assert_accessible(page, "a message with reactions")

    # Pressing one's own pill takes it back.
    pill.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f'{item} .reaction[data-emoji="👍"][aria-pressed="false"]')
    assert pill.get_attribute("aria-label") == "1 osoba zareagowała: 👍"
