"""Nothing moderation hid reaches anyone through another view: one ``visible()`` rule for all.

Staff see hidden content only where they moderate it (a room's messages, with the
restore button; a hidden practice's own page); never in lists, cards, the API,
exports, counts or the e-book.
"""

import csv
import io
import zipfile

import pytest

from exchange.accounts import privacy
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import Forbidden
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.practices import search
from exchange.practices import services as practices
from exchange.rooms import services as rooms

from ..conftest import PASSWORD
from ..support.live import csrf_token


@pytest.fixture
def people(make_user):
    return {
        "writer": make_user(Role.DELEGATE, name="Elena Conti", administration="ferla"),
        "sharer": make_user(Role.DELEGATE, name="Salvatore Greco", administration="aprilia"),
        "attendee": make_user(Role.ATTENDEE, name="Anna Nowak"),
        "moderator": make_user(Role.MODERATOR, name="Marco Rossi"),
        "organizer": make_user(Role.ORGANIZER, name="Giulia Bianchi"),
    }


@pytest.fixture
def practice(people, write):
    return write(people["writer"], published=True, title="Solar roofs on schools")


@pytest.fixture
def shared(app, people, practice):
    """Two messages linking the practice: one a moderator hides, one its author withdraws."""
    with app.app_context():
        published = practices.get_practice(practice.id)
        sharer = db.session.get(User, people["sharer"].id)
        kept = practices.share_practice(published, sharer, "Worth reading", "kept")
        rude = practices.share_practice(published, sharer, "Rude words about it", "rude")
        withdrawn = practices.share_practice(published, sharer, "Said too much", "withdrawn")
        moderation.hide_message(rude, db.session.get(User, people["moderator"].id), "Insults")
        moderation.hide_message(withdrawn, sharer, None)
        return {"kept": kept.id, "rude": rude.id, "withdrawn": withdrawn.id}


def hide_practice(app, practice_id, people, reason="Copied from elsewhere"):
    with app.app_context():
        moderation.hide_practice(
            practices.get_practice(practice_id),
            db.session.get(User, people["moderator"].id),
            reason,
        )


def restore_practice(app, practice_id, people):
    with app.app_context():
        moderation.restore_practice(
            practices.get_practice(practice_id), db.session.get(User, people["moderator"].id)
        )


@pytest.mark.parametrize("reader", ["attendee", "writer", "moderator", "organizer"])
def test_hidden_and_withdrawn_messages_are_absent_from_a_practices_discussion(
    client, login, people, practice, shared, reader
):
    login(client, people[reader])
    page = client.get(f"/practices/{practice.id}-{practice.slug}").get_data(as_text=True)
    discussion = page[page.index('class="discussion"') :]
    assert "Worth reading" in discussion
    assert "Rude words" not in page and "Said too much" not in page
    assert "Hidden by" not in discussion and "Insults" not in page
    assert "Withdrawn by its author" not in discussion


def test_visitors_without_an_account_do_not_read_the_rooms_through_a_practice(
    client, practice, shared
):
    page = client.get(f"/practices/{practice.id}-{practice.slug}").get_data(as_text=True)
    assert "Worth reading" not in page and "Rude words" not in page
    assert "Salvatore Greco" not in page
    assert "to follow the rooms" in page


def test_the_discussion_service_applies_the_same_rule(app, people, practice, shared):
    with app.app_context():
        published = practices.get_practice(practice.id)
        moderator = db.session.get(User, people["moderator"].id)
        assert [m.id for m in practices.discussion(published, moderator)] == [shared["kept"]]
        assert practices.discussion(published, None) == []


def test_a_hidden_practice_leaves_the_cards_of_room_pages_for_staff_too(
    app, client, login, people, practice, shared
):
    hide_practice(app, practice.id, people)
    for reader in ("sharer", "moderator"):
        login(client, people[reader])
        room = client.get("/rooms/renewable-energy").get_data(as_text=True)
        assert "Worth reading" in room
        assert "Solar roofs on schools" not in room


@pytest.mark.parametrize("reader", ["sharer", "moderator"])
def test_a_hidden_practice_leaves_the_cards_of_the_backfill(
    app, connect, people, practice, shared, reader
):
    hide_practice(app, practice.id, people)
    connection = connect(people[reader])
    ack = connection.emit("join", {"room": "renewable-energy", "after": 0}, callback=True)
    assert ack["ok"]
    kept = next(m for m in ack["messages"] if m["id"] == shared["kept"])
    assert kept["practice"] is None
    if reader == "sharer":
        assert {m["id"] for m in ack["messages"]} == {shared["kept"]}


@pytest.mark.parametrize("reader", [None, "writer", "moderator", "organizer"])
def test_nobody_reads_a_hidden_practice_through_the_api_or_search(
    app, client, login, people, practice, reader
):
    hide_practice(app, practice.id, people)
    if reader:
        login(client, people[reader])
    assert client.get(f"/api/practices/{practice.id}").status_code == 404
    assert client.get("/api/practices?q=solar").get_json()["practices"] == []
    link = f'href="/practices/{practice.id}-'
    assert link not in client.get("/practices?q=solar").get_data(as_text=True)
    assert link not in client.get("/administrations/ferla").get_data(as_text=True)


def test_moderators_read_a_hidden_practice_only_on_its_own_page(
    app, client, login, people, practice
):
    hide_practice(app, practice.id, people, "Not a real practice")
    login(client, people["moderator"])
    page = client.get(f"/practices/{practice.id}-{practice.slug}").get_data(as_text=True)
    assert "Hidden by Marco Rossi: Not a real practice" in page
    assert client.get(f"/api/practices/{practice.id}").status_code == 404


def test_the_ebook_notices_one_practice_hidden_and_another_restored(
    app, client, people, write, practice
):
    other = write(people["sharer"], published=True, title="Energy community of the parish")
    write(people["sharer"], published=True, title="Newest practice")  # the latest change stays
    hide_practice(app, other.id, people)
    first = client.get("/practices/ebook.epub").data
    assert b"Solar roofs on schools" in _epub_text(first)
    assert b"Energy community" not in _epub_text(first)
    hide_practice(app, practice.id, people)
    restore_practice(app, other.id, people)
    second = _epub_text(client.get("/practices/ebook.epub").data)
    assert b"Solar roofs on schools" not in second
    assert b"Energy community of the parish" in second


def test_the_ebook_forgets_the_address_of_a_deleted_account(app, client, people, write):
    write(people["sharer"], published=True, title="Heat pumps", public_email="s@example.org")
    assert b"s@example.org" in _epub_text(client.get("/practices/ebook.epub").data)
    with app.app_context():
        privacy.delete_account(db.session.get(User, people["sharer"].id), PASSWORD)
    assert b"s@example.org" not in _epub_text(client.get("/practices/ebook.epub").data)


def test_the_dashboard_counts_and_exports_leave_hidden_messages_out(
    client, login, people, practice, shared
):
    login(client, people["organizer"])
    export = client.get("/organizer/export/administrations.csv").get_data(as_text=True)
    aprilia = next(row for row in csv.DictReader(io.StringIO(export)) if row["name"] == "Aprilia")
    assert aprilia["messages"] == "1"  # the two hidden ones are not counted
    rooms_export = client.get("/organizer/export/rooms.csv").get_data(as_text=True)
    energy = next(
        row
        for row in csv.DictReader(io.StringIO(rooms_export))
        if row["room"] == "renewable-energy"
    )
    assert energy["messages_last_24h"] == "1"


def test_a_hidden_message_cannot_be_developed_into_a_practice(
    app, client, login, people, practice, shared
):
    with app.app_context():
        sharer = db.session.get(User, people["sharer"].id)
        for key in ("rude", "withdrawn"):
            with pytest.raises(Forbidden):
                practices.develop_message(rooms.get_message(shared[key]), sharer)
    login(client, people["sharer"])
    token = csrf_token(client.get("/rooms/renewable-energy").get_data(as_text=True))
    response = client.post(f"/messages/{shared['rude']}/develop", data={"csrf_token": token})
    assert response.status_code == 403


def test_work_lists_leave_hidden_practices_out(app, client, login, people, write):
    submitted = write(people["writer"], submitted=True, title="Copied practice")
    hide_practice(app, submitted.id, people)
    link = f'href="/practices/{submitted.id}-'
    login(client, people["moderator"])
    assert link not in client.get("/practices/review").get_data(as_text=True)
    login(client, people["writer"])
    assert link not in client.get("/practices/mine").get_data(as_text=True)
    with app.app_context():
        assert search.search(search.PracticeQuery(text="copied")).total == 0


def _epub_text(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())
