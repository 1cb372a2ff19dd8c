"""Mentions in Chromium: "@" offers people, the keyboard picks one, the person named is told."""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role

from ..support.accessibility import assert_accessible
from .test_browser_chat import DESKTOP
from .test_browser_chat import look as screenshot
from .test_browser_chat import open_room
from .test_browser_chat import page_width_fits
from .test_browser_chat import PHONE

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena Conti", email="elena@example.org")


@pytest.fixture
def salvatore(make_user):
    return make_user(
        Role.DELEGATE, name="Salvatore", email="salvatore@example.org", administration="ferla"
    )


def test_typing_at_offers_people_the_keyboard_picks_and_the_person_named_is_told(
    new_page, live_server, elena, salvatore
):
    reader = new_page(**DESKTOP)
    open_room(reader, live_server, elena.email, room="funding")
    writer = new_page(**PHONE)
    open_room(writer, live_server, salvatore.email)

    assert page_width_fits(writer)
    box = writer.locator("#composer-body")
    box.click()
    box.press_sequentially("Ciao @Ele")
    writer.wait_for_selector("#mention-options .mention-option")
    assert box.get_attribute("aria-expanded") == "true"
    option = writer.locator("#mention-options .mention-option").first
    assert option.inner_text().startswith("Elena Conti")
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    assert_accessible(writer, "the composer offering people", include="#composer")
    screenshot(writer, "mentions-composer-phone")
    box.press("Enter")  # picks, does not send
    assert box.input_value() == "Ciao @Elena Conti "
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("come avete fatto?")
    box.press("Enter")  # sends

    writer.wait_for_selector("#messages .message .mention")
    reader.wait_for_selector('#room-list a[data-room="plenary"] .mention-badge:not([hidden])')
    assert (
        reader.locator('#room-list a[data-room="plenary"] .mention-badge')
        .inner_text()
        .startswith("@1")
    )
    assert reader.locator(".nav-mentions .nav-count").inner_text() == "1"
    reader.locator("#mentions-panel summary").click()
    entry = reader.locator("#mentions-panel-list .mention-entry").first
    assert "come avete fatto?" in entry.inner_text()
    assert (
        entry.locator(".mention-room").get_attribute("href").startswith("/rooms/plenary#message-")
    )
    assert reader.locator(".mentions-panel-count").inner_text() == "1"
    assert_accessible(reader, "the room's Mentions panel")
    screenshot(reader, "mentions-badge-desktop")

    reader.goto(f"{live_server.url}/mentions")
    entry = reader.locator(".mention-entry.is-unread")
    assert "come avete fatto?" in entry.inner_text()
    assert_accessible(reader, "the mentions page")
    screenshot(reader, "mentions-page-desktop")


def test_escape_closes_the_list_and_enter_then_sends_as_typed(
    new_page, live_server, elena, salvatore
):
    writer = new_page(**DESKTOP)
    open_room(writer, live_server, salvatore.email)
    box = writer.locator("#composer-body")
    box.click()
    box.press_sequentially("@Ele")
    writer.wait_for_selector("#mention-options .mention-option")
    box.press("Escape")
    assert writer.locator("#mention-options").is_hidden()
    box.press("Enter")
    writer.wait_for_selector("#messages .message")
    assert writer.locator("#messages .message .mention").count() == 0


def test_a_moderator_is_offered_at_room_and_a_delegate_is_not(
    new_page, live_server, make_user, elena, salvatore
):
    moderator = make_user(Role.MODERATOR, name="Marta", email="marta@example.org")
    for person, offered in ((moderator, True), (salvatore, False)):
        page = new_page(**DESKTOP)
        open_room(page, live_server, person.email)
        box = page.locator("#composer-body")
        box.click()
        box.press_sequentially("@")
        page.wait_for_selector("#mention-options .mention-option")
        first = page.locator("#mention-options .mention-option").first.inner_text()
        assert first.startswith("@room") is offered, (person.email, first)
        if offered:
            box.press("Enter")
            assert box.input_value() == "@room "
            box.press_sequentially("the plenary starts now")
            box.press("Enter")
            page.wait_for_selector("#messages .message .mention")
