"""Group commit: messages sent at the same moment share a transaction, and each is stored once."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.rooms.models import Message
from exchange.rooms.services import post_message
from exchange.rooms.writer import message_writer
from exchange.rooms.writer import MessageWriter
from exchange.rooms.writer import PendingMessage


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena", administration="ferla")


def pending(room, author, body, client_id=None, **extra):
    return PendingMessage(
        room_id=room.id,
        author_id=author.id,
        client_id=client_id or uuid.uuid4().hex,
        body=body,
        body_html=body,
        language=None,
        practice_id=None,
        **extra,
    )


def stored_bodies():
    return list(db.session.scalars(sa.select(Message.body).order_by(Message.id)))


def test_senders_waiting_for_their_turn_are_stored_by_the_turn_before_them(app_ctx, elena):
    room = get_room("plenary")
    writer = MessageWriter()
    waiting = [pending(room, elena, f"waiting {i}") for i in range(3)]
    writer._queue.extend(waiting)  # queued while another turn was writing
    first = pending(room, elena, "first")
    message_id, created = writer.store(first)
    assert created and writer.commits == 1 and writer.stored == 4
    assert all(p.done and p.created for p in waiting)
    # One transaction, in the order they came: ids grow in that order.
    assert stored_bodies() == ["waiting 0", "waiting 1", "waiting 2", "first"]
    assert [p.message_id for p in waiting] == sorted(p.message_id for p in waiting)
    assert message_id > max(p.message_id for p in waiting)


def test_a_retry_racing_its_first_send_is_the_same_message(app_ctx, elena):
    room = get_room("plenary")
    writer = MessageWriter()
    retry = pending(room, elena, "once", client_id="same-1")
    writer._queue.append(retry)
    first = pending(room, elena, "once", client_id="same-1")
    message_id, created = writer.store(first)
    assert stored_bodies() == ["once"]
    assert (retry.message_id, retry.created) == (message_id, True)
    assert created is False
    assert first.message is retry.message is db.session.get(Message, message_id)


def test_a_client_id_stored_meanwhile_by_another_process_is_found_not_stored(app_ctx, elena):
    room = get_room("plenary")
    already = post_message(room, db.session.merge(elena), "from process B", "raced-1")
    writer = MessageWriter()
    real_lookup = writer._stored_ids
    looked = []

    def missed_once(session, keys):  # process B committed just after our lookup
        looked.append(keys)
        return {} if len(looked) == 1 else real_lookup(session, keys)

    writer._stored_ids = missed_once
    fresh = pending(room, elena, "new one")
    writer._queue.append(fresh)
    message_id, created = writer.store(pending(room, elena, "from process B", "raced-1"))
    assert (message_id, created) == (already.id, False)  # the unique index caught it
    assert fresh.created and stored_bodies() == ["from process B", "new one"]


def test_a_sender_who_just_looked_up_its_client_id_is_not_looked_up_again(app_ctx, elena):
    room = get_room("plenary")
    writer = MessageWriter()
    real_lookup = writer._stored_ids
    looked = []

    def counted(session, keys):
        looked.append(keys)
        return real_lookup(session, keys)

    writer._stored_ids = counted
    unchecked = pending(room, elena, "from a caller that did not look")
    writer._queue.append(unchecked)
    checked = pending(room, elena, "from post_message", looked_up=True)
    writer.store(checked)
    assert looked == [{unchecked.key}]  # the one that looked is not asked about again
    assert checked.created and unchecked.created


def test_a_retry_stored_since_its_sender_looked_is_caught_by_the_unique_index(app_ctx, elena):
    room = get_room("plenary")
    already = post_message(room, db.session.merge(elena), "first send", "twice-1")
    writer = MessageWriter()
    fresh = pending(room, elena, "another", looked_up=True)
    writer._queue.append(fresh)
    # Its sender found nothing under "twice-1", and the first send was committed since.
    retry = pending(room, elena, "first send", "twice-1", looked_up=True)
    message_id, created = writer.store(retry)
    assert (message_id, created) == (already.id, False)
    assert fresh.created and stored_bodies() == ["first send", "another"]


def test_when_the_database_fails_every_waiting_sender_is_told(app_ctx, elena, monkeypatch):
    room = get_room("plenary")
    writer = MessageWriter()
    follower = pending(room, elena, "also lost")
    writer._queue.append(follower)

    def unreachable():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "commit", unreachable)
    with pytest.raises(OperationalError):
        writer.store(pending(room, elena, "lost"))
    assert isinstance(follower.error, OperationalError)
    monkeypatch.undo()
    assert stored_bodies() == []  # nothing half-stored: both may retry with their client ids


def test_many_senders_at_once_each_store_exactly_one_message(app, make_user):
    people = [make_user(Role.DELEGATE, administration="ferla") for _ in range(3)]
    start = threading.Barrier(len(people) * 4, timeout=30)
    errors: list[BaseException] = []

    def send(person: User, number: int) -> None:
        start.wait()  # before taking a database connection: the pool is smaller than this
        with app.app_context():
            author = db.session.merge(person)
            room = get_room("plenary")
            try:
                post_message(room, author, f"{person.id}-{number}", f"c-{number}")
                post_message(room, author, f"{person.id}-{number}", f"c-{number}")  # a retry
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [
        threading.Thread(target=send, args=(person, number))
        for person in people
        for number in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with app.app_context():
        bodies = stored_bodies()
        assert sorted(bodies) == sorted(f"{p.id}-{n}" for p in people for n in range(4))
        writer = message_writer(get_room("plenary").id)
        assert writer.stored == 12 and writer.commits <= 12
