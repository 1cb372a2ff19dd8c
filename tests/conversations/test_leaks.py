"""Nothing that lists or reads rooms or messages shows a conversation to anyone outside it.

One test per place that could: a leak matrix. Each conversation here holds the word
"Segretissimo", which no themed room holds.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.models import Room
from exchange.event.services import get_room
from exchange.event.services import list_rooms
from exchange.event.services import load_event_file
from exchange.extensions import db
from exchange.rooms import services as rooms

from ..conftest import DEMO_EVENT

SECRET = "Segretissimo"


@pytest.fixture
def secret(app, elena, salvatore, conversation):
    """A message of Elena's conversation with Salvatore, and one in a themed room."""
    with app.app_context():
        room = db.session.scalars(sa.select(Room).where(Room.slug == conversation)).one()
        message = rooms.post_message(
            room, db.session.get(User, elena.id), f"{SECRET} piano di bilancio", "s-1"
        )
        rooms.post_message(
            get_room("plenary"), db.session.get(User, salvatore.id), "Buongiorno", "p-1"
        )
        return message.id


@pytest.fixture
def signed_in(app, login):
    def client_of(user):
        client = app.test_client()
        login(client, user)
        return client

    return client_of


@pytest.fixture(params=["outsider", "moderator", "organizer"])
def stranger(request, make_user):
    """Someone not in the conversation: a delegate, a moderator, an organizer."""
    if request.param == "outsider":
        return request.getfixturevalue("outsider")
    return make_user(Role(request.param), name=request.param.title())


def test_the_event_lists_no_conversation_among_its_rooms(app_ctx, secret, conversation):
    assert conversation not in [room.slug for room in list_rooms()]
    event = db.session.scalars(sa.select(Room).where(Room.slug == "plenary")).one().event
    assert conversation not in [room.slug for room in event.rooms]


def test_loading_the_event_file_again_leaves_conversations_alone(app_ctx, secret, conversation):
    report = load_event_file(DEMO_EVENT)
    room = db.session.scalars(sa.select(Room).where(Room.slug == conversation)).one()
    assert not room.is_archived
    assert not [line for line in report.archived if conversation in line]


@pytest.mark.parametrize(
    "path",
    ["/", "/api/rooms", "/people", "/mentions", "/api/mentions", "/practices", "/sitemap.xml"],
)
def test_public_pages_and_lists_never_name_a_conversation(
    signed_in, secret, conversation, stranger, path
):
    response = signed_in(stranger).get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    assert conversation not in page and SECRET not in page


@pytest.mark.parametrize(
    "path",
    [
        "/rooms/{slug}",
        "/api/rooms/{slug}/messages",
        "/api/rooms/{slug}/online",
        "/rooms/{slug}/questions",
        "/api/rooms/{slug}/questions",
        "/rooms/{slug}/polls",
    ],
)
def test_a_conversations_pages_do_not_exist_for_others(
    signed_in, secret, conversation, stranger, path
):
    client = signed_in(stranger)
    answer = client.get(path.format(slug=conversation))
    missing = client.get(path.format(slug="dm-nothing-here"))
    assert answer.status_code == missing.status_code == 404
    assert SECRET not in answer.get_data(as_text=True)


def test_members_open_the_conversation_page(signed_in, secret, salvatore, conversation):
    page = signed_in(salvatore).get(f"/rooms/{conversation}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert SECRET in text and "Elena, Salvatore" in text
    assert "Questions to this room" not in text


def test_search_finds_a_conversations_messages_for_its_members_only(
    signed_in, secret, elena, conversation, stranger
):
    found = signed_in(elena).get(f"/api/messages?q={SECRET}").get_json()
    assert [m["room"] for m in found["messages"]] == [conversation]
    for query in (f"/api/messages?q={SECRET}", f"/api/messages?q={SECRET}&author={elena.id}"):
        assert signed_in(stranger).get(query).get_json()["messages"] == []
    narrowed = signed_in(stranger).get(f"/api/messages?q={SECRET}&room={conversation}")
    assert narrowed.status_code == 404
    page = signed_in(stranger).get(f"/rooms/search?q={SECRET}").get_data(as_text=True)
    assert conversation not in page


def test_the_dashboard_counts_no_conversation_among_the_rooms_messages(app_ctx, secret):
    from exchange.dashboard.services import overview

    figures = overview()
    assert figures.messages_total == 1
    assert sum(sum(hours.values()) for hours in figures.messages_by_room_hour.values()) == 1


def test_a_practice_shared_in_a_conversation_does_not_show_it_on_the_practice(
    app_ctx, app, write, elena, salvatore, conversation
):
    from exchange.practices.models import Practice
    from exchange.practices.services import discussion

    written = write(db.session.get(User, elena.id), published=True, title="Tetti solari")
    practice = db.session.get(Practice, written.id)
    room = db.session.scalars(sa.select(Room).where(Room.slug == conversation)).one()
    rooms.post_message(
        room,
        db.session.get(User, salvatore.id),
        f"{SECRET}: guarda questa",
        "share-1",
        practice=practice,
    )
    shown = discussion(practice, db.session.get(User, elena.id))
    assert SECRET not in [message.body for message in shown]
    assert shown == []


def test_a_conversations_message_never_becomes_a_practice(app_ctx, secret, elena):
    from exchange.errors import Forbidden
    from exchange.permissions import Action
    from exchange.permissions import can
    from exchange.practices.services import develop_message

    author = db.session.get(User, elena.id)
    message = rooms.get_message(secret)
    assert not can(author, Action.DEVELOP_PRACTICE, message)
    with pytest.raises(Forbidden):
        develop_message(message, author)


def test_moderators_cannot_slow_a_conversation_down(connect, secret, conversation, moderator):
    ack = connect(moderator).emit(
        "set_slow_mode", {"room": conversation, "seconds": 30}, callback=True
    )
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"


def test_files_of_a_conversations_messages_are_for_its_members(
    app_ctx, secret, elena, salvatore, outsider, moderator
):
    from exchange.rooms.attachments import MESSAGE_FILES

    message = rooms.get_message(secret)
    readers = {
        person.name: MESSAGE_FILES.may_read(db.session.get(User, person.id), message)
        for person in (elena, salvatore, outsider, moderator)
    }
    assert readers == {"Elena": True, "Salvatore": True, "Outsider": False, "Mod": False}
