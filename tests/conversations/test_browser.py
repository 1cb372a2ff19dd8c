"""A delegate finds a peer in the directory and writes to them; the message arrives live,
with an unread count, on the peer's Messages page (Italian and German, desktop and phone).
A name's card in a room opens the one-to-one conversation with its person."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.models import Room
from exchange.event.models import RoomKind
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.people import services as people
from exchange.rooms import services as rooms
from exchange.rooms.models import Message

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


def test_a_reported_message_reaches_the_queue_with_its_context_and_the_reading_is_logged(
    app, live_server, new_page, elena, salvatore, moderator, conversation
):
    with app.app_context():
        people = [db.session.get(User, elena.id), db.session.get(User, salvatore.id)]
        room = get_room(conversation, people[0])
        for n in range(10):
            rooms.post_message(room, people[n % 2], f"riga {n} del discorso", f"riga-{n}")
        rooms.post_message(get_room("plenary"), people[0], "Buongiorno a tutti", "plenary-1")

    # From a name in a themed room: its card's "Message" opens their one-to-one conversation.
    member = new_page(**DESKTOP)
    sign_in(member, live_server, salvatore.email)
    member.goto(f"{live_server.url}/rooms/plenary")
    member.wait_for_selector("#connection-status[data-state=connected]")
    greeting = member.locator("#messages .message", has_text="Buongiorno a tutti")
    greeting.locator("button.message-author").click()
    card_message = member.locator("#person-card .person-card-message button")
    card_message.wait_for()
    assert member.locator("#person-card .person-card-declines").is_hidden()
    assert_accessible(member, "a person's card offering Message")
    look(member, "person-card-message-1280")
    card_message.click()
    member.wait_for_url(f"**/rooms/{conversation}")
    member.wait_for_selector("#connection-status[data-state=connected]")
    reported = member.locator("#messages .message", has_text="riga 4 del discorso")
    reported.get_by_role("button", name="Report").click()
    member.get_by_label("Why should moderators look at this message?").fill("Offensive")
    member.get_by_role("button", name="Send the report").click()
    member.wait_for_selector("text=Thank you. The moderators will look at it.")

    for viewport in (PHONE, DESKTOP):
        staff = new_page(**viewport)
        staff.context.set_extra_http_headers({"Accept-Language": "it"})
        sign_in(staff, live_server, moderator.email)
        staff.goto(f"{live_server.url}/moderation")
        item = staff.locator("#report-queue .queue-item", has_text="riga 4 del discorso")
        assert "Offensive" in item.inner_text()
        assert item.locator(f"a[href*='/rooms/{conversation}']").count() == 0
        item.locator("a[href*='/context']").click()
        staff.wait_for_url("**/moderation/reports/*/context")
        bodies = staff.locator(".report-context .message-body").all_inner_texts()
        assert bodies == [f"riga {n} del discorso" for n in range(1, 8)]
        assert staff.locator(f"a[href*='/rooms/{conversation}']").count() == 0
        assert fits(staff)
        assert_accessible(staff, "a reported message of a conversation in context")
        look(staff, f"report-context-{viewport['width']}-it")

    staff.locator("form[action$='/hide'] button[type=submit]").click()
    staff.wait_for_selector(".flash-success")
    staff.goto(f"{live_server.url}/moderation/log?action=read_context")
    rows = staff.locator("table tbody tr")
    assert rows.count() == 2  # opened once at each width
    assert "Mod" in rows.first.inner_text()
    with app.app_context():
        hidden = db.session.scalars(
            sa.select(Message).where(Message.body == "riga 4 del discorso")
        ).one()
        assert hidden.is_hidden
    staff.goto(f"{live_server.url}/moderation/log?action=hide")
    assert f"message {hidden.id}" in staff.locator("table tbody").inner_text()


def test_a_blocked_person_cannot_start_a_conversation_and_is_told_so(
    app, live_server, new_page, elena, salvatore
):
    with app.app_context():
        people.block(db.session.get(User, elena.id), salvatore.id)

    blocked = new_page(**PHONE)
    blocked.context.set_extra_http_headers({"Accept-Language": "it"})
    sign_in(blocked, live_server, salvatore.email)
    blocked.goto(f"{live_server.url}/people/{elena.id}")
    blocked.locator(".person-message button").click()
    blocked.wait_for_load_state()
    assert "/rooms/dm-" not in blocked.url
    assert "Non puoi avviare una conversazione con Elena" in blocked.locator("main").inner_text()
    assert_accessible(blocked, "a refused conversation")
    with app.app_context():
        direct = sa.select(sa.func.count()).select_from(Room).where(Room.kind == RoomKind.DIRECT)
        assert db.session.scalar(direct) == 0
