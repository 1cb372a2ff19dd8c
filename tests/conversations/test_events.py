"""A conversation speaks the rooms' protocol, to its members only (docs/protocol.md)."""

from __future__ import annotations

import pytest

from exchange.accounts.models import User
from exchange.conversations import services
from exchange.extensions import db

from .conftest import events_named


def test_members_join_send_and_backfill_as_in_a_room(connect, elena, salvatore, conversation):
    writer, reader = connect(elena), connect(salvatore)
    joined = writer.emit("join", {"room": conversation}, callback=True)
    assert joined["ok"] is True
    assert joined["room"]["name"] == "Elena, Salvatore"
    assert joined["messages"] == [] and joined["unread_count"] == 0
    reader.emit("join", {"room": conversation}, callback=True)
    reader.get_received()

    ack = writer.emit(
        "send", {"room": conversation, "body": "Ciao!", "client_id": "dm-1"}, callback=True
    )
    assert ack["ok"] is True and ack["message"]["room"] == conversation
    retried = writer.emit(
        "send", {"room": conversation, "body": "Ciao!", "client_id": "dm-1"}, callback=True
    )
    assert retried["message"]["id"] == ack["message"]["id"]
    assert [m["id"] for m in events_named(reader, "message")][0] == ack["message"]["id"]

    later = connect(salvatore).emit("join", {"room": conversation, "after": 0}, callback=True)
    assert [m["body"] for m in later["messages"]] == ["Ciao!"]
    assert later["unread_count"] == 1


def test_each_member_is_told_of_a_new_message_with_their_unread_counts(
    connect, elena, salvatore, outsider, conversation
):
    writer, member, other = connect(elena), connect(salvatore), connect(outsider)
    for connection in (writer, member, other):
        connection.get_received()
    writer.emit("send", {"room": conversation, "body": "Uno", "client_id": "a1"}, callback=True)
    writer.emit("send", {"room": conversation, "body": "Due", "client_id": "a2"}, callback=True)

    told = events_named(member, "conversation_activity")
    assert [(e["room"], e["message"]["body"]) for e in told] == [
        (conversation, "Uno"),
        (conversation, "Due"),
    ]
    assert [(e["unread_count"], e["unread_total"]) for e in told] == [(1, 1), (2, 2)]
    assert [e["unread_count"] for e in events_named(writer, "conversation_activity")] == [0, 0]
    assert events_named(other, "conversation_activity") == []
    # The rooms' public activity never names a conversation.
    for connection in (writer, member, other):
        assert events_named(connection, "room_activity") == []


def test_typing_and_reading_work_for_members(connect, elena, salvatore, conversation):
    writer, reader = connect(elena), connect(salvatore)
    writer.emit("join", {"room": conversation}, callback=True)
    reader.emit("join", {"room": conversation}, callback=True)
    reader.get_received()
    assert writer.emit("typing", {"room": conversation}, callback=True)["ok"] is True
    assert [e["user"]["name"] for e in events_named(reader, "typing")] == ["Elena"]
    sent = writer.emit(
        "send", {"room": conversation, "body": "Letto?", "client_id": "r1"}, callback=True
    )
    read = reader.emit(
        "read", {"room": conversation, "message_id": sent["message"]["id"]}, callback=True
    )
    assert read["ok"] is True and read["unread_count"] == 0


@pytest.mark.parametrize("who", ["outsider", "moderator", "organizer"])
@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("join", {}),
        ("send", {"body": "Intrusione", "client_id": "x-1"}),
        ("read", {"message_id": 1}),
        ("typing", {}),
        ("leave", {}),
    ],
)
def test_to_everyone_else_a_conversation_does_not_exist(
    request, connect, make_user, conversation, who, name, payload
):
    from exchange.accounts.models import Role

    person = (
        request.getfixturevalue("outsider")
        if who == "outsider"
        else make_user(Role(who), name=who.title())
    )
    connection = connect(person)
    ack = connection.emit(name, {"room": conversation, **payload}, callback=True)
    missing = connect(person).emit(name, {"room": "dm-nothing-here", **payload}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"
    assert ack == missing


@pytest.mark.parametrize("who", ["outsider", "moderator"])
@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("edit", {"body": "Cambiato"}),
        ("react", {"emoji": "👍"}),
        ("hide", {"reason": "curiosità"}),
    ],
)
def test_nobody_outside_acts_on_a_conversations_message(
    request, connect, make_user, elena, conversation, who, name, payload
):
    from exchange.accounts.models import Role

    sent = connect(elena).emit(
        "send", {"room": conversation, "body": "Privato", "client_id": "p-1"}, callback=True
    )
    person = (
        request.getfixturevalue("outsider")
        if who == "outsider"
        else make_user(Role.MODERATOR, name="Mod")
    )
    ack = connect(person).emit(
        name, {"message_id": sent["message"]["id"], **payload}, callback=True
    )
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"


def test_naming_someone_outside_a_conversation_tells_them_nothing(
    connect, elena, salvatore, outsider, conversation
):
    watcher = connect(outsider)
    watcher.get_received()
    ack = connect(elena).emit(
        "send",
        {
            "room": conversation,
            "body": "@Outsider @Salvatore guardate",
            "client_id": "m-1",
            "mentions": [outsider.id, salvatore.id],
        },
        callback=True,
    )
    assert ack["ok"] is True
    assert ack["message"]["mentions"] == [salvatore.id]
    assert events_named(watcher, "mention") == []


def test_an_attendee_sends_in_their_conversation_and_nowhere_else(
    app, connect, anna, salvatore, allow_attendees
):
    allow_attendees(salvatore)
    with app.app_context():
        room, _created = services.start_conversation(db.session.get(User, anna.id), [salvatore.id])
        slug = room.slug
    writer = connect(anna)
    assert writer.emit("join", {"room": slug}, callback=True)["ok"] is True
    sent = writer.emit("send", {"room": slug, "body": "Ciao", "client_id": "an-1"}, callback=True)
    assert sent["ok"] is True
    assert writer.emit("typing", {"room": slug}, callback=True)["ok"] is True
    writer.emit("join", {"room": "plenary"}, callback=True)
    for event, payload in [
        ("send", {"room": "plenary", "body": "Ciao", "client_id": "an-2"}),
        ("typing", {"room": "plenary"}),
    ]:
        refused = writer.emit(event, payload, callback=True)
        assert refused["error"]["code"] == "forbidden", event
