"""Moderating best practices: hidden ones leave every list, search, answer and e-book."""

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import Invalid
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.extensions import socketio
from exchange.moderation import services as moderation
from exchange.moderation.models import AuditEntry
from exchange.moderation.models import Notice
from exchange.moderation.models import Report
from exchange.moderation.models import ReportState
from exchange.practices import search
from exchange.practices import services as practices
from exchange.rooms import services as rooms

from ..support.live import csrf_token


@pytest.fixture
def people(make_user):
    return {
        "writer": make_user(Role.DELEGATE, name="Writer", administration="ferla"),
        "reader": make_user(Role.DELEGATE, name="Reader", administration="aprilia"),
        "moderator": make_user(Role.MODERATOR, name="Marco"),
    }


@pytest.fixture
def practice_id(people, write):
    return write(people["writer"], published=True, title="Solar roofs on schools").id


def hide(app, practice_id, people, reason="Copied from elsewhere"):
    with app.app_context():
        moderation.hide_practice(
            practices.get_practice(practice_id),
            db.session.get(User, people["moderator"].id),
            reason,
        )


def test_a_hidden_practice_leaves_lists_search_api_and_ebook(app, client, practice_id, people):
    assert client.get(f"/api/practices/{practice_id}").status_code == 200
    hide(app, practice_id, people)
    with app.app_context():
        assert search.search(search.PracticeQuery()).practices == []
        assert search.search(search.PracticeQuery(text="solar")).total == 0
        assert practices.ebook_chapters() == []
    assert client.get(f"/api/practices/{practice_id}").status_code == 404
    assert client.get(f"/practices/{practice_id}-solar-roofs-on-schools").status_code == 404
    assert "Solar roofs" not in client.get("/practices?q=solar").get_data(as_text=True)
    assert client.get("/api/practices?q=solar").get_json()["practices"] == []


def test_moderators_still_see_it_with_why_and_can_restore_it(
    app, client, login, practice_id, people
):
    hide(app, practice_id, people, "Not a real practice")
    login(client, people["moderator"])
    page = client.get(f"/practices/{practice_id}-solar-roofs-on-schools").get_data(as_text=True)
    assert "Hidden by Marco: Not a real practice" in page
    token = csrf_token(page)
    response = client.post(
        f"/moderation/practices/{practice_id}/restore",
        data={"csrf_token": token, "next": f"/practices/{practice_id}"},
    )
    assert response.status_code == 302
    assert client.get(f"/api/practices/{practice_id}").status_code == 200
    with app.app_context():
        actions = [e.action.value for e in db.session.scalars(sa.select(AuditEntry))]
    assert actions == ["hide", "restore"]


def test_the_writer_is_told_and_cannot_edit_it_meanwhile(app, client, login, practice_id, people):
    hide(app, practice_id, people, "Wrong figures")
    with app.app_context():
        notice = db.session.scalars(sa.select(Notice)).one()
    assert notice.user_id == people["writer"].id and notice.data["reason"] == "Wrong figures"
    login(client, people["writer"])
    assert "Wrong figures" in client.get("/").get_data(as_text=True)
    assert client.get(f"/practices/{practice_id}/edit").status_code == 404


def test_reports_of_a_practice_are_one_per_person_and_queued(
    app, client, login, practice_id, people
):
    login(client, people["reader"])
    page = client.get(f"/practices/{practice_id}-solar-roofs-on-schools").get_data(as_text=True)
    assert "Report this practice" in page
    for _ in range(2):
        client.post(
            f"/practices/{practice_id}/report",
            data={"csrf_token": csrf_token(page), "reason": "Advertising"},
        )
    with app.app_context():
        [group] = moderation.open_reports(db.session.get(User, people["moderator"].id))
        assert group.practice.id == practice_id and len(group.reports) == 1
        with pytest.raises(Invalid, match="your own practice"):
            moderation.report_practice(
                practices.get_practice(practice_id),
                db.session.get(User, people["writer"].id),
                "mine",
            )
    staff = app.test_client()
    login(staff, people["moderator"])
    queue = staff.get("/moderation").get_data(as_text=True)
    assert "Best practice" in queue and "Solar roofs on schools" in queue and "Advertising" in queue
    staff.post(
        f"/moderation/practices/{practice_id}/hide",
        data={"csrf_token": csrf_token(queue), "reason": "Advertising"},
    )
    with app.app_context():
        assert moderation.open_reports(db.session.get(User, people["moderator"].id)) == []
        assert db.session.scalars(sa.select(Report.state)).one() is ReportState.HIDDEN


def test_messages_no_longer_link_a_hidden_practice(app, connect, practice_id, people):
    with app.app_context():
        message = rooms.post_message(
            get_room("renewable-energy"),
            db.session.get(User, people["writer"].id),
            "Read this",
            "link-1",
            practice=practices.get_practice(practice_id),
        )
        message_id = message.id
    hide(app, practice_id, people)
    reader = connect(people["reader"])
    history = reader.emit("join", {"room": "renewable-energy"}, callback=True)["messages"]
    assert [(m["id"], m["practice"]) for m in history] == [(message_id, None)]
    staff = connect(people["moderator"])  # a card is no help to moderating the room
    history = staff.emit("join", {"room": "renewable-energy"}, callback=True)["messages"]
    assert history[0]["practice"] is None


def test_open_library_pages_hear_that_a_practice_was_hidden(app, practice_id, people):
    listener = socketio.test_client(app, namespace="/library")  # anyone, signed in or not
    assert listener.is_connected(namespace="/library")
    hide(app, practice_id, people)
    received = listener.get_received(namespace="/library")
    assert [(p["name"], p["args"][0]) for p in received] == [
        ("practice_hidden", {"id": practice_id})
    ]
