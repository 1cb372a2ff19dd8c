"""Read positions, unread counts, room activity and typing (docs/protocol.md)."""

import pytest
import sqlalchemy as sa

from exchange.accounts import privacy
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.models import Room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.rooms import unread
from exchange.rooms.models import Message
from exchange.rooms.models import ReadPosition

from ..conftest import PASSWORD
from .test_events import events_named


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena", administration="campi-bisenzio")


@pytest.fixture
def salvatore(make_user):
    return make_user(Role.DELEGATE, name="Salvatore", administration="ferla")


def post(connection, body, room="plenary"):
    ack = connection.emit(
        "send",
        {"room": room, "body": body, "client_id": f"{room}-{body}".replace(" ", "-")},
        callback=True,
    )
    assert ack["ok"], ack
    return ack["message"]


def test_a_first_visit_has_no_read_position_and_every_message_of_others_unread(
    connect, elena, salvatore
):
    writer = connect(salvatore)
    for body in ("one", "two", "three"):
        post(writer, body)
    post(connect(elena), "mine")

    ack = connect(elena).emit("join", {"room": "plenary"}, callback=True)
    assert ack["last_read_id"] is None
    assert ack["unread_count"] == 3  # her own message is not unread


def test_read_moves_forward_only_and_counts_what_follows(connect, elena, salvatore):
    writer = connect(salvatore)
    first, second, third = (post(writer, body) for body in ("one", "two", "three"))
    reader = connect(elena)

    ack = reader.emit("read", {"room": "plenary", "message_id": second["id"]}, callback=True)
    assert ack == {"ok": True, "room": "plenary", "message_id": second["id"], "unread_count": 1}
    back = reader.emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    assert back["message_id"] == second["id"] and back["unread_count"] == 1

    join = reader.emit("join", {"room": "plenary"}, callback=True)
    assert join["last_read_id"] == second["id"] and join["unread_count"] == 1
    assert third["id"] > join["last_read_id"]


def test_reading_is_echoed_to_the_persons_other_sockets_only(connect, elena, salvatore):
    first = post(connect(salvatore), "hello")
    tab, other_tab, someone_else = connect(elena), connect(elena), connect(salvatore)
    for connection in (tab, other_tab, someone_else):
        connection.get_received()

    tab.emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    assert events_named(other_tab, "read") == [
        {"room": "plenary", "message_id": first["id"], "unread_count": 0}
    ]
    assert events_named(tab, "read") == []
    assert events_named(someone_else, "read") == []

    # Reading the same again moves nothing, so nobody is told.
    tab.emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    assert events_named(other_tab, "read") == []


def test_a_read_position_lands_on_the_rooms_own_last_message(connect, elena, salvatore):
    writer = connect(salvatore)
    here = post(writer, "here")
    elsewhere = post(writer, "elsewhere", room="funding")
    reader = connect(elena)
    ack = reader.emit("read", {"room": "plenary", "message_id": elsewhere["id"]}, callback=True)
    assert ack["message_id"] == here["id"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"room": "plenary", "message_id": 1}, "not_found"),  # the room has no message yet
        ({"room": "no-such-room", "message_id": 1}, "not_found"),
        ({"room": "plenary", "message_id": "12"}, "invalid"),
        ({"room": "plenary", "message_id": 0}, "invalid"),
        ({"room": "plenary"}, "invalid"),
    ],
)
def test_a_bad_read_is_refused_and_moves_nothing(connect, elena, payload, code):
    ack = connect(elena).emit("read", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code


def test_the_rooms_api_gives_each_rooms_unread_count_without_own_or_hidden_messages(
    app, client, login, connect, elena, salvatore, make_user
):
    writer = connect(salvatore)
    kept = post(writer, "kept")
    hidden = post(writer, "hidden")
    post(writer, "in funding", room="funding")
    post(connect(elena), "her own")
    with app.app_context():
        moderation.hide_message(
            db.session.get(Message, hidden["id"]),
            db.session.get(User, make_user(Role.MODERATOR).id),
            "off topic",
        )

    login(client, elena)
    rooms = {room["slug"]: room for room in client.get("/api/rooms").json["rooms"]}
    assert rooms["plenary"]["unread"] == 1
    assert rooms["funding"]["unread"] == 1
    assert rooms["renewable-energy"]["unread"] == 0
    assert set(rooms["plenary"]) == {
        "slug",
        "name",
        "description",
        "online_count",
        "unread",
        "mentions",
    }

    connect(elena).emit("read", {"room": "plenary", "message_id": kept["id"]}, callback=True)
    rooms = {room["slug"]: room for room in client.get("/api/rooms").json["rooms"]}
    assert rooms["plenary"]["unread"] == 0 and rooms["funding"]["unread"] == 1


def test_unread_counting_stops_at_the_configured_limit(app, connect, elena, salvatore):
    app.config["UNREAD_COUNT_LIMIT"] = 3
    writer = connect(salvatore)
    for body in "abcde":
        post(writer, body)
    assert connect(elena).emit("join", {"room": "plenary"}, callback=True)["unread_count"] == 3


def test_a_message_tells_every_signed_in_socket_which_room_is_active(
    connect, elena, salvatore, make_user
):
    elsewhere = connect(elena)
    elsewhere.emit("join", {"room": "funding"}, callback=True)
    attendee = connect(make_user(Role.ATTENDEE))
    for connection in (elsewhere, attendee):
        connection.get_received()

    message = post(connect(salvatore), "news")
    expected = {"rooms": [{"room": "plenary", "last_message_id": message["id"], "count": 1}]}
    assert events_named(elsewhere, "room_activity") == [expected]
    assert events_named(attendee, "room_activity") == [expected]


def test_a_retried_send_is_not_counted_as_activity_again(connect, elena, salvatore):
    listener = connect(elena)
    writer = connect(salvatore)
    post(writer, "once")
    listener.get_received()
    post(writer, "once")  # the same client_id: a retry
    assert events_named(listener, "room_activity") == []


def test_typing_reaches_the_others_in_the_room_with_who_it_is(connect, elena, salvatore):
    typist, listener, outside = connect(elena), connect(salvatore), connect(salvatore)
    typist.emit("join", {"room": "plenary"}, callback=True)
    listener.emit("join", {"room": "plenary"}, callback=True)
    outside.emit("join", {"room": "funding"}, callback=True)
    for connection in (typist, listener, outside):
        connection.get_received()

    assert typist.emit("typing", {"room": "plenary"}, callback=True) == {"ok": True}
    assert events_named(listener, "typing") == [
        {"room": "plenary", "user": {"id": elena.id, "name": "Elena"}}
    ]
    assert events_named(typist, "typing") == []
    assert events_named(outside, "typing") == []


def test_typing_needs_a_joined_room(connect, elena):
    connection = connect(elena)
    ack = connection.emit("typing", {"room": "plenary"}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    ack = connection.emit("typing", {"room": "no-such-room"}, callback=True)
    assert ack["error"]["code"] == "not_found"


def test_attendees_and_muted_people_cannot_say_they_are_typing(app, connect, elena, make_user):
    attendee = connect(make_user(Role.ATTENDEE))
    attendee.emit("join", {"room": "plenary"}, callback=True)
    assert attendee.emit("typing", {"room": "plenary"}, callback=True)["error"]["code"] == (
        "forbidden"
    )
    with app.app_context():
        moderation.mute(
            db.session.get(User, elena.id),
            db.session.get(User, make_user(Role.MODERATOR).id),
            10,
            "cool down",
        )
    muted = connect(elena)
    muted.emit("join", {"room": "plenary"}, callback=True)
    assert muted.emit("typing", {"room": "plenary"}, callback=True)["error"]["code"] == "forbidden"


def test_typing_is_rate_limited_by_the_server(connect, elena):
    connection = connect(elena)
    connection.emit("join", {"room": "plenary"}, callback=True)
    answers = [connection.emit("typing", {"room": "plenary"}, callback=True) for _ in range(4)]
    assert [answer["ok"] for answer in answers] == [True, True, True, False]
    assert answers[-1]["error"]["code"] == "rate_limited"


@pytest.fixture
def gathering(app):
    """Read positions gathered in memory as served processes do; the tests flush by hand."""
    app.config["READ_FLUSH_INTERVAL"] = 60
    return app


def stored_positions(app):
    with app.app_context():
        return {
            (row.user_id, row.room_id): row.message_id
            for row in db.session.scalars(sa.select(ReadPosition))
        }


def flush(app):
    with app.app_context():
        return unread.flush_read_positions()


def test_gathered_read_positions_count_at_once_and_are_written_together(
    gathering, client, login, connect, elena, salvatore
):
    app = gathering
    writer = connect(salvatore)
    first, second = post(writer, "one"), post(writer, "two")
    post(writer, "elsewhere", room="funding")
    tab, other_tab = connect(elena), connect(elena)
    other_tab.get_received()

    ack = tab.emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    assert ack["message_id"] == first["id"] and ack["unread_count"] == 1
    tab.emit("read", {"room": "plenary", "message_id": second["id"]}, callback=True)
    tab.emit("read", {"room": "funding", "message_id": second["id"] + 1}, callback=True)
    assert stored_positions(app) == {}  # nothing written yet...
    # ...but the person's other tabs heard at once, and every read of this process counts it.
    assert [event["message_id"] for event in events_named(other_tab, "read")] == [
        first["id"],
        second["id"],
        second["id"] + 1,
    ]
    join = other_tab.emit("join", {"room": "plenary"}, callback=True)
    assert join["last_read_id"] == second["id"] and join["unread_count"] == 0
    login(client, elena)
    rooms = {room["slug"]: room["unread"] for room in client.get("/api/rooms").json["rooms"]}
    assert rooms["plenary"] == 0 and rooms["funding"] == 0

    assert flush(app) == 2  # the newest per room, in one transaction
    plenary, funding = (db_room_id(app, slug) for slug in ("plenary", "funding"))
    assert stored_positions(app) == {
        (elena.id, plenary): second["id"],
        (elena.id, funding): second["id"] + 1,
    }
    assert app.extensions["exchange.read_positions"].flushes == 1
    assert flush(app) == 0


def db_room_id(app, slug):
    with app.app_context():
        return db.session.scalar(sa.select(Room.id).where(Room.slug == slug))


def test_a_gathered_position_never_lowers_one_written_meanwhile(
    gathering, connect, elena, salvatore
):
    """Another process may have written a later position since this one accepted its own."""
    app = gathering
    writer = connect(salvatore)
    first, second = post(writer, "one"), post(writer, "two")
    connect(elena).emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    plenary = db_room_id(app, "plenary")
    with app.app_context():  # what the other process wrote
        db.session.add(ReadPosition(user_id=elena.id, room_id=plenary, message_id=second["id"]))
        db.session.commit()

    flush(app)
    assert stored_positions(app) == {(elena.id, plenary): second["id"]}
    join = connect(elena).emit("join", {"room": "plenary"}, callback=True)
    assert join["last_read_id"] == second["id"]


def test_a_backward_read_moves_nothing_and_tells_nobody_while_gathered(
    gathering, connect, elena, salvatore
):
    writer = connect(salvatore)
    first, second = post(writer, "one"), post(writer, "two")
    tab, other_tab = connect(elena), connect(elena)
    tab.emit("read", {"room": "plenary", "message_id": second["id"]}, callback=True)
    other_tab.get_received()
    back = tab.emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    assert back["message_id"] == second["id"]
    assert events_named(other_tab, "read") == []
    flush(gathering)
    back = tab.emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    assert back["message_id"] == second["id"] and events_named(other_tab, "read") == []


def test_a_read_report_counts_what_follows_the_furthest_position_written_or_gathered(
    gathering, connect, elena, salvatore
):
    writer = connect(salvatore)
    first, second, third, _ = (post(writer, body) for body in ("one", "two", "three", "four"))
    tab = connect(elena)

    def read(message):
        ack = tab.emit("read", {"room": "plenary", "message_id": message["id"]}, callback=True)
        return ack["message_id"], ack["unread_count"]

    assert read(second) == (second["id"], 2)  # gathered, not written yet
    assert read(first) == (second["id"], 2)  # counted after the gathered position
    flush(gathering)
    assert read(first) == (second["id"], 2)  # after the written one
    assert read(third) == (third["id"], 1)  # gathered again, beyond the written one
    assert read(first) == (third["id"], 1)


def test_a_read_reports_unread_count_stops_at_the_configured_limit(app, connect, elena, salvatore):
    app.config["UNREAD_COUNT_LIMIT"] = 2
    writer = connect(salvatore)
    first, *_ = (post(writer, body) for body in "abcde")
    ack = connect(elena).emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    assert (ack["message_id"], ack["unread_count"]) == (first["id"], 2)


def test_enough_gathered_positions_are_written_without_waiting(
    gathering, connect, elena, salvatore, make_user
):
    gathering.config["READ_FLUSH_SIZE"] = 2
    message = post(connect(salvatore), "hello")
    readers = [elena, make_user(Role.DELEGATE)]
    connect(readers[0]).emit(
        "read", {"room": "plenary", "message_id": message["id"]}, callback=True
    )
    assert stored_positions(gathering) == {}
    connect(readers[1]).emit(
        "read", {"room": "plenary", "message_id": message["id"]}, callback=True
    )
    assert sorted(user for user, _ in stored_positions(gathering)) == sorted(r.id for r in readers)


def test_a_gathered_position_of_an_account_deleted_meanwhile_is_dropped(
    gathering, connect, elena, salvatore
):
    message = post(connect(salvatore), "hello")
    for person in (elena, salvatore):
        connect(person).emit(
            "read", {"room": "plenary", "message_id": message["id"]}, callback=True
        )
    with gathering.app_context():
        privacy.delete_account(db.session.get(User, elena.id), PASSWORD)

    assert flush(gathering) == 1
    assert list(stored_positions(gathering)) == [(salvatore.id, db_room_id(gathering, "plenary"))]
