"""Browser notifications in Chromium: consent is asked after the first mention, never on load."""

from __future__ import annotations

import uuid

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.extensions import db

from ..conftest import PASSWORD
from ..rooms.test_browser_chat import DESKTOP
from ..rooms.test_browser_chat import look
from ..rooms.test_browser_chat import open_room
from ..rooms.test_browser_chat import page_width_fits
from ..rooms.test_browser_chat import PHONE
from ..support.accessibility import assert_accessible

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def elena(app, make_user):
    """An Italian delegate: the pages speak Italian to her."""
    user = make_user(Role.DELEGATE, name="Elena Conti", email="elena@example.org")
    with app.app_context():
        db.session.get(User, user.id).locale = "it"
        db.session.commit()
    return user


@pytest.fixture
def salvatore(make_user):
    return make_user(Role.DELEGATE, name="Salvatore", email="salvatore@example.org")


def mention(live_server, author, person, room="plenary"):
    client = live_server.socket(live_server.login(author.email, PASSWORD))
    ack = client.call(
        "send",
        {
            "room": room,
            "body": f"@{person.name} did you tender the roofs?",
            "client_id": uuid.uuid4().hex,
            "mentions": [person.id],
        },
        timeout=10,
    )
    client.disconnect()
    assert ack["ok"], ack


def test_consent_is_offered_after_the_first_mention_and_once(
    new_page, live_server, elena, salvatore
):
    page = new_page(**PHONE)
    open_room(page, live_server, elena.email, room="funding")
    assert page.locator("#notify-ask").is_hidden()  # never on page load

    mention(live_server, salvatore, elena)
    page.wait_for_selector("#notify-ask:not([hidden])")
    assert_accessible(page, "the room offering notifications")
    assert page_width_fits(page)
    look(page, "notify-offer-phone-it")

    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.locator('#notify-ask button[data-answer="yes"]').click()
    page.wait_for_selector("#notify-ask[hidden]", state="attached")
    assert page.evaluate("Notification.permission") == "granted"

    page.reload()
    page.wait_for_selector("#connection-status[data-state=connected]")
    mention(live_server, salvatore, elena)
    page.wait_for_selector(
        '#room-list a[data-room="plenary"] .mention-badge:not([hidden])', state="attached"
    )
    assert page.locator("#notify-ask").is_hidden()


def test_not_now_is_remembered(new_page, live_server, elena, salvatore):
    page = new_page(**DESKTOP)
    open_room(page, live_server, elena.email, room="funding")
    mention(live_server, salvatore, elena)
    page.wait_for_selector("#notify-ask:not([hidden])")
    page.locator('#notify-ask button[data-answer="no"]').click()
    page.reload()
    page.wait_for_selector("#connection-status[data-state=connected]")
    mention(live_server, salvatore, elena)
    page.wait_for_selector(
        '#room-list a[data-room="plenary"] .mention-badge:not([hidden])', state="attached"
    )
    assert page.locator("#notify-ask").is_hidden()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_settings_page_says_what_the_browser_does_and_asks_only_on_request(
    new_page, live_server, elena, viewport
):
    page = new_page(**viewport)
    open_room(page, live_server, elena.email)
    page.goto(f"{live_server.url}/account/notifications")
    state = page.locator("#browser-notifications-state")
    state.wait_for()
    assert page.locator("#browser-notifications-ask").is_visible()
    assert_accessible(page, "the notifications page")
    assert page_width_fits(page)
    look(page, f"notify-settings-{'phone' if viewport is PHONE else 'desktop'}-it")

    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.locator("#browser-notifications-ask").click()
    page.wait_for_selector("#browser-notifications-ask", state="hidden")
    assert "mostra le notifiche" in state.inner_text()
