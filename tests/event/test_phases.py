"""Before, live, after: the event's phase follows its dates, and after it the rooms are archives.

The demo event runs on 2 and 3 December 2026 in Rome. Time is moved with the
application's clock, never waited for.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from exchange.accounts import services as accounts
from exchange.accounts.models import Invitation
from exchange.accounts.models import Role
from exchange.errors import Archived
from exchange.errors import Invalid
from exchange.event.phases import CLOCK
from exchange.event.phases import current_phase
from exchange.event.phases import Phase
from exchange.event.services import get_administration
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.rooms import services as rooms

from ..support.live import csrf_token

ROME = ZoneInfo("Europe/Rome")


def rome(*parts):
    return dt.datetime(*parts, tzinfo=ROME)


@pytest.fixture
def clock(app):
    """Set the time the exchange sees: ``clock(moment)``; the grace period is 7 days."""
    app.config["ARCHIVE_GRACE_DAYS"] = 7

    def set_time(moment):
        app.extensions[CLOCK] = lambda: moment

    return set_time


@pytest.mark.parametrize(
    ("moment", "grace", "phase"),
    [
        (rome(2026, 12, 1, 23, 59, 59), 7, Phase.BEFORE),
        (rome(2026, 12, 2, 0, 0), 7, Phase.LIVE),
        (rome(2026, 12, 3, 23, 59), 7, Phase.LIVE),
        (rome(2026, 12, 10, 23, 59, 59), 7, Phase.LIVE),
        (rome(2026, 12, 11, 0, 0), 7, Phase.AFTER),
        (rome(2026, 12, 4, 0, 0), 0, Phase.AFTER),
        (rome(2026, 12, 3, 23, 59, 59), 0, Phase.LIVE),
        (dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC), 0, Phase.AFTER),  # 00:30 in Rome
        (rome(2030, 1, 1), 7, Phase.AFTER),
    ],
)
def test_the_phase_changes_at_the_configured_moments(app_ctx, event, clock, moment, grace, phase):
    app_ctx.config["ARCHIVE_GRACE_DAYS"] = grace
    clock(moment)
    assert current_phase() is phase


def test_without_an_event_the_exchange_is_live(app_ctx, clock):
    clock(rome(2040, 1, 1))
    assert current_phase() is Phase.LIVE


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena Conti")


def test_a_room_after_the_archive_date_refuses_send_with_a_clear_error(connect, clock, elena):
    clock(rome(2026, 12, 10, 23, 59))
    connection = connect(elena)
    connection.emit("join", {"room": "plenary"}, callback=True)
    live = connection.emit(
        "send", {"room": "plenary", "body": "Last words", "client_id": "m-1"}, callback=True
    )
    assert live["ok"] is True

    clock(rome(2026, 12, 11, 0, 0))
    ack = connection.emit(
        "send", {"room": "plenary", "body": "Too late", "client_id": "m-2"}, callback=True
    )
    assert ack["ok"] is False
    assert ack["error"]["code"] == "archived"
    assert "this room is an archive" in ack["error"]["message"]
    # A retry of a message stored before the archive is still answered with it.
    again = connection.emit(
        "send", {"room": "plenary", "body": "Last words", "client_id": "m-1"}, callback=True
    )
    assert again["ok"] is True and again["message"]["id"] == live["message"]["id"]
    history = connection.emit("join", {"room": "plenary"}, callback=True)
    assert [m["body"] for m in history["messages"]] == ["Last words"]


def test_after_the_archive_date_a_message_can_be_neither_edited_nor_reacted_to(
    connect, clock, elena
):
    """The event is read with the message and its room; it still closes them."""
    clock(rome(2026, 12, 10, 23, 55))
    connection = connect(elena)
    connection.emit("join", {"room": "plenary"}, callback=True)
    sent = connection.emit(
        "send", {"room": "plenary", "body": "Last words", "client_id": "m-1"}, callback=True
    )
    message_id = sent["message"]["id"]

    clock(rome(2026, 12, 11, 0, 0))
    edit = connection.emit("edit", {"message_id": message_id, "body": "Later"}, callback=True)
    react = connection.emit("react", {"message_id": message_id, "emoji": "👍"}, callback=True)
    assert edit["ok"] is False and edit["error"]["code"] == "archived"
    assert react["ok"] is False and react["error"]["code"] == "archived"
    [stored] = connection.emit("join", {"room": "plenary"}, callback=True)["messages"]
    assert stored["body"] == "Last words" and stored["reactions"] == []


def test_an_archived_room_shows_the_notice_and_no_composer(client, login, clock, elena):
    login(client, elena)
    clock(rome(2026, 12, 3, 12, 0))
    live = client.get("/rooms/plenary").get_data(as_text=True)
    assert 'id="composer"' in live and "archive-notice" not in live

    clock(rome(2027, 3, 1))
    html = client.get("/rooms/plenary").get_data(as_text=True)
    assert 'id="composer"' not in html and 'data-can-send="false"' in html
    assert "The event is over and this room is an archive" in html
    refused = client.post(
        "/rooms/plenary/messages",
        data={"csrf_token": csrf_token(html), "body": "Hello", "client_id": "form-1"},
        follow_redirects=True,
    )
    assert "Your message was not sent: The event is over" in refused.get_data(as_text=True)


def test_services_refuse_new_messages_after_the_event(app_ctx, clock, elena):
    clock(rome(2027, 1, 1))
    with pytest.raises(Archived):
        rooms.post_message(get_room("plenary"), db.session.merge(elena), "Hi", "svc-1")


def test_delegate_sign_up_closes_with_the_event_unless_an_organizer_reopens_it(
    app_ctx, event, clock
):
    old = accounts.create_invitation(get_administration("ferla"))
    db.session.get(Invitation, old.id).created_at = rome(2026, 11, 20)
    db.session.commit()
    clock(rome(2026, 12, 20))
    with pytest.raises(Invalid) as refused:
        accounts.register(
            email="late@example.org",
            name="Late",
            password="a long password 1",
            invitation_code=old.code,
        )
    assert "Sign-up for delegates closed when the event ended" in str(refused.value.message)
    attendee = accounts.register(
        email="late@example.org", name="Late", password="a long password 1"
    )
    assert attendee.role is Role.ATTENDEE

    # An organizer reopens it with an invitation made after the event.
    new = accounts.create_invitation(get_administration("ferla"))
    db.session.get(Invitation, new.id).created_at = rome(2026, 12, 15)
    db.session.commit()
    delegate = accounts.register(
        email="new@example.org", name="New", password="a long password 2", invitation_code=new.code
    )
    assert delegate.role is Role.DELEGATE and delegate.administration.slug == "ferla"


def test_after_the_event_the_home_page_leads_to_the_library_and_the_e_book(client, event, clock):
    clock(rome(2026, 12, 3, 12, 0))
    assert "what it leaves behind" not in client.get("/").get_data(as_text=True)
    clock(rome(2026, 12, 11, 0, 0))
    html = client.get("/").get_data(as_text=True)
    assert "The event is over: here is what it leaves behind" in html
    for address in ("/practices", "/practices/ebook.epub", "/practices/ebook.pdf"):
        assert f'href="{address}"' in html
