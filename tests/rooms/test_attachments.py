"""Files in the chat: ``send {attachments: [id]}``, the Message's ``attachments``, the page."""

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.extensions import db
from exchange.files import services as files
from exchange.files.models import StoredFile
from exchange.moderation import services as moderation
from exchange.rooms.models import Message

from ..support import files as samples
from ..support.live import csrf_token
from .test_events import events_named


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena Conti", administration="campi-bisenzio")


@pytest.fixture
def salvatore(make_user):
    return make_user(Role.DELEGATE, name="Salvatore", administration="ferla")


@pytest.fixture
def moderator(make_user):
    return make_user(Role.MODERATOR, name="Mara")


@pytest.fixture
def upload(app):
    """Upload through the service as ``user``; return the new file's id."""

    def store(user, data=None, name="roof.png", alt=None):
        with app.app_context():
            return files.upload_file(
                db.session.merge(user), data or samples.image(), name, alt=alt
            ).id

    return store


def send(connection, body="The tender documents, as promised", client_id="c1", **extra):
    payload = {"room": "plenary", "body": body, "client_id": client_id, **extra}
    return connection.emit("send", payload, callback=True)


def message_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Message))


def test_a_message_carries_its_files_in_the_order_sent(connect, elena, salvatore, upload):
    roof = upload(elena, alt="Solar panels on the school roof")
    tender = upload(elena, samples.pdf(), "bando di gara.pdf")
    listener = connect(salvatore)
    listener.emit("join", {"room": "plenary"}, callback=True)
    listener.get_received()
    ack = send(connect(elena), attachments=[tender, roof])
    assert ack["ok"] is True
    attached = ack["message"]["attachments"]
    assert [file["id"] for file in attached] == [tender, roof]
    assert attached[0]["kind"] == "document" and attached[0]["name"] == "bando di gara.pdf"
    assert attached[0]["thumbnail_url"] is None
    assert attached[1]["kind"] == "image"
    assert attached[1]["alt"] == "Solar panels on the school roof"
    assert attached[1]["thumbnail_url"].startswith(f"/files/{roof}/thumbnail/")
    (delivered,) = events_named(listener, "message")
    assert delivered["attachments"] == attached


def test_a_message_of_files_alone_needs_no_words(connect, elena, upload):
    ack = send(connect(elena), body="", attachments=[upload(elena)])
    assert ack["ok"] is True and ack["message"]["body"] == ""
    refused = send(connect(elena), body="  ", client_id="c2")
    assert refused["error"]["code"] == "invalid" and refused["error"]["field"] == "body"


def test_messages_without_files_carry_an_empty_list(connect, elena):
    assert send(connect(elena))["message"]["attachments"] == []


def test_only_the_senders_own_unattached_files_are_accepted(app, connect, elena, salvatore, upload):
    theirs = upload(salvatore)
    refused = send(connect(elena), attachments=[theirs])
    assert refused["ok"] is False
    assert refused["error"]["code"] == "invalid"
    assert refused["error"]["field"] == "attachments" and refused["error"]["file_id"] == theirs
    mine = upload(elena)
    assert send(connect(elena), client_id="first", attachments=[mine])["ok"] is True
    again = send(connect(elena), body="Once more", client_id="second", attachments=[mine])
    assert again["error"]["file_id"] == mine
    assert message_count(app) == 1  # a refused message is not stored without its files


def test_a_message_carries_at_most_the_configured_number_of_files(app, connect, elena, upload):
    app.config["ATTACHMENTS_PER_MESSAGE"] = 2
    ids = [upload(elena) for _ in range(3)]
    refused = send(connect(elena), attachments=ids)
    assert refused["error"]["code"] == "invalid"
    assert refused["error"]["limit"] == "per_owner" and refused["error"]["max_files"] == 2
    assert "2" in refused["error"]["message"]
    assert send(connect(elena), client_id="c2", attachments=ids[:2])["ok"] is True


@pytest.mark.parametrize(
    "attachments", ["12", 12, [True], ["12"], [1.5], [[1]], [{"id": 1}], [-1], [2**63]]
)
def test_malformed_attachment_lists_are_invalid(connect, elena, attachments):
    ack = send(connect(elena), attachments=attachments)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    assert ack["error"]["field"] == "attachments"


def test_a_file_listed_twice_is_invalid(connect, elena, upload):
    file_id = upload(elena)
    ack = send(connect(elena), attachments=[file_id, file_id])
    assert ack["error"]["field"] == "attachments" and ack["error"]["file_id"] == file_id


def test_attendees_attach_nothing(connect, make_user):
    ack = send(connect(make_user(Role.ATTENDEE)), attachments=[1])
    assert ack["error"]["code"] == "forbidden"


def test_a_retry_acknowledges_the_stored_message_with_its_files(app, connect, elena, upload):
    file_id = upload(elena)
    first = send(connect(elena), client_id="retry", attachments=[file_id])
    again = send(connect(elena), client_id="retry", attachments=[file_id])
    assert again["ok"] is True and again["message"] == first["message"]
    other = send(connect(elena), client_id="retry", attachments=[])
    assert other["error"]["field"] == "client_id"
    assert message_count(app) == 1


def test_history_and_backfill_carry_the_files(connect, elena, salvatore, upload):
    file_id = upload(elena)
    sent = send(connect(elena), attachments=[file_id])["message"]
    ack = connect(salvatore).emit("join", {"room": "plenary", "after": 0}, callback=True)
    assert ack["messages"][-1]["attachments"] == sent["attachments"]


def test_a_file_a_moderator_hid_leaves_the_message_for_everyone_but_staff(
    app, connect, elena, salvatore, moderator, upload
):
    kept, hidden = upload(elena), upload(elena, samples.pdf(), "offer.pdf")
    send(connect(elena), attachments=[kept, hidden])
    with app.app_context():
        moderation.hide_file(
            db.session.get(StoredFile, hidden), db.session.merge(moderator), "Personal data"
        )
    reader = connect(salvatore).emit("join", {"room": "plenary"}, callback=True)
    assert [file["id"] for file in reader["messages"][-1]["attachments"]] == [kept]
    staff = connect(moderator).emit("join", {"room": "plenary"}, callback=True)
    assert [(f["id"], f["hidden"]) for f in staff["messages"][-1]["attachments"]] == [
        (kept, False),
        (hidden, True),
    ]


def test_the_files_of_a_hidden_message_answer_404_to_everyone_but_staff(
    app, connect, login, elena, salvatore, moderator, upload
):
    file_id = upload(elena, samples.pdf(), "offer.pdf")
    message = send(connect(elena), attachments=[file_id])["message"]
    url = message["attachments"][0]["url"]
    reader, staff = app.test_client(), app.test_client()
    login(reader, salvatore)
    login(staff, moderator)
    assert reader.get(url).status_code == 200
    hide = connect(moderator).emit(
        "hide", {"message_id": message["id"], "reason": "Spam"}, callback=True
    )
    assert hide["ok"] is True
    assert reader.get(url).status_code == 404
    assert staff.get(url).status_code == 200
    assert connect(moderator).emit("restore", {"message_id": message["id"]}, callback=True)["ok"]
    assert reader.get(url).status_code == 200


def test_the_room_page_shows_pictures_as_thumbnails_and_documents_with_type_and_size(
    app, client, login, connect, elena, upload
):
    roof = upload(elena, samples.image(size=(1600, 1200)), "roof.png", alt="The school roof")
    bare = upload(elena, samples.image(), "IMG_0042.png")
    tender = upload(elena, samples.pdf("x" * 300_000), "bando.pdf")
    send(connect(elena), attachments=[roof, bare, tender])
    login(client, elena)
    page = client.get("/rooms/plenary", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert f'href="/files/{roof}/roof.png"' in page
    assert f'src="/files/{roof}/thumbnail/roof.webp" width="480" height="360"' in page
    assert 'alt="The school roof"' in page
    assert 'alt="Bild: IMG_0042.png"' in page  # a picture without a description names itself
    assert f'href="/files/{tender}/bando.pdf"' in page
    assert "PDF, 293 kB" in page


def test_moderators_hide_and_restore_one_file_from_the_room_page(
    app, connect, login, elena, salvatore, moderator, upload
):
    file_id = upload(elena, samples.pdf(), "offer.pdf")
    send(connect(elena), attachments=[file_id])
    reader, staff = app.test_client(), app.test_client()
    login(reader, salvatore)
    login(staff, moderator)
    assert f"/moderation/files/{file_id}/hide" not in reader.get("/rooms/plenary").get_data(
        as_text=True
    )
    page = staff.get("/rooms/plenary").get_data(as_text=True)
    assert f'action="/moderation/files/{file_id}/hide"' in page
    assert 'id="file-moderation-template"' in page
    token = csrf_token(page)
    hidden = staff.post(
        f"/moderation/files/{file_id}/hide",
        data={"csrf_token": token, "reason": "Personal data", "next": "/rooms/plenary"},
    )
    assert hidden.headers["Location"] == "/rooms/plenary"
    assert "offer.pdf" not in reader.get("/rooms/plenary").get_data(as_text=True)
    page = staff.get("/rooms/plenary").get_data(as_text=True)
    assert "attachment-document is-hidden" in page
    staff.post(f"/moderation/files/{file_id}/restore", data={"csrf_token": token})
    assert "offer.pdf" in reader.get("/rooms/plenary").get_data(as_text=True)
