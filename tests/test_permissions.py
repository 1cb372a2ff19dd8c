"""The permission table: one place in code, shown in the docs, enforced everywhere."""

import datetime as dt
from pathlib import Path

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import Forbidden
from exchange.event.models import Room
from exchange.event.models import RoomKind
from exchange.event.models import RoomMember
from exchange.permissions import Action
from exchange.permissions import can
from exchange.permissions import check_can_act_on
from exchange.permissions import NEEDS_CONFIRMED_ADDRESS
from exchange.permissions import permission_table
from exchange.permissions import PERMISSIONS

DOCS = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"

#: HTTP routes that change state but are open to anyone on purpose.
PUBLIC_STATE_CHANGES = {
    "accounts.login",
    "accounts.logout",
    "accounts.register",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.confirm_email",
    "accounts.set_language",
    "about.accessibility",
    "announcements.dismiss",
    "notifications.unsubscribe",  # the mailed link is the authority
}


def test_documentation_shows_the_table_of_the_code():
    assert permission_table() in DOCS.read_text(encoding="utf-8")


def test_every_action_has_a_rule():
    assert set(PERMISSIONS) == set(Action)


@pytest.mark.parametrize("role", list(Role))
def test_attendees_send_messages_in_their_own_conversations_only(role):
    confirmed = User(id=1, role=role, email_verified_at=dt.datetime.now(dt.UTC))
    themed = Room(kind=RoomKind.PUBLIC)
    mine = Room(kind=RoomKind.DIRECT, members=[RoomMember(user_id=1), RoomMember(user_id=2)])
    others = Room(kind=RoomKind.DIRECT, members=[RoomMember(user_id=2), RoomMember(user_id=3)])
    assert can(confirmed, Action.SEND_MESSAGE, themed) == (role is not Role.ATTENDEE)
    assert can(confirmed, Action.SEND_MESSAGE, mine)
    assert not can(confirmed, Action.SEND_MESSAGE, others)


@pytest.mark.parametrize("role", list(Role))
def test_nobody_writes_before_confirming_their_address_but_everyone_reads(role):
    unconfirmed = User(role=role, email_verified_at=None)
    assert not any(can(unconfirmed, action) for action in NEEDS_CONFIRMED_ADDRESS)
    assert can(unconfirmed, Action.JOIN_ROOM) and can(unconfirmed, Action.MANAGE_OWN_ACCOUNT)


@pytest.mark.parametrize("role", list(Role))
def test_only_moderators_and_organizers_see_hidden_content_and_skip_slow_mode(role):
    staff = role in {Role.MODERATOR, Role.ORGANIZER}
    assert can(User(role=role), Action.SEE_HIDDEN_CONTENT) is staff
    assert can(User(role=role), Action.SKIP_SLOW_MODE) is staff


@pytest.mark.parametrize(
    ("actor", "target", "refusal"),
    [
        (Role.MODERATOR, Role.DELEGATE, None),
        (Role.MODERATOR, Role.MODERATOR, "Only organizers can act against a moderator."),
        (Role.MODERATOR, Role.ORGANIZER, "Nobody can act against an organizer here."),
        (Role.ORGANIZER, Role.MODERATOR, None),
    ],
)
def test_who_may_act_on_whom_is_decided_by_the_table(app, actor, target, refusal):
    with app.app_context():
        acting, acted_on = User(id=1, role=actor), User(id=2, role=target)
        if refusal is None:
            check_can_act_on(acting, acted_on)
            check_can_act_on(None, acted_on)  # the command line
        else:
            with pytest.raises(Forbidden) as refused:
                check_can_act_on(acting, acted_on)
            assert str(refused.value.message) == refusal


def test_anonymous_people_can_do_nothing_listed():
    class Anonymous:
        is_authenticated = False

    assert not any(can(Anonymous(), action) for action in Action)


def test_every_state_changing_route_names_its_permission(app):
    for rule in app.url_map.iter_rules():
        if not rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            continue
        if rule.endpoint in PUBLIC_STATE_CHANGES:
            continue
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "required_action", None) in set(Action), rule.endpoint


def test_every_socket_event_names_its_permission(app):
    from exchange.extensions import socketio

    handlers = socketio.server.handlers["/"]
    for event, handler in handlers.items():
        if event in {"connect", "disconnect"}:
            continue  # connect refuses anonymous people itself
        if event == "*":
            continue  # events we do not have: answered not_found to anyone, doing nothing
        original = getattr(handler, "__wrapped__", handler)
        assert hasattr(handler, "required_action") or hasattr(original, "required_action"), event
