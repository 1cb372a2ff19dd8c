"""People who may write to each other, and a conversation between two of them."""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.conversations import services
from exchange.extensions import db


@pytest.fixture
def listed_user(app, make_user):
    """A person listed in the directory (whom delegates may write to)."""

    def make(role=Role.DELEGATE, **fields):
        user = make_user(role, **fields)
        with app.app_context():
            stored = db.session.get(User, user.id)
            stored.listed = True
            db.session.commit()
        user.listed = True
        return user

    return make


@pytest.fixture
def elena(listed_user):
    return listed_user(Role.DELEGATE, name="Elena", administration="campi-bisenzio")


@pytest.fixture
def salvatore(listed_user):
    return listed_user(Role.DELEGATE, name="Salvatore", administration="ferla")


@pytest.fixture
def outsider(listed_user):
    return listed_user(Role.DELEGATE, name="Outsider", administration="ferla")


@pytest.fixture
def anna(listed_user):
    """An attendee, listed in the directory."""
    return listed_user(Role.ATTENDEE, name="Anna")


@pytest.fixture
def allow_attendees(app):
    """Let attendees write to these people ("Attendees may send me messages")."""

    def allow(*people):
        with app.app_context():
            for person in people:
                db.session.get(User, person.id).attendees_may_message = True
            db.session.commit()

    return allow


@pytest.fixture
def moderator(make_user):
    return make_user(Role.MODERATOR, name="Mod")


@pytest.fixture
def conversation(app, elena, salvatore):
    """The slug of Elena's conversation with Salvatore."""
    with app.app_context():
        room, _created = services.start_conversation(db.session.get(User, elena.id), [salvatore.id])
        return room.slug


def events_named(connection, name):
    """Payloads of the events ``name`` received since the last look."""
    packets = [packet for packet in connection.get_received() if packet["name"] == name]
    return [p["args"] if name == "message" else p["args"][0] for p in packets]
