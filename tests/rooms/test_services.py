"""Chat rules: storing messages once, and reading history without gaps."""

import random
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import Invalid
from exchange.errors import NotFound
from exchange.errors import TooLong
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.files import services as files
from exchange.files.models import StoredFile
from exchange.moderation import services as moderation
from exchange.practices.models import Practice
from exchange.rooms import services
from exchange.rooms import unread
from exchange.rooms.models import Mention
from exchange.rooms.models import Message
from exchange.rooms.schemas import message_json

from ..support import files as samples


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


def test_a_message_shows_the_same_however_it_was_loaded(app, make_user, write):
    """Pages, single messages, search results and conversation lists load a message's parts
    for many messages at once, a query per part; each message must show exactly what
    following its relationships one at a time shows, whatever its shape, to everyone."""
    elena = make_user(Role.DELEGATE, name="Elena Conti")
    salvatore = make_user(Role.DELEGATE, name="Salvatore", administration="ferla")
    mara = make_user(Role.MODERATOR, name="Mara")
    carded = write(elena, published=True, title="Solar roofs on schools")
    withdrawn = write(elena, published=True, title="Heat pumps in town halls")
    with app.app_context():
        plenary = get_room("plenary")
        her, him, moderator = (
            db.session.get(User, person.id) for person in (elena, salvatore, mara)
        )

        def say(author, body, **extra):
            return services.post_message(plenary, author, body, uuid.uuid4().hex, **extra)

        plain = say(her, "Plain words")
        services.react(plain, him, "👍")
        services.react(plain, her, "🎉")
        services.react(services.get_bare_message(plain.id), moderator, "👍")
        question = say(her, "Who has tendered solar roofs?")
        say(him, "@Elena Conti we did, in 2023", reply_to=question.id, mentions=[her.id])
        say(him, "The card", practice=db.session.get(Practice, carded.id))
        say(him, "A card since withdrawn", practice=db.session.get(Practice, withdrawn.id))
        picture = files.upload_file(her, samples.image(), "roof.png", alt="A roof")
        offer = files.upload_file(her, samples.pdf(), "offer.pdf")
        say(her, "Both files", attachments=[picture.id, offer.id])
        moderation.hide_file(db.session.get(StoredFile, offer.id), moderator, "Personal data")
        typo = say(her, "Teh tender")
        services.edit_message(services.get_bare_message(typo.id), her, "The tender")
        spam = say(him, "Buy now")
        say(her, "Is this spam?", reply_to=spam.id)
        moderation.hide_message(services.get_bare_message(spam.id), moderator, "Spam")
        moderation.hide_practice(db.session.get(Practice, withdrawn.id), moderator, "Outdated")
        unread.mark_read(him, plenary, plain.id)  # he follows the room: ``@room`` tells him
        unread.flush_read_positions()
        say(moderator, "@room the vote starts")
        db.session.commit()
        told_by_room = sa.select(sa.func.count()).where(Mention.by_name.is_(False))
        assert db.session.scalar(told_by_room) == 1  # a mention, not a name the message shows

    for reader, staff in ((salvatore, False), (mara, True)):
        with app.app_context():
            page = services.history(get_room("plenary"), db.session.get(User, reader.id))
            paged = {message.id: message_json(message, staff=staff) for message in page.messages}
        with app.app_context():
            single = {id_: message_json(services.get_message(id_), staff=staff) for id_ in paged}
        with app.app_context():
            found = services.shown_messages(sa.select(Message).where(Message.id.in_(paged)))
            together = {message.id: message_json(message, staff=staff) for message in found}
        with app.app_context():  # no loader at all: each relationship read as it is needed
            one_by_one = {
                id_: message_json(db.session.get(Message, id_), staff=staff) for id_ in paged
            }
        assert paged == single == together == one_by_one
        shown = list(paged.values())
        assert [len(m["reactions"]) for m in shown if m["reactions"]] == [2]
        assert [m["mentions"] for m in shown if m["mentions"]] == [[elena.id]]
        assert [m["mentions_room"] for m in shown].count(True) == 1
        assert [m["practice"]["id"] for m in shown if m["practice"]] == [carded.id]
        assert [m["reply_to"]["excerpt"] for m in shown if m["reply_to"]][0].startswith("Who")
        assert [m["edited_at"] is not None for m in shown].count(True) == 1
        assert [len(m["attachments"]) for m in shown if m["attachments"]] == [2 if staff else 1]
        if staff:  # the hidden message, who hid it, and a reply that quotes nothing of it
            [hidden] = [m for m in shown if m["hidden"]]
            assert hidden["hidden"]["by"]["name"] == "Mara"
        assert [m["reply_to"]["excerpt"] for m in shown if m["reply_to"]][1] is None


def test_a_reader_without_javascript_gets_emoji_for_a_visible_message_of_a_room_they_may_join(
    plenary, delegate, make_user
):
    """A conversation's members only: tests/conversations/test_views.py."""
    reader = db.session.merge(make_user(Role.DELEGATE, email="reader@example.org"))
    shown = post(plenary, delegate, "The tender")
    assert services.reaction_target("plenary", shown.id, reader) == shown
    with pytest.raises(NotFound):
        services.reaction_target("funding", shown.id, reader)  # another room's address

    moderation.hide_message(shown, shown.author, None)
    with pytest.raises(NotFound):
        services.reaction_target("plenary", shown.id, reader)
