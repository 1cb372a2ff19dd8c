"""Each person chooses, room by room, what their browser tells them of (docs/notifications.md)."""

import uuid

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.notifications import services
from exchange.notifications.models import RoomLevel
from exchange.notifications.models import RoomNotificationChoice

from ..rooms.test_events import events_named
from ..support.live import csrf_token


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena Conti")


def test_every_room_tells_of_mentions_and_replies_until_the_person_chooses(app_ctx, elena):
    user = db.session.get(User, elena.id)
    rooms = [get_room("plenary"), get_room("funding")]
    assert services.room_levels(user, rooms) == {
        "plenary": RoomLevel.MENTIONS,
        "funding": RoomLevel.MENTIONS,
    }
    services.set_room_levels(user, {rooms[0]: RoomLevel.ALL, rooms[1]: RoomLevel.MENTIONS})
    assert services.room_levels(user, rooms)["plenary"] is RoomLevel.ALL
    # The default is no row at all, so changing it later changes it for everyone who kept it.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoomNotificationChoice)) == 1


def test_the_settings_page_keeps_each_rooms_choice(client, login, elena):
    login(client, elena)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'id="room-plenary"' in page and "Mentions of me and replies to me" in page
    answer = client.post(
        "/account/notifications",
        data={"csrf_token": csrf_token(page), "room-plenary": "all", "room-funding": "nothing"},
        follow_redirects=True,
    )
    page = answer.get_data(as_text=True)
    assert "Your notification choices are saved." in page
    assert '<option value="all" selected>' in page
    assert '<option value="nothing" selected>' in page


def test_a_choice_that_is_not_offered_is_refused_and_nothing_changes(app, client, login, elena):
    login(client, elena)
    token = csrf_token(client.get("/account/notifications").get_data(as_text=True))
    answer = client.post(
        "/account/notifications",
        data={"csrf_token": token, "room-plenary": "all", "room-funding": "loud"},
        follow_redirects=True,
    )
    assert "Choose one of the options offered." in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(RoomNotificationChoice.user_id)) is None


def test_the_room_page_hands_the_choices_to_its_script(client, login, elena):
    login(client, elena)
    token = csrf_token(client.get("/account/notifications").get_data(as_text=True))
    client.post("/account/notifications", data={"csrf_token": token, "room-funding": "nothing"})
    page = client.get("/rooms/plenary").get_data(as_text=True)
    assert '"funding": "nothing"' in page or '"funding":"nothing"' in page
    assert 'id="notify-ask"' in page and "hidden" in page.split('id="notify-ask"')[1][:40]


def test_the_author_of_the_message_answered_hears_of_the_reply_in_any_room(
    connect, make_user, elena
):
    author = connect(elena)
    question = author.emit(
        "send",
        {"room": "plenary", "body": "Who has tendered solar roofs?", "client_id": "q1"},
        callback=True,
    )["message"]
    author.emit("join", {"room": "funding"}, callback=True)
    author.get_received()
    salvatore = connect(make_user(Role.DELEGATE, name="Salvatore"))
    answer = salvatore.emit(
        "send",
        {
            "room": "plenary",
            "body": "We did, in 2023.",
            "client_id": uuid.uuid4().hex,
            "reply_to": question["id"],
        },
        callback=True,
    )
    assert answer["ok"], answer
    assert events_named(author, "reply") == [{"room": "plenary", "message": answer["message"]}]


def test_answering_oneself_tells_nobody(connect, elena):
    author = connect(elena)
    first = author.emit(
        "send", {"room": "plenary", "body": "One", "client_id": "s1"}, callback=True
    )["message"]
    author.get_received()
    author.emit(
        "send",
        {"room": "plenary", "body": "And two", "client_id": "s2", "reply_to": first["id"]},
        callback=True,
    )
    assert events_named(author, "reply") == []
