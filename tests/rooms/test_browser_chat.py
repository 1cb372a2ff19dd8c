"""The room behaves like a chat application, in Chromium on a desktop and on a phone.

It opens at the latest message (or the first unread one, under a "New" divider),
offers a way down to messages that arrive while the reader scrolled up, keeps
unread counts of the other rooms live on every tab, and says who is typing.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.rooms import services as rooms

from ..conftest import PASSWORD
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


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena", email="elena@example.org")


@pytest.fixture
def salvatore(make_user):
    return make_user(
        Role.DELEGATE, name="Salvatore", email="salvatore@example.org", administration="ferla"
    )


def post(app, author, body, room="plenary"):
    """Store a message as history (the server's pages read it; nobody is told live)."""
    with app.app_context():
        message = rooms.post_message(
            get_room(room), db.session.get(User, author.id), body, uuid.uuid4().hex
        )
        return message.id


def say(live_server, author, body, room="plenary"):
    """Send a message through the real server, as a client does, so that it arrives live."""
    client = live_server.socket(live_server.login(author.email, PASSWORD))
    ack = client.call(
        "send", {"room": room, "body": body, "client_id": uuid.uuid4().hex}, timeout=10
    )
    client.disconnect()
    assert ack["ok"], ack


def open_room(page, live_server, email, room="plenary", *, signed_in=False):
    if not signed_in:
        sign_in(page, live_server, email)
    page.goto(f"{live_server.url}/rooms/{room}")
    page.wait_for_selector("#connection-status[data-state=connected]")


def in_view(page, selector):
    """Whether the element is inside both the conversation's scroll box and the window."""
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            const frame = document.getElementById("conversation").getBoundingClientRect();
            return box.top >= frame.top - 1 && box.bottom <= frame.bottom + 1
                && box.bottom <= window.innerHeight + 1;
        }""",
        selector,
    )


def page_width_fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def look(page, name):
    """Keep a screenshot when EXCHANGE_TEST_SCREENSHOTS names a folder (to look at the page)."""
    folder = os.environ.get("EXCHANGE_TEST_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_room_opens_at_the_latest_and_offers_a_way_down_to_new_messages(
    app, live_server, new_page, elena, salvatore, viewport
):
    ids = [post(app, salvatore, f"Message number {n} about our energy plans") for n in range(60)]
    page = new_page(**viewport)
    open_room(page, live_server, elena.email)
    look(page, f"room-opened-{viewport['width']}")

    assert in_view(page, f"#message-{ids[-1]}")
    assert page.is_visible("#composer-body") and in_view(page, "#composer-body") is not None
    assert (
        page.evaluate("document.getElementById('composer-send').getBoundingClientRect().bottom")
        <= viewport["height"]
    )
    assert page_width_fits(page)
    # Consecutive messages of one author are grouped under one name.
    shown = page.locator("#messages .message").count()
    assert page.locator("#messages .message.is-grouped").count() == shown - 1
    look(page, f"room-latest-{viewport['width']}")
    assert_accessible(page, "a room opened at its latest message")

    page.evaluate("document.getElementById('conversation').scrollTop = 0")
    say(live_server, salvatore, "Something new while Elena reads the beginning")
    jump = page.locator("#jump-new")
    jump.wait_for(state="visible")
    assert jump.inner_text() == "↓ 1 new message"
    look(page, f"room-new-messages-{viewport['width']}")
    assert_accessible(page, "a room with the new-messages button")
    jump.click()
    jump.wait_for(state="hidden")
    assert in_view(page, "#messages .message:last-child")
    assert page.evaluate("document.activeElement.id") == "messages"


def test_on_a_phone_the_room_shows_its_whole_name_above_its_buttons(live_server, new_page, elena):
    page = new_page(**PHONE)
    open_room(page, live_server, elena.email, room="participation")
    title = page.locator("#room-title")
    assert title.inner_text() == "Citizen participation and public communication"
    # Not cut short: the name wraps within the page instead of ending in "…".
    assert page.evaluate(
        "(() => { const t = document.getElementById('room-title');"
        " return t.scrollWidth <= t.clientWidth && t.getBoundingClientRect().right <= 390; })()"
    )
    name = title.bounding_box()
    rooms_button = page.locator(".chat-header .panel-toggle[data-panel=room-list]").bounding_box()
    people_button = page.locator(".chat-header .panel-toggle[data-panel=online]").bounding_box()
    questions = page.get_by_role("link", name="Questions to this room").bounding_box()
    assert name and rooms_button and people_button and questions
    assert name["y"] + name["height"] <= rooms_button["y"]  # the name first, the buttons below
    assert abs(rooms_button["y"] - people_button["y"]) < 2  # on one row
    assert questions["y"] >= rooms_button["y"] + rooms_button["height"]  # the links after them
    look(page, "room-header-390")


def test_a_room_opens_at_the_first_unread_message_under_a_new_divider(
    app, live_server, new_page, elena, salvatore
):
    ids = [post(app, salvatore, f"Earlier point {n}") for n in range(60)]
    page = new_page(**PHONE)
    sign_in(page, live_server, elena.email)
    client = live_server.socket(live_server.login(elena.email, PASSWORD))
    assert client.call("read", {"room": "plenary", "message_id": ids[29]}, timeout=10)["ok"]
    client.disconnect()

    open_room(page, live_server, elena.email, signed_in=True)
    assert page.locator("#messages .new-divider").count() == 1
    assert (
        page.evaluate("document.querySelector('.new-divider').nextElementSibling.id")
        == f"message-{ids[30]}"
    )
    assert in_view(page, ".new-divider") and in_view(page, f"#message-{ids[30]}")
    assert not in_view(page, f"#message-{ids[-1]}")
    look(page, "room-first-unread-390")
    assert_accessible(page, "a room opened at its first unread message")


def unread_badge(page, room):
    return page.locator(f'#room-list a[data-room="{room}"] .unread-badge')


def test_unread_counts_stay_live_on_every_tab_and_typing_is_shown_to_the_others(
    app, live_server, new_page, elena, salvatore
):
    first_tab = new_page()
    open_room(first_tab, live_server, elena.email)
    second_tab = first_tab.context.new_page()  # the same browser: the same sign-in
    open_room(second_tab, live_server, elena.email, signed_in=True)
    assert unread_badge(first_tab, "funding").is_hidden()

    say(live_server, salvatore, "News from the funding room", room="funding")
    for tab in (first_tab, second_tab):
        unread_badge(tab, "funding").wait_for(state="visible", timeout=3000)
        assert unread_badge(tab, "funding").inner_text().startswith("1")
    assert_accessible(first_tab, "a rooms list with an unread count")

    # Reading the funding room on a third tab clears the count on the other two.
    third_tab = first_tab.context.new_page()
    open_room(third_tab, live_server, elena.email, room="funding", signed_in=True)
    for tab in (first_tab, second_tab):
        unread_badge(tab, "funding").wait_for(state="hidden", timeout=5000)

    writer = new_page(**PHONE)
    open_room(writer, live_server, salvatore.email)
    writer.type("#composer-body", "Ciao a tutti")
    typing = first_tab.locator("#typing")
    typing.filter(has_text="Salvatore is typing…").wait_for()
    look(first_tab, "room-typing-1280")
    assert_accessible(first_tab, "a room where someone is typing")
    writer.keyboard.press("Enter")
    first_tab.locator("#messages .message-body", has_text="Ciao a tutti").wait_for()
    assert typing.inner_text() == ""


def test_a_muted_person_sees_when_they_can_write_again_and_cannot_send(
    app, live_server, new_page, elena, make_user
):
    from exchange.moderation import services as moderation

    with app.app_context():
        moderation.mute(
            db.session.get(User, elena.id),
            db.session.get(User, make_user(Role.MODERATOR).id),
            10,
            "a pause",
        )
    page = new_page(**PHONE)
    open_room(page, live_server, elena.email)
    state = page.locator("#composer-state")
    state.filter(has_text="You can write again in 9:").wait_for()
    first = state.inner_text()
    page.wait_for_function(
        "(first) => document.getElementById('composer-state').textContent !== first", arg=first
    )
    assert page.is_disabled("#composer-body") and page.is_disabled("#composer-send")
    assert page_width_fits(page)
    look(page, "room-muted-390")
    assert_accessible(page, "a muted person's room")


def test_a_moderator_opens_a_persons_card_from_their_name_and_mutes_them_there(
    app, live_server, new_page, salvatore, make_user
):
    post(app, salvatore, "Buy cheap panels at example.org")
    moderator = make_user(Role.MODERATOR, email="marco@example.org")
    page = new_page()
    open_room(page, live_server, moderator.email)
    page.locator("#messages .message").first.get_by_role("button", name="Salvatore").click()
    card = page.locator("#person-card")
    card.wait_for(state="visible")
    assert "Ferla (IT)" in card.inner_text() and "Delegate" in card.inner_text()
    look(page, "room-person-card-1280")
    assert_accessible(page, "a person's card with the moderators' actions")

    card.get_by_label("Mute for (minutes)").fill("15")
    card.locator("#card-mute-reason").fill("advertising")
    card.get_by_role("button", name="Mute").click()
    page.wait_for_url(f"{live_server.url}/rooms/plenary")
    with app.app_context():
        assert db.session.get(User, salvatore.id).muted_until is not None


def test_in_slow_mode_the_send_button_counts_down_to_the_next_message(
    app, live_server, new_page, elena, make_user
):
    from exchange.moderation import services as moderation

    with app.app_context():
        moderation.set_slow_mode(
            get_room("plenary"), 30, db.session.get(User, make_user(Role.MODERATOR).id)
        )
    page = new_page(**PHONE)
    open_room(page, live_server, elena.email)
    page.fill("#composer-body", "One thought at a time")
    page.keyboard.press("Enter")
    page.locator("#messages .message-body", has_text="One thought at a time").wait_for()
    send = page.locator("#composer-send")
    send.filter(has_text="Send in 2").wait_for()  # 29 or 28 s, counting down
    assert page.is_disabled("#composer-send")
    first = send.inner_text()
    page.wait_for_function(
        "(first) => document.getElementById('composer-send').textContent !== first", arg=first
    )
    look(page, "room-slow-mode-390")
    assert_accessible(page, "a room in slow mode after sending")
