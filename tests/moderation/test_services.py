"""Rules of moderation: content is hidden, never deleted, and every act is on record."""

import hashlib

import pytest
import sqlalchemy as sa

from exchange import permissions
from exchange.accounts import services as accounts
from exchange.accounts.models import LoginSession
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import Forbidden
from exchange.errors import Invalid
from exchange.errors import Muted
from exchange.errors import NotFound
from exchange.errors import RateLimited
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services
from exchange.moderation.models import AuditAction
from exchange.moderation.models import AuditEntry
from exchange.moderation.models import ModerationChange
from exchange.moderation.models import Notice
from exchange.moderation.models import Report
from exchange.moderation.models import ReportState
from exchange.rooms import services as rooms
from exchange.rooms.models import Message

from ..conftest import PASSWORD
from ..csv_checks import assert_safe_for_spreadsheets


@pytest.fixture
def people(app_ctx, make_user):
    def fresh(user):
        return db.session.get(User, user.id)

    return {
        "elena": fresh(make_user(Role.DELEGATE, name="Elena")),
        "salvatore": fresh(make_user(Role.DELEGATE, name="Salvatore", administration="ferla")),
        "anna": fresh(make_user(Role.ATTENDEE, name="Anna")),
        "marco": fresh(make_user(Role.MODERATOR, name="Marco")),
        "mira": fresh(make_user(Role.MODERATOR, name="Mira")),
        "giulia": fresh(make_user(Role.ORGANIZER, name="Giulia")),
    }


def post(author, body="hello", room="plenary"):
    client_id = hashlib.sha1(f"{author.id}:{body}".encode()).hexdigest()
    return rooms.post_message(get_room(room), author, body, client_id)


def audit_actions():
    return [
        entry.action for entry in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
    ]


def test_a_hidden_message_stays_in_the_database_and_leaves_every_listing(people):
    message = post(people["elena"], "rude words")
    services.hide_message(message, people["marco"], "Please keep it civil")
    stored = db.session.get(Message, message.id)
    assert stored.body == "rude words"  # evidence kept
    assert (
        stored.hidden_by_id == people["marco"].id and stored.hidden_reason == "Please keep it civil"
    )
    room = get_room("plenary")
    assert rooms.history(room).messages == []
    assert rooms.history(room, after=0).messages == []
    assert rooms.history(room, people["elena"]).messages == []
    moderator_view = rooms.history(room, people["marco"]).messages
    assert [m.id for m in moderator_view] == [message.id]
    assert audit_actions() == [AuditAction.HIDE]


def test_the_author_of_hidden_content_is_told_why(people):
    message = post(people["elena"], "an off-topic rant")
    services.hide_message(message, people["marco"], "Off topic")
    notice = db.session.scalars(sa.select(Notice).where(Notice.user_id == people["elena"].id)).one()
    assert notice.kind == "message_hidden"
    assert notice.data == {"room": "plenary", "excerpt": "an off-topic rant", "reason": "Off topic"}


def test_moderators_must_give_a_reason(people):
    message = post(people["elena"])
    with pytest.raises(Invalid, match="reason"):
        services.hide_message(message, people["marco"], "  ")


def test_an_author_may_withdraw_their_own_message_and_it_is_recorded_as_such(people):
    message = post(people["elena"], "oops, wrong room")
    services.hide_message(message, people["elena"], None)
    assert db.session.get(Message, message.id).hidden_by_author is True
    assert audit_actions() == [AuditAction.DELETE_OWN]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == 0
    with pytest.raises(Forbidden, match="withdrew"):
        services.restore_message(message, people["marco"])


def test_restore_brings_a_message_back_and_both_changes_are_ordered(people):
    message = post(people["elena"])
    services.hide_message(message, people["marco"], "mistake?")
    services.restore_message(message, people["marco"])
    assert [m.id for m in rooms.history(get_room("plenary")).messages] == [message.id]
    changes = list(db.session.scalars(sa.select(ModerationChange).order_by(ModerationChange.id)))
    assert [c.hidden for c in changes] == [True, False]
    latest = rooms.moderation_changes(get_room("plenary"), after=0)
    assert [(c.message_id, c.hidden) for c in latest] == [(message.id, False)]
    assert audit_actions() == [AuditAction.HIDE, AuditAction.RESTORE]


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        ("marco", "elena", True),
        ("marco", "mira", False),  # moderators do not act against moderators
        ("marco", "giulia", False),  # nor against organizers
        ("giulia", "marco", True),
        ("giulia", "giulia", False),  # nobody acts against themselves
    ],
)
def test_who_may_act_against_whom(people, actor, target, allowed):
    if allowed:
        permissions.check_can_act_on(people[actor], people[target])
    else:
        with pytest.raises(Forbidden):
            permissions.check_can_act_on(people[actor], people[target])


def test_a_moderator_cannot_hide_an_organizers_message(people):
    message = post(people["giulia"], "welcome everyone")
    with pytest.raises(Forbidden):
        services.hide_message(message, people["marco"], "no")


def test_all_messages_of_a_spammer_go_in_one_act(people):
    for number in range(5):
        post(people["salvatore"], f"buy now {number}", room=["plenary", "funding"][number % 2])
    keep = post(people["elena"], "a real message")
    assert services.hide_all_messages_of(people["salvatore"], people["marco"], "spam") == 5
    assert [m.id for m in rooms.history(get_room("plenary")).messages] == [keep.id]
    assert rooms.history(get_room("funding")).messages == []
    assert audit_actions() == [AuditAction.HIDE] * 5
    assert services.hide_all_messages_of(people["salvatore"], people["marco"], "spam") == 0


def test_reporting_twice_is_one_report_and_the_queue_groups_by_message(people):
    message = post(people["elena"], "questionable")
    first = services.report_message(message, people["anna"], "insulting")
    again = services.report_message(message, people["anna"], "really insulting")
    assert again.id == first.id
    services.report_message(message, people["salvatore"], "off topic")
    [group] = services.open_reports(people["marco"])
    assert group.message.id == message.id
    assert [r.reason for r in group.reports] == ["insulting", "off topic"]
    with pytest.raises(Invalid):
        services.report_message(message, people["elena"], "my own")


def test_hiding_resolves_the_reports_and_dismissing_keeps_the_message(people):
    hidden = post(people["elena"], "one")
    kept = post(people["elena"], "two")
    services.report_message(hidden, people["anna"], "bad")
    services.report_message(kept, people["anna"], "bad too")
    services.hide_message(hidden, people["marco"], "agreed")
    assert services.dismiss_reports(kept, people["marco"], "fine as it is") == 1
    assert services.open_reports(people["marco"]) == []
    states = {r.message_id: r.state for r in db.session.scalars(sa.select(Report))}
    assert states == {hidden.id: ReportState.HIDDEN, kept.id: ReportState.DISMISSED}
    assert [m.id for m in rooms.history(get_room("plenary")).messages] == [kept.id]
    with pytest.raises(NotFound):
        services.dismiss_reports(kept, people["marco"])
    assert audit_actions() == [AuditAction.HIDE, AuditAction.DISMISS]


def test_a_muted_person_cannot_post_until_the_mute_ends(people):
    elena = people["elena"]
    services.mute(elena, people["marco"], 30, "Cooling off")
    with pytest.raises(Muted) as raised:
        post(elena, "let me speak")
    assert raised.value.details["until"].endswith("Z")
    assert "Cooling off" in str(raised.value.message)
    services.unmute(elena, people["marco"])
    assert post(elena, "thank you").id
    assert audit_actions() == [AuditAction.MUTE, AuditAction.UNMUTE]


def test_a_mute_does_not_refuse_a_retry_of_a_message_already_stored(people):
    elena = people["elena"]
    stored = post(elena, "sent just before")
    services.mute(elena, people["marco"], 30, "Cooling off")
    assert post(elena, "sent just before").id == stored.id


def test_a_ban_ends_every_session_and_refuses_sign_in_with_the_reason(people):
    elena = people["elena"]
    login = accounts.start_login_session(elena)
    services.ban(elena, people["marco"], "Repeated insults")
    assert accounts.user_for_token(login.token) is None
    db.session.expire_all()  # read what the database now holds
    assert db.session.get(LoginSession, login.id).revoked_at is not None
    with pytest.raises(Forbidden, match="suspended by the moderators: Repeated insults"):
        accounts.sign_in(elena.email, PASSWORD, "127.0.0.1")
    services.unban(elena, people["marco"], "Apologised")
    assert accounts.sign_in(elena.email, PASSWORD, "127.0.0.1").id == elena.id
    assert audit_actions() == [AuditAction.BAN, AuditAction.UNBAN]


def test_slow_mode_spaces_out_each_persons_messages_but_not_the_moderators(people):
    room = get_room("energy-communities")
    services.set_slow_mode(room, 60, people["marco"], "Busy discussion")
    post(people["elena"], "first", room="energy-communities")
    with pytest.raises(RateLimited) as raised:
        post(people["elena"], "second", room="energy-communities")
    assert 55 <= raised.value.details["retry_after"] <= 60
    post(people["salvatore"], "mine", room="energy-communities")  # per person
    post(people["marco"], "one", room="energy-communities")
    post(people["marco"], "two", room="energy-communities")
    services.set_slow_mode(room, 0, people["marco"])
    post(people["elena"], "second", room="energy-communities")
    assert audit_actions() == [AuditAction.SLOW_MODE, AuditAction.SLOW_MODE]


def test_roles_change_on_record_and_organizers_come_only_from_the_command_line(people):
    anna = people["anna"]
    services.set_role(anna, Role.MODERATOR, people["giulia"], "Volunteered")
    assert anna.role is Role.MODERATOR
    with pytest.raises(Invalid, match="administration"):
        services.set_role(anna, Role.DELEGATE, people["giulia"])
    with pytest.raises(Forbidden):
        services.set_role(anna, Role.ORGANIZER, people["giulia"])
    services.set_role(anna, Role.ORGANIZER, None, "Promoted on the command line")
    [first, second] = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
    assert first.details == {"previous": "attendee", "role": "moderator"}
    assert second.actor_id is None


def test_the_audit_log_cannot_be_changed_or_deleted(people):
    services.mute(people["elena"], people["marco"], 5, "test")
    entry = db.session.scalars(sa.select(AuditEntry)).one()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.update(AuditEntry).values(reason="rewritten"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == entry.id))
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).reason == "test"


def test_the_csv_export_is_complete_and_safe_for_spreadsheets(people, make_user):
    anna = db.session.get(User, make_user(Role.MODERATOR, name="Anna;=cmd|' /C calc'!A0").id)
    services.mute(people["elena"], anna, 5, '=HYPERLINK("http://evil")')
    services.ban(people["salvatore"], people["marco"], "spam, -2+3;@SUM(A1)")
    text = "".join(services.audit_csv(people["marco"], services.AuditFilter()))
    rows = assert_safe_for_spreadsheets(text)
    assert rows[0][:3] == ["id", "time_utc", "actor"]
    assert len(rows) == 3
    assert rows[1][2] == "Anna;'=cmd|' /C calc'!A0"
    assert rows[1][8] == '\'=HYPERLINK("http://evil")'
    assert rows[2][8] == "spam, '-2+3;'@SUM(A1)"
    only_bans = "".join(
        services.audit_csv(people["marco"], services.AuditFilter(action=AuditAction.BAN))
    )
    assert len(only_bans.strip().splitlines()) == 2
