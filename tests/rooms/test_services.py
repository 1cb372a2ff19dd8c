"""Chat rules: storing messages once, and reading history without gaps."""

import random
import threading
import time

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.errors import Invalid
from exchange.errors import NotFound
from exchange.errors import TooLong
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.rooms import services
from exchange.rooms.models import Message


@pytest.fixture
def delegate(make_user):
    return make_user(Role.DELEGATE)


@pytest.fixture
def plenary(app_ctx, event):
    return get_room("plenary")


def post(room, author, body="Hello", client_id=None):
    if client_id is None:
        client_id = f"c-{random.random()}"
    return services.post_message(room, db.session.merge(author), body, client_id)


def stored_messages():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Message))


def test_a_message_is_stored_with_safe_html(plenary, delegate):
    message = post(plenary, delegate, "Look: <script>x</script> https://example.org\nbye")
    assert message.id is not None
    assert message.body == "Look: <script>x</script> https://example.org\nbye"
    assert "&lt;script&gt;" in message.body_html
    assert 'rel="nofollow noopener"' in message.body_html
    assert "<br>" in message.body_html


def test_the_same_client_id_stores_one_message(plenary, delegate):
    first = post(plenary, delegate, "Once", client_id="retry-1")
    again = post(plenary, delegate, "Once", client_id="retry-1")
    assert again.id == first.id
    assert stored_messages() == 1


def test_client_ids_belong_to_their_author(plenary, delegate, make_user):
    other = make_user(Role.DELEGATE, administration="ferla")
    a = post(plenary, delegate, "Mine", client_id="same")
    b = post(plenary, other, "Theirs", client_id="same")
    assert a.id != b.id


def test_reusing_a_client_id_for_another_message_is_refused(plenary, delegate):
    post(plenary, delegate, "First", client_id="reused")
    with pytest.raises(Invalid, match="different message"):
        post(plenary, delegate, "Second", client_id="reused")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", Invalid),
        ("   \n\t ", Invalid),
        ("x" * 4001, TooLong),
        ("nul \x00 byte", Invalid),
        ("lone surrogate \ud800", Invalid),
    ],
)
def test_unstorable_bodies_are_refused(plenary, delegate, body, error):
    with pytest.raises(error):
        post(plenary, delegate, body)
    assert stored_messages() == 0


def test_a_body_of_exactly_the_limit_is_accepted(plenary, delegate):
    assert len(post(plenary, delegate, "é" * 4000).body) == 4000


@pytest.mark.parametrize("client_id", ["", "x" * 65, "has space", "ünicode", "a/b"])
def test_malformed_client_ids_are_refused(plenary, delegate, client_id):
    with pytest.raises(Invalid):
        post(plenary, delegate, "Hi", client_id=client_id)


def test_history_gives_the_latest_page_oldest_first(plenary, delegate):
    ids = [post(plenary, delegate, f"m{i}").id for i in range(60)]
    latest = services.history(plenary)
    assert [m.id for m in latest.messages] == ids[-50:]
    assert latest.has_more
    earlier = services.history(plenary, before=ids[-50])
    assert [m.id for m in earlier.messages] == ids[:10]
    assert not earlier.has_more


def test_history_after_an_id_catches_up_in_pages(plenary, delegate, app):
    app.config["BACKFILL_LIMIT"] = 25
    ids = [post(plenary, delegate, f"m{i}").id for i in range(30)]
    first = services.history(plenary, after=ids[2])
    assert [m.id for m in first.messages] == ids[3:28]
    assert first.has_more
    rest = services.history(plenary, after=first.messages[-1].id)
    assert [m.id for m in rest.messages] == ids[28:]
    assert not rest.has_more


def test_history_is_per_room(plenary, delegate):
    post(plenary, delegate, "in plenary")
    assert services.history(get_room("funding")).messages == []


def test_archived_and_unknown_rooms_are_not_found(app_ctx, event):
    with pytest.raises(NotFound):
        get_room("atlantis")


def test_ids_grow_in_commit_order_under_concurrent_writers(app, event, make_user):
    """A reader following ``after`` never misses a message committed late.

    Writers are slowed down between drawing their id and committing, the very
    moment where, without the room lock, a later id could commit first and a
    reader that already moved past it would never see the earlier one.
    """
    writers = [make_user(Role.DELEGATE) for _ in range(4)]
    per_writer = 8
    done = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []

    def slow_commit(session, flush_context):
        time.sleep(random.uniform(0, 0.02))  # the id is drawn; the commit has not happened

    def write(user):
        try:
            with app.app_context():
                sa.event.listen(db.session, "after_flush", slow_commit)
                room = get_room("plenary")
                for number in range(per_writer):
                    services.post_message(
                        room, db.session.merge(user), f"n{number}", f"{user.id}-{number}"
                    )
        except BaseException as error:  # reported below
            errors.append(error)

    def read():
        last = 0
        with app.app_context():
            room = get_room("plenary")
            while True:
                finished = done.is_set()
                batch = services.history(room, after=last).messages
                db.session.rollback()  # a fresh snapshot for every read
                for message in batch:
                    seen.append(message.id)
                    last = message.id
                if finished and not batch:
                    return
                time.sleep(0.001)

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(user,)) for user in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join(timeout=30)
    assert not errors, errors
    with app.app_context():
        everything = list(db.session.scalars(sa.select(Message.id).order_by(Message.id)))
    assert len(everything) == len(writers) * per_writer
    assert seen == everything
