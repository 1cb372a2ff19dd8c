"""The browser client keeps what people write until the server has it (static/js/room/outbox.js).

A message typed while offline, during a server crash, or left unsent when the
page was closed, is delivered exactly once when the connection is back.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.extensions import db
from exchange.rooms.models import Message

from ..conftest import sign_in
from ..support.browser import wait_until

pytestmark = [pytest.mark.live, pytest.mark.browser]


def stored_bodies(app, room_slug="plenary"):
    from exchange.event.models import Room

    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Message.body)
                .join(Room)
                .where(Room.slug == room_slug)
                .order_by(Message.id)
            )
        )


def open_room(page, live_server, email, room="plenary"):
    sign_in(page, live_server, email)
    page.goto(f"{live_server.url}/rooms/{room}")
    page.wait_for_selector("#connection-status[data-state=connected]")


def type_and_send(page, text):
    page.fill("#composer-body", text)
    page.keyboard.press("Enter")


@pytest.fixture
def delegate(make_user):
    return make_user(Role.DELEGATE, email="elena@example.org")


def test_a_message_written_offline_is_delivered_once_when_back_online(
    app, live_server, delegate, new_page
):
    page = new_page()
    open_room(page, live_server, delegate.email)
    page.context.set_offline(True)
    page.wait_for_selector("#connection-status[data-state=reconnecting]")
    assert "Reconnecting" in page.inner_text("#connection-status")
    type_and_send(page, "written on the train")
    assert "Waiting for the connection" in page.inner_text("#outbox")
    assert page.input_value("#composer-body") == ""

    page.context.set_offline(False)
    page.wait_for_selector("#connection-status[data-state=connected]", timeout=30_000)
    wait_until(page, "document.querySelectorAll('#outbox .pending').length === 0", timeout=30)
    assert page.locator("#messages .message-body").all_inner_texts() == ["written on the train"]
    assert stored_bodies(app) == ["written on the train"]
    page.watch.console.clear()  # the browser reports the failed requests of offline mode
    assert page.watch.dialogs == [] and page.watch.errors == []


def test_a_message_sent_across_a_server_crash_is_delivered_once(
    app, live_server, delegate, new_page
):
    page = new_page()
    open_room(page, live_server, delegate.email)
    type_and_send(page, "before the crash")
    wait_until(page, "document.querySelectorAll('#messages .message').length === 1")

    live_server.stop(kill=True)
    page.wait_for_selector("#connection-status[data-state=reconnecting]", timeout=30_000)
    type_and_send(page, "during the crash")
    time.sleep(1)
    live_server.start()

    page.wait_for_selector("#connection-status[data-state=connected]", timeout=30_000)
    wait_until(page, "document.querySelectorAll('#outbox .pending').length === 0", timeout=30)
    assert page.locator("#messages .message-body").all_inner_texts() == [
        "before the crash",
        "during the crash",
    ]
    assert stored_bodies(app) == ["before the crash", "during the crash"]


def test_unsent_messages_survive_closing_the_page(app, live_server, delegate, new_page):
    page = new_page()
    open_room(page, live_server, delegate.email)
    page.context.set_offline(True)
    page.wait_for_selector("#connection-status[data-state=reconnecting]")
    type_and_send(page, "kept in the browser")
    page.fill("#composer-body", "a draft not sent yet")
    page.wait_for_timeout(300)  # the draft is saved as it is typed
    page.context.set_offline(False)
    page.reload()  # the page is gone before the message could leave

    page.wait_for_selector("#connection-status[data-state=connected]")
    wait_until(page, "document.querySelectorAll('#outbox .pending').length === 0", timeout=30)
    assert stored_bodies(app) == ["kept in the browser"]
    assert page.input_value("#composer-body") == "a draft not sent yet"


def test_a_message_seen_by_another_delegate_live_and_after_reconnecting(
    app, live_server, delegate, make_user, new_page
):
    other = make_user(Role.DELEGATE, email="salvatore@example.org", administration="ferla")
    elena, salvatore = new_page(), new_page()
    open_room(elena, live_server, delegate.email)
    open_room(salvatore, live_server, other.email)
    type_and_send(elena, "Buongiorno!")
    wait_until(salvatore, "document.querySelectorAll('#messages .message').length === 1")

    salvatore.context.set_offline(True)
    salvatore.wait_for_selector("#connection-status[data-state=reconnecting]")
    for text in ("missed one", "missed two"):
        type_and_send(elena, text)
    wait_until(elena, "document.querySelectorAll('#messages .message').length === 3")
    salvatore.context.set_offline(False)
    wait_until(
        salvatore, "document.querySelectorAll('#messages .message').length === 3", timeout=30
    )
    assert salvatore.locator("#messages .message-body").all_inner_texts() == [
        "Buongiorno!",
        "missed one",
        "missed two",
    ]
    # Unchosen, the language is read from the words; the writer is told which one.
    type_and_send(elena, "Wir haben letztes Jahr Wärmepumpen im Rathaus eingebaut.")
    wait_until(salvatore, "document.querySelectorAll('#messages .message').length === 4")
    assert salvatore.locator("#messages .message-body").last.get_attribute("lang") == "de"
    wait_until(elena, "document.getElementById('composer-status').textContent.includes('Deutsch')")
    assert elena.locator("#composer-status").inner_text() == (
        "Message sent, written in Deutsch (detected)."
    )
