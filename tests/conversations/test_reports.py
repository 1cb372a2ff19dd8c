"""Reporting a message of a conversation: what moderators may then see and do, and the trail."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from exchange import permissions
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import NotFound
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.moderation.models import AuditAction
from exchange.moderation.models import AuditEntry
from exchange.moderation.models import Report
from exchange.moderation.models import ReportState
from exchange.permissions import Action
from exchange.rooms import services as rooms
from exchange.rooms.models import Message

from ..support.live import csrf_token


@pytest.fixture
def thread(app, conversation, elena, salvatore):
    """Ten messages of the conversation, alternating authors; their ids in order."""
    with app.app_context():
        people = [db.session.get(User, elena.id), db.session.get(User, salvatore.id)]
        room = get_room(conversation, people[0])
        return [
            rooms.post_message(room, people[n % 2], f"line {n}", f"line-{n}").id for n in range(10)
        ]


@pytest.fixture
def report(app, thread, elena):
    """Elena's report of Salvatore's message "line 5"; the report's id."""
    with app.app_context():
        message = rooms.get_message(thread[5])
        return moderation.report_message(message, db.session.get(User, elena.id), "rude").id


@pytest.fixture
def signed_in(app, login):
    def client_of(user):
        client = app.test_client()
        login(client, user)
        return client

    return client_of


def _audit_rows(app, action=AuditAction.READ_CONTEXT):
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


# --- the permission table -------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ORGANIZER])
def test_staff_may_act_on_a_reported_message_of_a_conversation_only(
    app, make_user, thread, report, role
):
    staff = make_user(role)
    with app.app_context():
        reader = db.session.get(User, staff.id)
        reported = rooms.get_message(thread[5])
        unreported = rooms.get_message(thread[4])
        for action in (Action.REVIEW_REPORTS, Action.HIDE_MESSAGE, Action.RESTORE_MESSAGE):
            assert permissions.can(reader, action, reported)
            assert not permissions.can(reader, action, unreported)
            with pytest.raises(NotFound):
                permissions.check(reader, action, unreported)
        for action in (Action.JOIN_ROOM, Action.REACT, Action.REPORT_CONTENT, Action.EDIT_MESSAGE):
            with pytest.raises(NotFound):
                permissions.check(reader, action, reported)
        with pytest.raises(NotFound):
            permissions.check(reader, Action.JOIN_ROOM, reported.room)
        with pytest.raises(NotFound):
            get_room(reported.room.slug, reader)


def test_a_member_who_is_not_staff_gains_nothing_from_a_report(app, outsider, thread, report):
    with app.app_context():
        reader = db.session.get(User, outsider.id)
        with pytest.raises(NotFound):
            permissions.check(reader, Action.HIDE_MESSAGE, rooms.get_message(thread[5]))


# --- the services ---------------------------------------------------------------


def test_a_moderator_hides_a_reported_message_and_restores_it(app, moderator, thread, report):
    with app.app_context():
        actor = db.session.get(User, moderator.id)
        message = moderation.hide_message(rooms.get_message(thread[5]), actor, "rude")
        assert message.is_hidden
        assert db.session.get(Report, report).state is ReportState.HIDDEN
        # The report is settled, and still lets the hide be undone.
        assert not moderation.restore_message(rooms.get_message(thread[5]), actor).is_hidden


def test_a_moderator_dismisses_the_reports_of_a_conversation_message(
    app, moderator, thread, report
):
    with app.app_context():
        actor = db.session.get(User, moderator.id)
        assert moderation.dismiss_reports(rooms.get_message(thread[5]), actor, "fine") == 1
        assert db.session.get(Report, report).state is ReportState.DISMISSED
        assert not db.session.get(Message, thread[5]).is_hidden


def test_an_unreported_message_of_the_same_conversation_stays_out_of_reach(
    app, moderator, thread, report
):
    with app.app_context():
        actor = db.session.get(User, moderator.id)
        with pytest.raises(NotFound):
            moderation.hide_message(rooms.get_message(thread[4]), actor, "nosy")
        with pytest.raises(NotFound):
            moderation.dismiss_reports(rooms.get_message(thread[4]), actor, "nosy")
        assert not db.session.get(Message, thread[4]).is_hidden


def test_the_context_is_the_reported_message_and_three_on_each_side(app, moderator, thread, report):
    with app.app_context():
        context = moderation.report_context(
            moderation.get_report(report), db.session.get(User, moderator.id)
        )
        assert [m.id for m in context.before] == thread[2:5]
        assert context.message.id == thread[5]
        assert [m.id for m in context.after] == thread[6:9]


def test_the_context_near_the_start_shows_what_there_is(app, moderator, elena, thread):
    with app.app_context():
        first = moderation.report_message(
            rooms.get_message(thread[1]), db.session.get(User, elena.id), "rude"
        )
        context = moderation.report_context(first, db.session.get(User, moderator.id))
        assert [m.id for m in context.before] == thread[:1]
        assert [m.id for m in context.after] == thread[2:5]


def test_the_context_includes_hidden_messages(app, moderator, elena, thread, report):
    with app.app_context():
        author = db.session.get(User, elena.id)
        moderation.hide_message(rooms.get_message(thread[4]), author, None)  # withdrawn
        context = moderation.report_context(
            moderation.get_report(report), db.session.get(User, moderator.id)
        )
        assert thread[4] in [m.id for m in context.before]


def test_each_reading_of_the_context_writes_one_audit_row(app, moderator, thread, report):
    with app.app_context():
        reader = db.session.get(User, moderator.id)
        moderation.report_context(moderation.get_report(report), reader)
        moderation.report_context(moderation.get_report(report), reader)
    rows = _audit_rows(app)
    assert len(rows) == 2
    assert {(row.actor_id, row.target_type, row.target_id) for row in rows} == {
        (moderator.id, "message", thread[5])
    }
    assert rows[0].details == {"report": report, "messages": 7}


# --- the page -------------------------------------------------------------------


def test_the_context_page_shows_exactly_seven_messages(signed_in, app, moderator, thread, report):
    page = signed_in(moderator).get(f"/moderation/reports/{report}/context")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('id="context-message-') == 7
    shown = [int(n) for n in re.findall(r"line (\d)\b", html)]
    assert shown == [2, 3, 4, 5, 6, 7, 8]
    assert f"/rooms/{get_room_slug(app, thread)}" not in html  # no way into the conversation
    assert len(_audit_rows(app)) == 1


def get_room_slug(app, thread):
    with app.app_context():
        return db.session.get(Message, thread[0]).room.slug


@pytest.mark.parametrize("who", ["elena", "outsider", "attendee"])
def test_others_cannot_open_the_context(signed_in, app, make_user, request, report, who):
    person = make_user(Role.ATTENDEE) if who == "attendee" else request.getfixturevalue(who)
    response = signed_in(person).get(f"/moderation/reports/{report}/context")
    assert response.status_code == 403
    assert _audit_rows(app) == []


def test_an_anonymous_visitor_is_sent_to_sign_in(client, app, report):
    response = client.get(f"/moderation/reports/{report}/context")
    assert response.status_code in {302, 401}
    assert _audit_rows(app) == []


def test_an_unknown_report_is_not_found(signed_in, moderator):
    assert signed_in(moderator).get("/moderation/reports/999999/context").status_code == 404
    assert signed_in(moderator).get(f"/moderation/reports/{2**63}/context").status_code == 404


def test_the_queue_links_a_conversation_message_to_its_context(signed_in, moderator, report):
    html = signed_in(moderator).get("/moderation").get_data(as_text=True)
    assert f"/moderation/reports/{report}/context" in html
    assert "/rooms/dm-" not in html


def test_hide_and_dismiss_work_from_the_context_page(signed_in, app, moderator, thread, report):
    client = signed_in(moderator)
    token = csrf_token(client.get(f"/moderation/reports/{report}/context").get_data(as_text=True))
    hidden = client.post(
        f"/moderation/messages/{thread[5]}/hide", data={"csrf_token": token, "reason": "rude"}
    )
    assert hidden.status_code == 302
    with app.app_context():
        assert db.session.get(Message, thread[5]).is_hidden
    restored = client.post(f"/moderation/messages/{thread[5]}/restore", data={"csrf_token": token})
    assert restored.status_code == 302
    with app.app_context():
        assert not db.session.get(Message, thread[5]).is_hidden


def test_the_log_shows_the_reading(signed_in, app, moderator, report):
    client = signed_in(moderator)
    client.get(f"/moderation/reports/{report}/context")
    html = client.get("/moderation/log?action=read_context").get_data(as_text=True)
    assert "Reported conversation read" in html
