"""The permission table: one place in code, shown in the docs, enforced everywhere."""

from pathlib import Path

import pytest

from exchange.accounts.models import Role
from exchange.permissions import PERMISSIONS, Action, can, permission_table

DOCS = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"

#: HTTP routes that change state but are open to anyone on purpose.
PUBLIC_STATE_CHANGES = {
    "accounts.login",
    "accounts.logout",
    "accounts.register",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.set_language",
    "about.accessibility",
}


def test_documentation_shows_the_table_of_the_code():
    assert permission_table() in DOCS.read_text(encoding="utf-8")


def test_every_action_has_a_rule():
    assert set(PERMISSIONS) == set(Action)


@pytest.mark.parametrize("role", list(Role))
def test_only_delegates_and_staff_send_messages(role):
    class Person:
        is_authenticated = True

    person = Person()
    person.role = role
    assert can(person, Action.SEND_MESSAGE) == (role is not Role.ATTENDEE)


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
