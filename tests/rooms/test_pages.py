"""A join's page, kept while nothing in it changes: whatever changes what it shows, whoever
writes it, the next join gets what reading afresh gives."""

import json
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.models import Administration
from exchange.event.models import Room
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.files import services as files
from exchange.files.models import StoredFile
from exchange.moderation import services as moderation
from exchange.practices.models import Practice
from exchange.rooms import pages
from exchange.rooms import services
from exchange.rooms import unread
from exchange.rooms.models import EVERY_ROOM
from exchange.rooms.models import Message
from exchange.rooms.models import RoomVersion
from exchange.socket_json import RawJSON

from ..support import files as samples


@pytest.fixture
def people(make_user):
    return {
        "elena": make_user(Role.DELEGATE, name="Elena Conti"),
        "salvatore": make_user(Role.DELEGATE, name="Salvatore", administration="ferla"),
        "mara": make_user(Role.MODERATOR, name="Mara"),
    }


def _person(people, name: str) -> User:
    return db.session.get(User, people[name].id)


def _say(author: User, body: str, room: str = "plenary", **extra) -> Message:
    return services.post_message(get_room(room), author, body, uuid.uuid4().hex, **extra)


def _shown(page: pages.Page) -> list[dict]:
    messages = page.messages
    return json.loads(messages.text) if isinstance(messages, RawJSON) else messages


def _fresh_page(reader: User) -> list[dict]:
    """The page as a process that kept nothing reads it."""
    pages.page_cache().entries.clear()
    return _shown(pages.join_page(get_room("plenary"), reader))


def _version(slug: str) -> int:
    return pages.room_version(get_room(slug))


@pytest.fixture
def talk(app, people, write):
    """The plenary with a few messages of every shape, a card, a file, and the ids to change."""
    card = write(people["elena"], published=True, title="Solar roofs on schools")
    with app.app_context():
        her, him = _person(people, "elena"), _person(people, "salvatore")
        question = _say(her, "Who has tendered solar roofs?")
        answer = _say(him, "We did", reply_to=question.id, mentions=[her.id])
        carded = _say(him, "The card", practice=db.session.get(Practice, card.id))
        offer = files.upload_file(her, samples.pdf(), "offer.pdf")
        filed = _say(her, "The offer", attachments=[offer.id])
        _say(her, "Elsewhere", room="renewable-energy")
        db.session.commit()
        return {
            "question": question.id,
            "answer": answer.id,
            "carded": carded.id,
            "file": offer.id,
            "filed": filed.id,
            "practice": card.id,
        }


def _new_message(people, talk):
    _say(_person(people, "salvatore"), "Something new")


def _edit(people, talk):
    message = services.get_bare_message(talk["question"])
    services.edit_message(message, _person(people, "elena"), "Who has tendered solar panels?")


def _react(people, talk):
    services.react(services.get_bare_message(talk["answer"]), _person(people, "elena"), "👍")


def _hide_message(people, talk):
    message = services.get_bare_message(talk["question"])
    moderation.hide_message(message, _person(people, "mara"), "Off topic")


def _hide_file(people, talk):
    file = db.session.get(StoredFile, talk["file"])
    moderation.hide_file(file, _person(people, "mara"), "Personal data")


def _hide_practice(people, talk):
    practice = db.session.get(Practice, talk["practice"])
    moderation.hide_practice(practice, _person(people, "mara"), "Outdated")


def _rename_author(people, talk):
    """Renamed past the services, as a command or another tool might: the trigger sees it."""
    users = User.__table__
    db.session.execute(
        sa.update(users).where(users.c.id == people["salvatore"].id).values(name="Salvo")
    )


def _delete_author(people, talk):
    users = User.__table__
    db.session.execute(
        sa.update(users)
        .where(users.c.id == people["salvatore"].id)
        .values(deleted_at=sa.func.now())
    )


def _promote_author(people, talk):
    db.session.get(User, people["salvatore"].id).role = Role.MODERATOR


def _rename_administration(people, talk):
    ferla = db.session.scalars(
        sa.select(Administration).where(Administration.slug == "ferla")
    ).one()
    ferla.name = "Comune di Ferla"


def _delete_message(people, talk):
    """As the retention of messages deletes them: rows gone, their parts with them."""
    db.session.execute(sa.delete(Message).where(Message.id == talk["carded"]))


CHANGES: dict[str, Callable] = {
    "a new message": _new_message,
    "an edit": _edit,
    "a reaction": _react,
    "a hidden message": _hide_message,
    "a hidden file": _hide_file,
    "a hidden practice on a card": _hide_practice,
    "an author renamed": _rename_author,
    "an author's account deleted": _delete_author,
    "an author given another role": _promote_author,
    "an administration renamed": _rename_administration,
    "a message deleted": _delete_message,
}


@pytest.mark.parametrize("reader", ["elena", "mara"])
@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_after_any_change_to_what_a_page_shows_the_next_join_gets_it_afresh(
    app, people, talk, change, reader
):
    with app.app_context():
        person = _person(people, reader)
        before = _shown(pages.join_page(get_room("plenary"), person))
        version = _version("plenary")
        change(people, talk)
        db.session.commit()
    with app.app_context():
        person = _person(people, reader)
        assert _version("plenary") > version
        kept = _shown(pages.join_page(get_room("plenary"), person))
        assert kept != before  # each of these changes shows: a page kept for before would be wrong
        assert kept == _fresh_page(person)


def test_a_page_is_kept_per_kind_of_reader_and_sent_again_while_nothing_changes(app, people, talk):
    with app.app_context():
        _hide_message(people, talk)
        db.session.commit()
    with app.app_context():
        cache = pages.page_cache()
        plenary = get_room("plenary")
        delegate, moderator = _person(people, "elena"), _person(people, "mara")
        first = pages.join_page(plenary, delegate)
        assert (cache.hits, cache.misses) == (0, 1)
        assert pages.join_page(plenary, delegate) is first
        staff_page = pages.join_page(plenary, moderator)
        assert (cache.hits, cache.misses) == (1, 2)
        hidden = [m["id"] for m in _shown(staff_page) if m["hidden"]]
        assert hidden == [talk["question"]]
        assert talk["question"] not in [m["id"] for m in _shown(first)]


def test_a_page_kept_is_the_page_read_afresh_in_every_language(app, people, talk):
    """A deleted person is named in the reader's language, so each language has its page."""
    with app.app_context():
        _delete_author(people, talk)
        db.session.commit()
    names = {}
    for language in ("en", "it"):
        with app.test_request_context(headers={"Accept-Language": language}):
            person = _person(people, "elena")
            page = _shown(pages.join_page(get_room("plenary"), person))
            names[language] = {m["author"]["name"] for m in page}
            assert page == _fresh_page(person)
    assert names["en"] != names["it"]


def test_catching_up_after_an_id_is_always_read_afresh(app, people, talk):
    with app.app_context():
        person = _person(people, "elena")
        page = pages.join_page(get_room("plenary"), person, after=talk["question"])
        assert [m["id"] for m in page.messages] == [talk["answer"], talk["carded"], talk["filed"]]
        assert pages.page_cache().entries == {}


def _describe_author(people, talk):
    author = db.session.get(User, people["salvatore"].id)
    author.bio = "Energy manager"
    author.locale = "it"


def _read(people, talk):
    unread.mark_read(_person(people, "elena"), get_room("plenary"), talk["answer"])
    unread.flush_read_positions()


def _slow_down(people, talk):
    get_room("plenary").slow_mode_seconds = 30


def _say_elsewhere(people, talk):
    _say(_person(people, "elena"), "Elsewhere again", room="renewable-energy")


CHANGES_SHOWN_NOWHERE: dict[str, Callable] = {
    "a person's biography and language": _describe_author,
    "a read position": _read,
    "a room's settings, its slug kept": _slow_down,
    "a message in another room": _say_elsewhere,
}


@pytest.mark.parametrize("change", CHANGES_SHOWN_NOWHERE.values(), ids=CHANGES_SHOWN_NOWHERE.keys())
def test_changes_no_page_of_the_room_shows_leave_its_version_as_it_was(app, people, talk, change):
    with app.app_context():
        version = _version("plenary")
        change(people, talk)
        db.session.commit()
        assert _version("plenary") == version


def test_a_room_renamed_moves_its_own_version_only(app, talk):
    with app.app_context():
        energy = _version("renewable-energy")
        room = get_room("plenary")
        version = pages.room_version(room)
        room.slug = "assembly"
        db.session.commit()
        assert pages.room_version(db.session.get(Room, room.id)) > version
        assert _version("renewable-energy") == energy


def test_the_room_versions_are_the_triggers_own(app, people, talk):
    """One row per room written to, and the row every room shares once a person changed."""
    with app.app_context():
        rows = dict(db.session.execute(sa.select(RoomVersion.room_id, RoomVersion.version)).all())
        assert set(rows) == {get_room("plenary").id, get_room("renewable-energy").id}
        _rename_author(people, talk)
        db.session.commit()
        rows = dict(db.session.execute(sa.select(RoomVersion.room_id, RoomVersion.version)).all())
        assert rows[EVERY_ROOM] == 1
