"""Privacy: people get everything stored about them, and can delete their account."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from exchange.accounts import privacy
from exchange.accounts import services
from exchange.accounts.models import LoginSession
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.db import utcnow
from exchange.errors import Invalid
from exchange.extensions import db

from ..conftest import PASSWORD
from ..support.live import csrf_token


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena Conti", email="elena@example.org")


def say(connect, user, body):
    ack = connect(user).emit(
        "send",
        {"room": "plenary", "body": body, "client_id": body[:20].replace(" ", "-")},
        callback=True,
    )
    assert ack["ok"], ack
    return ack["message"]


def test_the_export_holds_the_account_sessions_and_messages_but_no_secret(
    client, login, connect, elena
):
    say(connect, elena, "Our heat pump pilot")
    login(client, elena)
    response = client.get("/account/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "elena@example.org"
    assert data["account"]["administration"]["slug"] == "campi-bisenzio"
    assert [m["body"] for m in data["messages"]] == ["Our heat pump pilot"]
    assert len(data["sign_in_sessions"]) == 2  # the socket's and the page's
    dumped = json.dumps(data)
    assert "pbkdf2" not in dumped and "token" not in dumped


def test_the_export_holds_what_they_wrote_reported_and_were_told(
    app, client, login, connect, elena, make_user, write
):
    from exchange.moderation import services as moderation
    from exchange.rooms.services import get_message

    practice = write(elena, published=True, title="Heat pumps", public_email="e@example.org")
    marco = make_user(Role.MODERATOR, name="Marco")
    other = make_user(Role.DELEGATE, name="Paolo", administration="ferla")
    spam = say(connect, other, "Cheap panels here")
    mine = say(connect, elena, "Off topic sorry")
    with app.app_context():
        moderation.report_message(get_message(spam["id"]), db.session.merge(elena), "Advertising")
        moderation.hide_message(get_message(mine["id"]), db.session.merge(marco), "Off topic")
    login(client, elena)
    data = client.get("/account/export.json").get_json()
    [written] = data["practices_written"]
    assert (written["id"], written["public_email"]) == (practice.id, "e@example.org")
    assert {r["action"] for r in data["practice_revisions"]} >= {"created", "submitted"}
    assert [(r["message_id"], r["reason"]) for r in data["reports_made"]] == [
        (spam["id"], "Advertising")
    ]
    assert [n["kind"] for n in data["notices_received"]] == ["message_hidden"]
    [act] = data["moderation_log"]
    assert act["action"] == "hide" and act["about_you"] and act["reason"] == "Off topic"
    hidden = next(m for m in data["messages"] if m["id"] == mine["id"])
    assert hidden["hidden_reason"] == "Off topic"


def test_deleting_an_account_takes_its_address_off_its_practices(app, client, login, elena, write):
    practice = write(elena, published=True, title="Heat pumps", public_email="e@example.org")
    login(client, elena)
    page = client.get("/account").get_data(as_text=True)
    client.post(
        "/account/delete",
        data={"csrf_token": csrf_token(page), "password": PASSWORD, "confirm": "y"},
    )
    page = client.get(f"/practices/{practice.id}-{practice.slug}").get_data(as_text=True)
    assert "Heat pumps" in page and "e@example.org" not in page


def test_deleting_an_account_keeps_its_messages_under_deleted_user(
    app, client, login, connect, elena
):
    message = say(connect, elena, "Keep this in the room")
    login(client, elena)
    page = client.get("/account").get_data(as_text=True)
    response = client.post(
        "/account/delete",
        data={"csrf_token": csrf_token(page), "password": PASSWORD, "confirm": "y"},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 302  # signed out

    with app.app_context():
        user = db.session.get(User, elena.id)
        assert user.deleted_at is not None
        assert "elena" not in user.email and user.name == "deleted"
        assert user.administration_id is None
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(LoginSession)
                .where(LoginSession.user_id == elena.id, LoginSession.revoked_at.is_(None))
            )
            == 0
        )
    assert login_with_form(client, "elena@example.org").status_code == 422

    observer = app.test_client()
    with app.app_context():
        reader = services.create_user(email="reader@example.org", name="Reader", password=PASSWORD)
        token = services.start_login_session(reader).token
    with observer.session_transaction() as session:
        session["_user_id"] = token
    history = observer.get("/api/rooms/plenary/messages").get_json()["messages"]
    assert [(m["id"], m["body"], m["author"]["name"]) for m in history] == [
        (message["id"], "Keep this in the room", "Deleted user")
    ]
    assert history[0]["author"]["administration"] is None


def login_with_form(client, email):
    page = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login", data={"csrf_token": csrf_token(page), "email": email, "password": PASSWORD}
    )


def test_deleting_needs_the_password_and_the_confirmation(client, login, elena):
    login(client, elena)
    token = csrf_token(client.get("/account").get_data(as_text=True))
    wrong = client.post(
        "/account/delete", data={"csrf_token": token, "password": "nope nope nope", "confirm": "y"}
    )
    assert wrong.status_code == 422 and "The password is not correct." in wrong.get_data(
        as_text=True
    )
    unticked = client.post("/account/delete", data={"csrf_token": token, "password": PASSWORD})
    assert unticked.status_code == 422 and "Tick this box" in unticked.get_data(as_text=True)
    assert client.get("/account").status_code == 200


def test_deleting_closes_the_open_sockets(app, connect, elena):
    connection = connect(elena)
    with app.app_context():
        privacy.delete_account(db.session.get(User, elena.id), PASSWORD)
    assert not connection.is_connected()


def test_a_wrong_password_deletes_nothing(app_ctx, elena):
    with pytest.raises(Invalid):
        privacy.delete_account(db.session.get(User, elena.id), "wrong password")
    assert db.session.get(User, elena.id).deleted_at is None


def test_sign_ins_expire_and_their_records_are_purged(app_ctx, elena):
    user = db.session.get(User, elena.id)
    old = services.start_login_session(user)
    recent = services.start_login_session(user)
    old.created_at = utcnow() - dt.timedelta(days=61)
    db.session.commit()
    assert services.user_for_token(old.token) is None  # past its 30 days
    assert services.user_for_token(recent.token) is not None
    assert privacy.purge_ended_login_sessions() == 1
    assert db.session.get(LoginSession, old.id) is None
    assert db.session.get(LoginSession, recent.id) is not None


def test_the_privacy_notice_is_public_and_says_how_long(client, event):
    page = client.get("/privacy").get_data(as_text=True)
    assert "What we store" in page and "How long" in page
    assert "at most 30 days" in page
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)


def test_the_account_page_needs_an_account(client, event):
    assert client.get("/account").status_code == 302
    assert client.get("/account/export.json").status_code == 302


def test_the_zip_export_holds_the_data_and_every_file_uploaded(app, client, login, elena):
    import io
    import zipfile

    from exchange.event.services import get_room
    from exchange.files import services as files
    from exchange.rooms.services import get_message
    from exchange.rooms.services import post_message

    from ..support import files as samples

    with app.app_context():
        person = db.session.get(User, elena.id)
        photo = files.upload_file(person, samples.jpeg_with_gps(), "Tetto.jpg")
        tender = files.upload_file(person, samples.pdf(), "Bando.pdf")
        files.upload_file(person, samples.pdf(), "Bando.pdf")  # the same name twice
        message = post_message(get_room("plenary"), person, "The tender", "t1")
        files.attach_files(person, [tender.id], get_message(message.id))
        photo_bytes = b"".join(files.read_bytes(photo, "original"))
    login(client, elena)

    response = client.get("/account/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    data = json.loads(archive.read("my-data.json"))
    assert data["account"]["email"] == "elena@example.org"
    listed = {file["name"]: file for file in data["files"] if file["id"] != 3}
    assert listed["Tetto.jpg"]["attached_to"] is None
    assert listed["Bando.pdf"]["attached_to"] == {"type": "message", "id": message.id}
    paths = [file["path"] for file in data["files"]]
    assert sorted(archive.namelist()) == sorted(["my-data.json", *paths])
    assert len(set(paths)) == 3
    assert archive.read(listed["Tetto.jpg"]["path"]) == photo_bytes
    assert archive.read(listed["Bando.pdf"]["path"]) == samples.pdf()

    # The JSON download still works, and lists the same files without their bytes.
    alone = json.loads(client.get("/account/export.json").get_data(as_text=True))
    assert [file["path"] for file in alone["files"]] == paths


def test_the_account_page_offers_both_downloads(client, login, elena):
    login(client, elena)
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/export.zip"' in page and 'href="/account/export.json"' in page


def test_nobody_can_register_the_address_a_deletion_will_use(app, client, elena, make_user):
    with app.app_context():
        for address in (
            f"deleted-{elena.id}@deleted.invalid",
            f"deleted-{elena.id + 1}@DELETED.INVALID",
            "anna@example.invalid",
        ):
            with pytest.raises(Invalid):
                services.register(email=address, name="Squatter", password="blue mountain river")
            with pytest.raises(Invalid):
                services.create_user(email=address, name="Squatter", password="blue mountain river")


def test_deleting_accounts_never_fails_and_frees_every_real_address(app_ctx, elena, make_user):
    """Each deleted account holds its own unguessable placeholder; the real address is free."""
    other = make_user(Role.ATTENDEE, email="piotr@example.org")
    privacy.delete_account(db.session.get(User, elena.id), PASSWORD)
    privacy.delete_account(db.session.get(User, other.id), PASSWORD)
    placeholders = [db.session.get(User, person.id).email for person in (elena, other)]
    assert len(set(placeholders)) == 2
    for placeholder in placeholders:
        assert placeholder.endswith("@deleted.invalid")
        assert placeholder != f"deleted-{elena.id}@deleted.invalid"  # not predictable
        assert not services.is_deliverable_email(placeholder)
    again = services.register(
        email="elena@example.org", name="Elena Conti", password="blue mountain river"
    )
    assert again.id != elena.id


def test_the_export_holds_the_questions_asked_and_voted_for(client, login, connect, elena):
    other = connect(elena)
    ack = other.emit(
        "question_ask",
        {"room": "funding", "body": "Who co-financed it?", "client_id": "export-q"},
        callback=True,
    )
    assert other.emit("question_vote", {"question_id": ack["question"]["id"]}, callback=True)["ok"]
    login(client, elena)
    data = json.loads(client.get("/account/export.json").get_data(as_text=True))
    assert [q["body"] for q in data["questions"]["asked"]] == ["Who co-financed it?"]
    assert data["questions"]["voted_for"] == [ack["question"]["id"]]


def test_the_export_holds_the_answers_written_and_deletion_keeps_them_as_questions(
    app, client, login, connect, make_user
):
    # A moderator writes answers; after deleting the account they stay, as questions
    # asked do, under "Deleted user".
    mod = make_user(Role.MODERATOR, name="Maria Rossi", email="maria@example.org")
    asker = connect(make_user(Role.ATTENDEE, name="Anna"))
    question = asker.emit(
        "question_ask",
        {"room": "funding", "body": "Who co-financed it?", "client_id": "answer-q"},
        callback=True,
    )["question"]
    answered = connect(mod).emit(
        "question_moderate",
        {"question_id": question["id"], "action": "answer", "answer": "The region did."},
        callback=True,
    )
    assert answered["ok"], answered
    login(client, mod)
    data = json.loads(client.get("/account/export.json").get_data(as_text=True))
    assert [(a["question_id"], a["room"], a["answer"]) for a in data["questions"]["answered"]] == [
        (question["id"], "funding", "The region did.")
    ]
    assert data["questions"]["answered"][0]["answered_at"].endswith("Z")
    with app.app_context():
        privacy.delete_account(db.session.get(User, mod.id), PASSWORD)
    reader = app.test_client()
    login(reader, make_user(Role.ATTENDEE, name="Reader"))
    shown = reader.get("/api/rooms/funding/questions").get_json()["questions"]
    assert [(q["answer_body"], q["answer"]["author"]["name"]) for q in shown] == [
        ("The region did.", "Deleted user")
    ]


def test_the_export_holds_the_polls_voted_in_but_no_anonymous_choice(
    client, login, connect, make_user, elena
):
    mod = connect(make_user(Role.MODERATOR))
    opened = [
        mod.emit(
            "poll_open",
            {
                "room": "funding",
                "question": f"{kind}?",
                "options": ["Yes", "No"],
                "anonymous": kind == "Secret",
                "client_id": kind,
            },
            callback=True,
        )["poll"]
        for kind in ("Named", "Secret")
    ]
    voter = connect(elena)
    for poll in opened:
        ack = voter.emit(
            "poll_vote",
            {"poll_id": poll["id"], "option_ids": [poll["options"][1]["id"]]},
            callback=True,
        )
        assert ack["ok"], ack
    login(client, elena)
    data = json.loads(client.get("/account/export.json").get_data(as_text=True))
    assert data["polls"]["opened"] == []
    assert [(v["question"], v["chosen"]) for v in data["polls"]["voted_in"]] == [
        ("Named?", ["No"]),
        ("Secret?", None),
    ]
