"""What the busy room's events cost the database: few round trips, none for what is known.

In a busy room every message, edit, reaction and read report is handled on the
loop that also writes to every socket, so each statement they run delays every
delivery behind it (bench/ scenario (a), docs/performance.md). These tests hold
each event to the statements it needs, counted as the server runs them: the
account's sign-in session (read afresh on every event), then the event's own.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.rooms import services as rooms
from exchange.rooms import writer as writer_module
from exchange.rooms.schemas import message_json
from exchange.rooms.writer import message_writer

from .test_events import events_named


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena Conti", email="elena@example.org")


@pytest.fixture
def salvatore(make_user):
    return make_user(Role.DELEGATE, name="Salvatore", administration="ferla")


@pytest.fixture
def unlimited(app):
    """Flood control out of the way: these tests count statements, not turns."""
    for name in list(app.config["RATE_LIMITS"]):
        app.config["RATE_LIMITS"][name] = "1000000/1s"


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """Every SQL statement the server runs meanwhile, in order."""
    seen: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def db_backend(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def reading(seen: list[str], table: str) -> list[str]:
    return [s for s in seen if s.startswith("SELECT") and f"FROM {table} " in s + " "]


def loaded_by_ids(seen: list[str]) -> list[str]:
    """Statements loading messages, people or practices by a list of ids."""
    by_ids = re.compile(r"\b(messages|users|practices)\.id IN \((\?|%\()")
    return [s for s in seen if by_ids.search(s)]


@pytest.fixture
def room_of_two(app, connect, elena, salvatore, unlimited):
    """Elena and Salvatore in the plenary, Elena's last message sent."""
    mine, theirs = connect(elena), connect(salvatore)
    for connection in (mine, theirs):
        assert connection.emit("join", {"room": "plenary"}, callback=True)["ok"]
    return mine, theirs


def send(connection, body="A proposal", **extra):
    payload = {"room": "plenary", "body": body, "client_id": uuid.uuid4().hex, **extra}
    answer = connection.emit("send", payload, callback=True)
    assert answer["ok"], answer
    return answer["message"]


def test_a_new_message_is_delivered_without_reading_back_its_mentions_or_reactions(
    app, room_of_two, salvatore
):
    mine, theirs = room_of_two
    theirs.get_received()
    with statements(app) as seen:
        message = send(mine, "@Salvatore a proposal", mentions=[salvatore.id])

    assert reading(seen, "mentions") == [] and reading(seen, "reactions") == []
    # The session, the room with its event, the retry check, who is named and the room's
    # turn (not on SQLite), then the message and its mention stored.
    assert len(seen) <= 7, seen
    [delivered] = events_named(theirs, "message")
    assert delivered == message
    assert message["mentions"] == [salvatore.id] and message["reactions"] == []
    assert message["attachments"] == [] and "mention" in message["body_html"]


def test_a_plain_message_costs_five_statements_and_four_on_sqlite(app, room_of_two):
    mine, _ = room_of_two
    with statements(app) as seen:
        send(mine)
    takes_the_rooms_turn = [s for s in seen if s.startswith("SELECT rooms.id FROM rooms")]
    # The sender looks for a message under its client id once; its turn trusts that.
    assert len([s for s in seen if "messages.client_id = " in s]) == 1, seen
    # Whether the event is over is read with the room, not asked again.
    assert reading(seen, "events") == [], seen
    if db_backend(app) == "sqlite":  # one writer at a time already: no row to lock
        assert takes_the_rooms_turn == [] and len(seen) <= 4, seen
    else:
        assert len(takes_the_rooms_turn) == 1 and "FOR UPDATE" in takes_the_rooms_turn[0]
        assert len(seen) <= 5, seen


def test_a_connection_counts_both_its_caps_in_one_statement(app, connect, elena):
    with statements(app) as seen:
        connect(elena)
    counts = [s for s in seen if s.startswith("SELECT count(*)") and "FROM connections" in s]
    assert len(counts) == 1 and "FILTER" in counts[0], seen  # the account's, the session's
    locks = [s for s in seen if "FOR UPDATE" in s]
    if db_backend(app) == "sqlite":  # one writer at a time already: no row to lock
        assert locks == [], seen
    else:  # connections of one account take turns, so that a burst cannot pass the cap
        assert len(locks) == 1 and "FROM users" in locks[0], seen


def test_a_reaction_reads_the_message_once_and_its_reactions_before_and_after(
    app, room_of_two, salvatore
):
    mine, theirs = room_of_two
    message = send(mine)
    with statements(app) as seen:
        answer = theirs.emit("react", {"message_id": message["id"], "emoji": "👍"}, callback=True)
    assert answer["ok"] and answer["reacted"]
    assert answer["reactions"] == [{"emoji": "👍", "count": 1, "user_ids": [salvatore.id]}]
    assert len(reading(seen, "messages")) == 1 and len(reading(seen, "reactions")) == 2
    assert reading(seen, "events") == [], seen  # read with the message and its room
    assert len(seen) <= 5, seen


def test_taking_a_reaction_back_is_as_cheap_and_the_room_hears_none_left(app, room_of_two):
    mine, theirs = room_of_two
    message = send(mine)
    react = {"message_id": message["id"], "emoji": "🎉"}
    assert theirs.emit("react", react, callback=True)["reacted"]
    mine.get_received()
    with statements(app) as seen:
        answer = theirs.emit("react", react, callback=True)
    assert answer["ok"] and not answer["reacted"] and answer["reactions"] == []
    assert len(seen) <= 5, seen
    [heard] = events_named(mine, "reactions")
    assert heard == {"message_id": message["id"], "room": "plenary", "reactions": []}


def test_an_edit_loads_only_what_showing_the_message_needs(app, room_of_two, salvatore):
    mine, theirs = room_of_two
    message = send(mine, "@Salvatore see the tender", mentions=[salvatore.id])
    assert theirs.emit("react", {"message_id": message["id"], "emoji": "👍"}, callback=True)["ok"]
    theirs.get_received()
    with statements(app) as seen:
        answer = mine.emit(
            "edit",
            {"message_id": message["id"], "body": "@Salvatore see the tender of 2024"},
            callback=True,
        )
    assert answer["ok"], answer
    edited = answer["message"]
    assert edited["body"] == "@Salvatore see the tender of 2024" and edited["edited_at"]
    assert edited["mentions"] == [salvatore.id] and "mention" in edited["body_html"]
    assert edited["reactions"] == [{"emoji": "👍", "count": 1, "user_ids": [salvatore.id]}]
    [heard] = events_named(theirs, "message_edited")
    assert heard == {"message": edited}
    assert len(reading(seen, "messages")) == 1
    # Its mention rows are read once, before the edit: whom it names comes from them, and
    # after the edit from the rows written.
    assert len(reading(seen, "mentions")) == 1, seen
    assert len(seen) <= 8, seen


def test_an_edit_without_mentions_asks_for_no_names(app, room_of_two):
    mine, _ = room_of_two
    message = send(mine)
    with statements(app) as seen:
        answer = mine.emit("edit", {"message_id": message["id"], "body": "Fixed"}, callback=True)
    assert answer["ok"] and answer["message"]["body"] == "Fixed"
    assert not [s for s in seen if "FROM users" in s and "users.name" in s.split("FROM")[0]]
    assert len(reading(seen, "messages")) == 1
    assert reading(seen, "events") == [], seen  # read with the message and its room
    assert len(reading(seen, "mentions")) == 1, seen  # whom it names, from all its rows
    assert len(seen) <= 7, seen


def test_a_read_report_costs_three_statements(app, room_of_two):
    # As served: positions are gathered and written together (rooms/unread.py).
    app.config["READ_FLUSH_INTERVAL"] = 1.0
    mine, theirs = room_of_two
    message = send(mine)
    with statements(app) as seen:
        answer = theirs.emit(
            "read", {"room": "plenary", "message_id": message["id"]}, callback=True
        )
    assert answer == {
        "ok": True,
        "room": "plenary",
        "message_id": message["id"],
        "unread_count": 0,
    }
    # The session, the room, then where the position goes, where it is and how many
    # follow it, in one.
    assert len(seen) <= 3, seen


def test_a_message_stored_in_another_senders_turn_is_shown_with_its_mentions(
    app, make_user, monkeypatch
):
    """Senders who arrive during a turn are stored by it, and take their message from it
    as committed: none of them reads it back."""
    people = [make_user(Role.DELEGATE, name=f"Sender {n}") for n in range(4)]
    named = make_user(Role.DELEGATE, name="Named Person")
    real_sleep: Callable[[float], None] = writer_module.socketio.sleep

    def slow_turn(seconds: float = 0) -> None:
        time.sleep(0.3)  # the others queue meanwhile, and this turn stores them too
        real_sleep(0)

    monkeypatch.setattr(writer_module.socketio, "sleep", slow_turn)
    start = threading.Barrier(len(people), timeout=30)
    shown: dict[int, dict] = {}
    errors: list[BaseException] = []

    def post(person: User) -> None:
        start.wait()
        with app.app_context():
            try:
                message = rooms.post_message(
                    get_room("plenary"),
                    db.session.merge(person),
                    f"@Named Person from {person.id}",
                    uuid.uuid4().hex,
                    mentions=[named.id],
                )
                shown[person.id] = message_json(message)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=post, args=(person,)) for person in people]
    with statements(app) as seen:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    assert errors == []
    assert [s for s in seen if s.startswith("SELECT") and "WHERE messages.id = " in s] == []
    with app.app_context():
        writer = message_writer(get_room("plenary").id)
        assert writer.stored == 4 and writer.commits < 4  # some were stored by another's turn
    for person in people:
        message = shown[person.id]
        assert message["body"] == f"@Named Person from {person.id}"
        assert message["author"]["id"] == person.id
        assert message["mentions"] == [named.id]
        assert message["reactions"] == [] and message["attachments"] == []


def test_a_join_loads_its_page_without_the_room_again_or_what_no_message_has(
    app, room_of_two, salvatore
):
    mine, theirs = room_of_two
    first = send(mine, "The tender of 2024")
    send(mine, f"@Salvatore {first['id']}", mentions=[salvatore.id])
    answered = theirs.emit("react", {"message_id": first["id"], "emoji": "👍"}, callback=True)
    assert answered["ok"]
    with statements(app) as seen:
        joined = theirs.emit("join", {"room": "plenary"}, callback=True)
    assert joined["ok"], joined
    shown = {message["id"]: message for message in joined["messages"]}
    assert shown[first["id"]]["reactions"] == answered["reactions"]
    assert all(message["room"] == "plenary" for message in joined["messages"])
    assert [m["mentions"] for m in joined["messages"] if m["mentions"]] == [[salvatore.id]]
    page = [s for s in seen if s.startswith("SELECT messages.id")]
    assert len(page) == 1 and " rooms" not in page[0], page  # the room is the one joined
    # No message has a practice, a reply or a moderator who hid it: nothing asked for them
    # (each would be a statement of its own, by the ids the page's messages hold).
    assert reading(seen, "practices") == [] and not loaded_by_ids(seen), seen


def test_a_page_with_a_reply_loads_the_answered_message_in_one_more_query(app, room_of_two):
    mine, theirs = room_of_two
    first = send(mine, "The tender of 2024")
    reply = send(mine, "Its annexes too", reply_to=first["id"])
    with statements(app) as seen:
        joined = theirs.emit("join", {"room": "plenary"}, callback=True)
    [shown] = [message for message in joined["messages"] if message["id"] == reply["id"]]
    assert shown["reply_to"] == reply["reply_to"] and shown["reply_to"]["id"] == first["id"]
    assert shown["reply_to"]["author"]["id"] == first["author"]["id"]
    assert len([s for s in seen if s.startswith("SELECT messages.id")]) == 2, seen
    [answered] = loaded_by_ids(seen)
    assert answered.startswith("SELECT messages.id"), seen
