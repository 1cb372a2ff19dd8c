"""Every Socket.IO event and every state-changing route, as each kind of person.

The expected outcome of each pair is written out: nothing is allowed by
accident, nothing allowed is refused, and nothing ends in a server error.
docs/permissions.md is the same table in words.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from exchange.accounts import services as accounts
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.agenda import archive
from exchange.agenda.models import AgendaSession
from exchange.announcements import services as announcements
from exchange.conversations import services as conversations
from exchange.db import utcnow
from exchange.errors import ExchangeError
from exchange.event.services import get_administration
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.files import services as files
from exchange.files.models import StoredFile
from exchange.moderation import services as moderation
from exchange.moderation.models import Report
from exchange.people import services as people
from exchange.polls import services as polls
from exchange.practices import attachments as practice_files
from exchange.practices import services as practices
from exchange.questions import services as questions
from exchange.rooms import services as rooms

from ..conftest import PASSWORD
from ..support import files as samples
from ..support.live import csrf_token

#: "blocked" is a delegate whom the person they write to blocked (see _listed_delegate).
ACTORS = [
    "anonymous",
    "attendee",
    "delegate",
    "blocked",
    "muted",
    "banned",
    "moderator",
    "organizer",
]
_numbers = itertools.count(1)


class World:
    """The people of one test, plus a factory of fresh targets to act on."""

    def __init__(self, app: Any) -> None:
        self.app = app
        with app.app_context():
            self.boss = self._user(Role.ORGANIZER, "boss")
            self.actors: dict[str, User | None] = {"anonymous": None}
            for name, role in [
                ("attendee", Role.ATTENDEE),
                ("delegate", Role.DELEGATE),
                ("blocked", Role.DELEGATE),
                ("muted", Role.DELEGATE),
                ("banned", Role.DELEGATE),
                ("moderator", Role.MODERATOR),
                ("organizer", Role.ORGANIZER),
            ]:
                self.actors[name] = self._user(role, name)
            # Everyone's own message, written before the mute and the ban below.
            self.own_messages = {
                person.id: rooms.post_message(
                    get_room("plenary"), person, "my own", f"own{person.id}"
                ).id
                for person in self.actors.values()
                if person is not None
            }
            # Listed, so that the people who block them below may see whom they block.
            self.actors["blocked"].listed = True
            db.session.commit()
            boss = db.session.get(User, self.boss.id)
            moderation.mute(db.session.get(User, self.actors["muted"].id), boss, 60, "matrix")
            moderation.ban(db.session.get(User, self.actors["banned"].id), boss, "matrix")

    def _user(self, role: Role, name: str) -> User:
        number = next(_numbers)
        administration = get_administration("ferla") if role is Role.DELEGATE else None
        return accounts.create_user(
            email=f"{name}{number}@example.org",
            name=f"{name.title()} {number}",
            password=PASSWORD,
            role=role,
            administration=administration,
        )

    def target_user(self) -> User:
        with self.app.app_context():
            return self._user(Role.DELEGATE, "target")

    def message_by(self, author: User | None = None, *, hidden: bool = False) -> int:
        """A message (by a fresh delegate unless told), optionally already hidden."""
        with self.app.app_context():
            author = db.session.get(User, (author or self._user(Role.DELEGATE, "writer")).id)
            message = rooms.post_message(get_room("plenary"), author, "text", f"m{next(_numbers)}")
            if hidden:
                moderation.hide_message(message, db.session.get(User, self.boss.id), "matrix")
            return message.id

    def practice(self, stage: str = "draft") -> int:
        """A complete practice of Ferla (the matrix's delegates' administration), at ``stage``."""
        with self.app.app_context():
            writer = self._user(Role.DELEGATE, "writer")
            content = practices.PracticeContent(
                title=f"Solar roofs {next(_numbers)}",
                theme=get_room("renewable-energy"),
                summary="Panels on every school.",
                challenge="Old roofs.",
                actions="We rebuilt them.",
                results="120 t CO2 less a year.",
                year_from=2022,
            )
            practice = practices.create_practice(writer, content)
            if stage in {"submitted", "published", "hidden", "reported"}:
                practices.submit_practice(practice, writer)
            boss = db.session.get(User, self.boss.id)
            if stage in {"published", "hidden", "reported"}:
                practices.publish_practice(practice, boss)
            if stage == "hidden":
                moderation.hide_practice(practice, boss, "matrix")
            if stage == "reported":
                reporter = self._user(Role.ATTENDEE, "reporter")
                moderation.report_practice(practice, reporter, "matrix")
            return practice.id

    def file(self, *, state: str = "attached") -> int:
        """A picture by a fresh delegate: ``unattached``, ``attached`` to a message of theirs,
        attached to a ``hidden message``, or ``hidden`` itself."""
        with self.app.app_context():
            writer = self._user(Role.DELEGATE, "writer")
            file = files.upload_file(writer, samples.image(), "plan.png")
            if state == "unattached":
                return file.id
            message = rooms.post_message(get_room("plenary"), writer, "plan", f"f{next(_numbers)}")
            files.attach_files(writer, [file.id], message)
            boss = db.session.get(User, self.boss.id)
            if state == "hidden message":
                moderation.hide_message(message, boss, "matrix")
            if state == "hidden":
                moderation.hide_file(db.session.get(StoredFile, file.id), boss, "matrix")
            return file.id

    def reported_message(self) -> int:
        message_id = self.message_by()
        with self.app.app_context():
            reporter = self._user(Role.ATTENDEE, "reporter")
            moderation.report_message(rooms.get_message(message_id), reporter, "matrix")
        return message_id


@pytest.fixture
def world(app, event):
    return World(app)


# --- Socket.IO events ----------------------------------------------------------

#: event -> (payload factory, expected outcome per actor). "refused": no connection at all.
REFUSED = {"anonymous": "refused", "banned": "refused"}
SOCKET_MATRIX: dict[str, tuple[Callable[[World, User], dict[str, Any]], dict[str, str]]] = {
    "join": (
        lambda w, me: {"room": "plenary"},
        {
            **REFUSED,
            "attendee": "ok",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "ok",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "leave": (
        lambda w, me: {"room": "plenary"},
        {
            **REFUSED,
            "attendee": "ok",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "ok",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "send": (
        lambda w, me: {"room": "plenary", "body": "hello", "client_id": f"c{next(_numbers)}"},
        {
            **REFUSED,
            "attendee": "forbidden",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "muted",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "reply": (
        lambda w, me: {
            "room": "plenary",
            "body": "agreed",
            "client_id": f"c{next(_numbers)}",
            "reply_to": w.message_by(),
        },
        {
            **REFUSED,
            "attendee": "forbidden",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "muted",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "edit": (
        lambda w, me: {"message_id": w.own_messages[me.id], "body": f"edited {next(_numbers)}"},
        {
            **REFUSED,
            "attendee": "forbidden",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "muted",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "react": (
        lambda w, me: {"message_id": w.message_by(), "emoji": "👍"},
        {
            **REFUSED,
            "attendee": "ok",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "muted",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "react_hidden": (
        lambda w, me: {"message_id": w.message_by(hidden=True), "emoji": "👍"},
        {
            **REFUSED,
            "attendee": "not_found",
            "delegate": "not_found",
            "blocked": "not_found",
            "muted": "not_found",
            "moderator": "not_found",
            "organizer": "not_found",
        },
    ),
    "edit_others": (
        lambda w, me: {"message_id": w.message_by(), "body": "not yours"},
        {
            **REFUSED,
            "attendee": "forbidden",
            "delegate": "forbidden",
            "blocked": "forbidden",
            "muted": "forbidden",
            "moderator": "forbidden",
            "organizer": "forbidden",
        },
    ),
    "hide": (
        lambda w, me: {"message_id": w.message_by(), "reason": "matrix"},
        {
            **REFUSED,
            "attendee": "forbidden",
            "delegate": "forbidden",
            "blocked": "forbidden",
            "muted": "forbidden",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "hide_own": (
        lambda w, me: {"message_id": w.own_messages[me.id]},
        {
            **REFUSED,
            "attendee": "ok",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "ok",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "restore": (
        lambda w, me: {"message_id": w.message_by(hidden=True)},
        {
            **REFUSED,
            "attendee": "forbidden",
            "delegate": "forbidden",
            "blocked": "forbidden",
            "muted": "forbidden",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "report": (
        lambda w, me: {"message_id": w.message_by(), "reason": "matrix"},
        {
            **REFUSED,
            "attendee": "ok",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "ok",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "set_slow_mode": (
        lambda w, me: {"room": "plenary", "seconds": next(_numbers) % 60 + 1},
        {
            **REFUSED,
            "attendee": "forbidden",
            "delegate": "forbidden",
            "blocked": "forbidden",
            "muted": "forbidden",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "question_ask": (
        lambda w, me: {"room": "plenary", "body": "Why?", "client_id": f"q{next(_numbers)}"},
        {
            **REFUSED,
            "attendee": "ok",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "muted",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "question_vote": (
        lambda w, me: {"question_id": _question(w)},
        {
            **REFUSED,
            "attendee": "ok",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "ok",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "question_moderate": (
        lambda w, me: {"question_id": _question(w), "action": "answer"},
        {
            **REFUSED,
            "attendee": "forbidden",
            "delegate": "forbidden",
            "blocked": "forbidden",
            "muted": "forbidden",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    # The sender speaks at a session on now in the question's room (speaker_question).
    "answer_as_speaker": (
        lambda w, me: {"question_id": speaker_question(w, me), "action": "answer"},
        {
            **REFUSED,
            "attendee": "ok",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "ok",  # a mute silences; answering says nothing
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "hide_as_speaker": (
        lambda w, me: {
            "question_id": speaker_question(w, me),
            "action": "hide",
            "reason": "Off topic",
        },
        {
            **REFUSED,
            "attendee": "forbidden",
            "delegate": "forbidden",
            "blocked": "forbidden",
            "muted": "forbidden",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "poll_open": (
        lambda w, me: {
            "room": "renewable-energy",
            "question": "Which day?",
            "options": ["Monday", "Tuesday"],
            "multiple": False,
            "anonymous": False,
            "closes_at": None,
            "client_id": f"p{next(_numbers)}",
        },
        {
            **REFUSED,
            "attendee": "forbidden",
            "delegate": "forbidden",
            "blocked": "forbidden",
            "muted": "forbidden",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "poll_vote": (
        lambda w, me: {"poll_id": (poll := _poll(w)), "option_ids": [_first_option(w, poll)]},
        {
            **REFUSED,
            "attendee": "ok",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "muted",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    # In a one-to-one conversation with someone who then blocked "blocked".
    "send_in_conversation": (
        lambda w, me: {
            "room": _conversation_with_a_blocker(w, me),
            "body": "hello",
            "client_id": f"c{next(_numbers)}",
        },
        {
            **REFUSED,
            "attendee": "ok",  # in their own conversation
            "delegate": "ok",
            "blocked": "forbidden",
            "muted": "muted",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    # A group goes on: one member's block does not silence the others.
    "send_in_group": (
        lambda w, me: {
            "room": _conversation_with_a_blocker(w, me, group=True),
            "body": "hello",
            "client_id": f"c{next(_numbers)}",
        },
        {
            **REFUSED,
            "attendee": "ok",
            "delegate": "ok",
            "blocked": "ok",
            "muted": "muted",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
    "poll_close": (
        lambda w, me: {"poll_id": _poll(w)},
        {
            **REFUSED,
            "attendee": "forbidden",
            "delegate": "forbidden",
            "blocked": "forbidden",
            "muted": "forbidden",
            "moderator": "ok",
            "organizer": "ok",
        },
    ),
}


def _poll(world: World) -> int:
    """A fresh open poll of a fresh moderator in a themed room."""
    with world.app.app_context():
        opener = world._user(Role.MODERATOR, "pollster")
        draft = polls.Draft("Which day?", ["Monday", "Tuesday"])
        return polls.open_poll(get_room("renewable-energy"), opener, draft, f"p{next(_numbers)}").id


def _first_option(world: World, poll_id: int) -> int:
    with world.app.app_context():
        return polls.get_poll(poll_id).options[0].id


def _question(world: World, *, waiting: bool = False) -> int:
    """A question of a fresh attendee: open to all, or waiting for approval in the plenary."""
    with world.app.app_context():
        asker = world._user(Role.ATTENDEE, "asker")
        room = get_room("plenary" if waiting else "renewable-energy")
        return questions.ask(room, asker, "Why?", f"q{next(_numbers)}").id


def speaker_question(world: World, person: User | None) -> int:
    """A fresh question in a room where ``person`` speaks at a session on now."""
    with world.app.app_context():
        room = get_room("renewable-energy")
        start = utcnow()
        db.session.add(
            AgendaSession(
                event_id=room.event_id,
                slug=f"talk-{next(_numbers)}",
                titles={"en": "A talk"},
                starts_at=start - dt.timedelta(minutes=5),
                ends_at=start + dt.timedelta(minutes=30),
                room=room,
                speakers=[
                    {"name": "Speaker", "email": person.email if person else "x@example.org"}
                ],
            )
        )
        db.session.commit()
    return _question(world)


def _conversation_with_a_blocker(world: World, person: User | None, *, group: bool = False) -> str:
    """The slug of a conversation ``person`` started with a listed delegate who lets attendees
    write to them (and, for a ``group``, one more), and who then blocked "blocked"."""
    with world.app.app_context():
        peer = db.session.get(User, world.target_user().id)
        others = [peer] + ([db.session.get(User, world.target_user().id)] if group else [])
        for other in others:
            other.listed = other.attendees_may_message = True
        db.session.commit()
        starter = db.session.get(User, person.id) if person else world.boss
        room, _created = conversations.start_conversation(starter, [o.id for o in others])
        people.block(peer, world.actors["blocked"].id)
        return room.slug


#: Rows that try one event in another situation, and the event they send.
WIRE_NAMES = {
    "hide_own": "hide",
    "reply": "send",
    "edit_others": "edit",
    "send_in_conversation": "send",
    "send_in_group": "send",
    "react_hidden": "react",
    "answer_as_speaker": "question_moderate",
    "hide_as_speaker": "question_moderate",
}


@pytest.mark.parametrize("event_name", list(SOCKET_MATRIX))
def test_socket_events_answer_each_person_exactly(world, connect, event_name):
    make_payload, expected = SOCKET_MATRIX[event_name]
    outcomes = {}
    for actor in ACTORS:
        person = world.actors[actor]
        connection = connect(person)
        if not connection.is_connected():
            outcomes[actor] = "refused"
            continue
        payload = make_payload(world, person)
        wire_name = WIRE_NAMES.get(event_name, event_name)
        ack = connection.emit(wire_name, payload, callback=True)
        outcomes[actor] = "ok" if ack["ok"] else ack["error"]["code"]
    assert outcomes == expected


# --- services, called directly ---------------------------------------------------
#
# A caller that forgets the decorator (a new view, a new socket event, a script) still
# meets the table: every public service checks it again. None is the command line.

SERVICE_STAFF_ONLY = {
    "anonymous": "unauthenticated",
    "attendee": "forbidden",
    "delegate": "forbidden",
    "blocked": "forbidden",
    "muted": "forbidden",
    "banned": "forbidden",
    "moderator": "ok",
    "organizer": "ok",
}
SERVICE_ANY_ACCOUNT = {**{actor: "ok" for actor in ACTORS}, "anonymous": "unauthenticated"}
SERVICE_ORGANIZERS_ONLY = {**SERVICE_STAFF_ONLY, "moderator": "forbidden"}


def _message(w: World, **kwargs: Any) -> Any:
    return rooms.get_message(w.message_by(**kwargs))


def _target(w: World) -> User:
    return db.session.get(User, w.target_user().id)


#: service -> (call with the world and the actor, expected outcome per actor)
SERVICE_MATRIX: dict[str, tuple[Callable[[World, User | None], Any], dict[str, str]]] = {
    "hide_message": (
        lambda w, me: moderation.hide_message(_message(w), me, "matrix"),
        SERVICE_STAFF_ONLY,
    ),
    "restore_message": (
        lambda w, me: moderation.restore_message(_message(w, hidden=True), me),
        SERVICE_STAFF_ONLY,
    ),
    "edit_own_message": (
        lambda w, me: rooms.edit_message(
            rooms.get_message(w.own_messages[me.id]) if me else _message(w),
            me,
            f"edited {next(_numbers)}",
        ),
        {**SERVICE_ANY_ACCOUNT, "attendee": "forbidden", "muted": "muted"},
    ),
    "react": (
        lambda w, me: rooms.react(_message(w), me, "🎉"),
        {**SERVICE_ANY_ACCOUNT, "muted": "muted"},
    ),
    "edit_history": (lambda w, me: rooms.revisions(_message(w), me), SERVICE_STAFF_ONLY),
    "report_message": (
        lambda w, me: moderation.report_message(_message(w), me, "matrix"),
        SERVICE_ANY_ACCOUNT,
    ),
    "report_hidden_message": (
        lambda w, me: moderation.report_message(_message(w, hidden=True), me, "matrix"),
        {
            **SERVICE_ANY_ACCOUNT,
            **{
                actor: "not_found"
                for actor in ["attendee", "delegate", "blocked", "muted", "banned"]
            },
        },
    ),
    "dismiss_reports": (
        lambda w, me: moderation.dismiss_reports(
            rooms.get_message(w.reported_message()), me, "matrix"
        ),
        SERVICE_STAFF_ONLY,
    ),
    "open_reports": (lambda w, me: moderation.open_reports(me), SERVICE_STAFF_ONLY),
    "publish_announcement": (
        lambda w, me: announcements.publish(me, "Hello", [get_room("plenary")], None),
        SERVICE_STAFF_ONLY,
    ),
    "mute": (lambda w, me: moderation.mute(_target(w), me, 5, "matrix"), SERVICE_STAFF_ONLY),
    "unmute": (lambda w, me: moderation.unmute(_target(w), me, "matrix"), SERVICE_STAFF_ONLY),
    "hide_all_messages_of": (
        lambda w, me: moderation.hide_all_messages_of(_target(w), me, "matrix"),
        SERVICE_STAFF_ONLY,
    ),
    "ban": (lambda w, me: moderation.ban(_target(w), me, "matrix"), SERVICE_STAFF_ONLY),
    "unban": (lambda w, me: moderation.unban(_target(w), me, "matrix"), SERVICE_STAFF_ONLY),
    "set_role": (
        lambda w, me: moderation.set_role(_target(w), Role.ATTENDEE, me, "matrix"),
        {**SERVICE_STAFF_ONLY, "anonymous": "ok", "moderator": "forbidden"},
    ),
    "set_slow_mode": (
        lambda w, me: moderation.set_slow_mode(
            get_room("plenary"), next(_numbers) % 60 + 1, me, "matrix"
        ),
        SERVICE_STAFF_ONLY,
    ),
    "find_people": (lambda w, me: moderation.find_people(me, "target"), SERVICE_STAFF_ONLY),
    "audit_entries": (
        lambda w, me: moderation.audit_entries(me, moderation.AuditFilter()),
        SERVICE_STAFF_ONLY,
    ),
    "ask_question": (
        lambda w, me: questions.ask(get_room("funding"), me, "Why?", f"q{next(_numbers)}"),
        {**SERVICE_ANY_ACCOUNT, "muted": "muted"},
    ),
    "vote_question": (
        lambda w, me: questions.vote(questions.get_question(_question(w)), me),
        SERVICE_ANY_ACCOUNT,
    ),
    "vote_waiting_question": (
        lambda w, me: questions.vote(questions.get_question(_question(w, waiting=True)), me),
        {**SERVICE_ANY_ACCOUNT, **{actor: "forbidden" for actor in ACTORS[1:]}},
    ),
    "moderate_question": (
        lambda w, me: questions.moderate(
            questions.get_question(_question(w, waiting=True)), me, questions.Moderation.APPROVE
        ),
        SERVICE_STAFF_ONLY,
    ),
    "waiting_questions": (lambda w, me: questions.waiting(me), SERVICE_STAFF_ONLY),
    "confirm_address": (
        lambda w, me: moderation.confirm_address(db.session.get(User, _unconfirmed(w)), me),
        {**SERVICE_ORGANIZERS_ONLY, "anonymous": "ok"},
    ),
    "set_recording": (
        lambda w, me: archive.set_recording(
            archive.session_by_slug("opening"), me, f"https://video.example.eu/{next(_numbers)}"
        ),
        SERVICE_ORGANIZERS_ONLY,
    ),
    "add_slides": (
        lambda w, me: archive.add_slides(
            archive.session_by_slug("opening"), me, samples.pdf(), "slides.pdf"
        ),
        SERVICE_ORGANIZERS_ONLY,
    ),
    "remove_slides": (
        lambda w, me: _remove_slides(w, me),
        SERVICE_ORGANIZERS_ONLY,
    ),
    "open_poll": (
        lambda w, me: polls.open_poll(
            get_room("funding"), me, polls.Draft("Which?", ["A", "B"]), f"p{next(_numbers)}"
        ),
        SERVICE_STAFF_ONLY,
    ),
    "vote_poll": (
        lambda w, me: polls.vote(polls.get_poll(poll := _poll(w)), me, [_first_option(w, poll)]),
        {**SERVICE_ANY_ACCOUNT, "muted": "muted"},
    ),
    "close_poll": (
        lambda w, me: polls.close(polls.get_poll(_poll(w)), me),
        SERVICE_STAFF_ONLY,
    ),
    # With a listed delegate who lets attendees write to them and blocked "blocked".
    "start_conversation": (
        lambda w, me: conversations.start_conversation(me, [_listed_delegate(w)]),
        {**SERVICE_ANY_ACCOUNT, "blocked": "forbidden"},
    ),
    # The same, with someone who keeps attendees out (the default).
    "start_conversation_without_attendees": (
        lambda w, me: conversations.start_conversation(me, [_listed_delegate(w, attendees=False)]),
        {**SERVICE_ANY_ACCOUNT, "attendee": "forbidden", "blocked": "forbidden"},
    ),
    # A group of the one who blocked "blocked" and someone who did not.
    "start_group": (
        lambda w, me: conversations.start_conversation(
            me, [_listed_delegate(w, blocking=False), _listed_delegate(w)]
        ),
        {**SERVICE_ANY_ACCOUNT, "blocked": "forbidden"},
    ),
    # Blocked by one person, "blocked" still writes to everyone else.
    "start_conversation_with_someone_else": (
        lambda w, me: conversations.start_conversation(me, [_listed_delegate(w, blocking=False)]),
        SERVICE_ANY_ACCOUNT,
    ),
    "develop_question": (
        lambda w, me: practices.develop_question(questions.get_question(_question(w)), me),
        {
            **SERVICE_STAFF_ONLY,
            "delegate": "ok",
            "blocked": "ok",
            "muted": "ok",
            "banned": "ok",
            "moderator": "forbidden",
            "organizer": "forbidden",
        },
    ),
}


@pytest.mark.parametrize("service", list(SERVICE_MATRIX))
def test_services_check_the_table_whoever_calls_them(app, world, service):
    call, expected = SERVICE_MATRIX[service]
    outcomes = {}
    for actor in ACTORS:
        with app.app_context():
            person = world.actors[actor]
            me = db.session.get(User, person.id) if person is not None else None
            try:
                call(world, me)
            except ExchangeError as error:
                outcomes[actor] = error.code
            else:
                outcomes[actor] = "ok"
    assert outcomes == expected


# --- state-changing HTTP routes -------------------------------------------------

STAFF_ONLY = {
    "anonymous": "login",
    "attendee": "forbidden",
    "delegate": "forbidden",
    "blocked": "forbidden",
    "muted": "forbidden",
    "banned": "login",
    "moderator": "ok",
    "organizer": "ok",
}
ORGANIZERS_ONLY = {**STAFF_ONLY, "moderator": "forbidden"}
DELEGATES_ONLY = {
    **STAFF_ONLY,
    "delegate": "ok",
    "blocked": "ok",
    "muted": "ok",
    "moderator": "forbidden",
    "organizer": "forbidden",
}
#: Those who may edit a practice of Ferla: its delegates, moderators and organizers.
EDITORS = {**STAFF_ONLY, "delegate": "ok", "blocked": "ok", "muted": "ok"}
ANY_ACCOUNT = {
    "anonymous": "login",
    "attendee": "ok",
    "delegate": "ok",
    "blocked": "ok",
    "muted": "ok",
    "banned": "login",
    "moderator": "ok",
    "organizer": "ok",
}

#: route -> (URL and form factory, expected outcome per actor)
HTTP_MATRIX: dict[
    str, tuple[Callable[[World, User | None], tuple[str, dict[str, str]]], dict[str, str]]
] = {
    "rooms.post": (
        lambda w, me: (
            "/rooms/plenary/messages",
            {"body": "hi", "client_id": f"f{next(_numbers)}"},
        ),
        {**ANY_ACCOUNT, "attendee": "forbidden", "muted": "refused"},
    ),
    # Reacting without JavaScript: attendees too; a muted person is told why not.
    "rooms.react": (
        lambda w, me: (f"/rooms/plenary/messages/{w.message_by()}/reactions", {"emoji": "👍"}),
        {**ANY_ACCOUNT, "muted": "refused"},
    ),
    "people.edit": (
        lambda w, me: ("/account/profile", {"listed": "y", "bio": "Hello", "languages": "it"}),
        ANY_ACCOUNT,
    ),
    # A conversation with a listed delegate who lets attendees write to them and who
    # blocked "blocked" (service rows above try who keeps attendees out, and groups).
    "conversations.start": (
        lambda w, me: ("/conversations", {"members": str(_listed_delegate(w))}),
        {**ANY_ACCOUNT, "blocked": "forbidden"},
    ),
    # Anyone with an account blocks (and unblocks) someone whose profile they may see.
    "people.block": (
        lambda w, me: (f"/people/{_listed_delegate(w)}/block", {}),
        ANY_ACCOUNT,
    ),
    "people.unblock": (
        lambda w, me: (f"/people/{w.target_user().id}/unblock", {}),
        ANY_ACCOUNT,
    ),
    "announcements.index": (
        lambda w, me: ("/announcements", {"body": "Lunch at one", "rooms": "plenary"}),
        STAFF_ONLY,
    ),
    "announcements.end": (
        lambda w, me: (f"/announcements/{_banner(w)}/end", {}),
        STAFF_ONLY,
    ),
    # Anyone closes a banner for themselves; a visitor's choice is kept in a cookie.
    "announcements.dismiss": (
        lambda w, me: (f"/announcements/{_banner(w)}/dismiss", {}),
        {actor: "ok" for actor in ACTORS},
    ),
    "accounts.invitations": (
        lambda w, me: ("/invitations", {"administration": "ferla"}),
        ORGANIZERS_ONLY,
    ),
    # Attendees only: the code makes them delegates (a delegate already is one).
    "accounts.redeem_invitation": (
        lambda w, me: ("/account/invitation-code", {"code": _invitation_code(w)}),
        {
            **STAFF_ONLY,
            "attendee": "ok",
            "moderator": "forbidden",
            "organizer": "forbidden",
        },
    ),
    "accounts.invite_by_mail": (
        lambda w, me: (
            "/invitations/email",
            {"mail-administration": "ferla", "mail-addresses": f"i{next(_numbers)}@example.org"},
        ),
        ORGANIZERS_ONLY,
    ),
    "accounts.revoke_invitation": (
        lambda w, me: (f"/invitations/{_invitation(w)}/revoke", {}),
        ORGANIZERS_ONLY,
    ),
    "moderation.hide_message": (
        lambda w, me: (f"/moderation/messages/{w.message_by()}/hide", {"reason": "matrix"}),
        STAFF_ONLY,
    ),
    "moderation.restore_message": (
        lambda w, me: (f"/moderation/messages/{w.message_by(hidden=True)}/restore", {}),
        STAFF_ONLY,
    ),
    "moderation.dismiss_reports": (
        lambda w, me: (f"/moderation/messages/{w.reported_message()}/dismiss", {}),
        STAFF_ONLY,
    ),
    "moderation.slow_mode": (
        lambda w, me: (
            "/moderation/rooms/plenary/slow-mode",
            {"seconds": str(next(_numbers) % 60 + 1)},
        ),
        STAFF_ONLY,
    ),
    "moderation.mute": (
        lambda w, me: (
            f"/moderation/people/{w.target_user().id}/mute",
            {"minutes": "5", "reason": "m"},
        ),
        STAFF_ONLY,
    ),
    "moderation.unmute": (
        lambda w, me: (f"/moderation/people/{w.target_user().id}/unmute", {}),
        STAFF_ONLY,
    ),
    "moderation.hide_messages": (
        lambda w, me: (
            f"/moderation/people/{_author_of_a_message(w)}/hide-messages",
            {"reason": "spam"},
        ),
        STAFF_ONLY,
    ),
    "moderation.ban": (
        lambda w, me: (f"/moderation/people/{w.target_user().id}/ban", {"reason": "b"}),
        STAFF_ONLY,
    ),
    "moderation.unban": (
        lambda w, me: (f"/moderation/people/{w.target_user().id}/unban", {}),
        STAFF_ONLY,
    ),
    "moderation.set_role": (
        lambda w, me: (f"/moderation/people/{w.target_user().id}/role", {"role": "attendee"}),
        ORGANIZERS_ONLY,
    ),
    "practices.new": (
        lambda w, me: ("/practices/new", {"title": "A new practice", "theme": "funding"}),
        {**DELEGATES_ONLY},
    ),
    "practices.edit": (
        lambda w, me: (
            f"/practices/{w.practice()}/edit",
            {"title": "Edited title", "theme": "renewable-energy"},
        ),
        EDITORS,
    ),
    "practices.autosave_new": (
        lambda w, me: ("/practices/new/autosave", {"title": "Half a title"}),
        {**DELEGATES_ONLY},
    ),
    "practices.autosave_step": (
        lambda w, me: (f"/practices/{w.practice()}/autosave", {"challenge": "Half a story"}),
        EDITORS,
    ),
    "practices.preview": (
        lambda w, me: ("/practices/preview", {"text": "**Bold** words"}),
        EDITORS,
    ),
    "practice_files.add": (
        lambda w, me: (
            f"/practices/{w.practice()}/files",
            {"file": (io.BytesIO(samples.pdf()), "bando.pdf")},
        ),
        EDITORS,
    ),
    "practice_files.remove": (
        lambda w, me: (_practice_file_removal(w), {}),
        EDITORS,
    ),
    "practices.submit": (
        lambda w, me: (f"/practices/{w.practice()}/submit", {}),
        EDITORS,
    ),
    "practices.publish": (
        lambda w, me: (f"/practices/{w.practice('submitted')}/publish", {"comment": ""}),
        STAFF_ONLY,
    ),
    "practices.send_back": (
        lambda w, me: (f"/practices/{w.practice('submitted')}/return", {"comment": "More data"}),
        STAFF_ONLY,
    ),
    "practices.share": (
        lambda w, me: (
            f"/practices/{w.practice('published')}/share",
            {"body": "Have a look", "client_id": f"share{next(_numbers)}"},
        ),
        # Muted people are told why on the practice's page, as when they post in a room.
        {**EDITORS, "muted": "refused"},
    ),
    "practices.develop": (
        lambda w, me: (f"/messages/{w.own_messages[me.id] if me else 1}/develop", {}),
        DELEGATES_ONLY,
    ),
    "practices.report": (
        lambda w, me: (f"/practices/{w.practice('published')}/report", {"reason": "matrix"}),
        ANY_ACCOUNT,
    ),
    "moderation.hide_practice": (
        lambda w, me: (f"/moderation/practices/{w.practice('published')}/hide", {"reason": "m"}),
        STAFF_ONLY,
    ),
    "moderation.restore_practice": (
        lambda w, me: (f"/moderation/practices/{w.practice('hidden')}/restore", {}),
        STAFF_ONLY,
    ),
    "moderation.dismiss_practice_reports": (
        lambda w, me: (f"/moderation/practices/{w.practice('reported')}/dismiss", {}),
        STAFF_ONLY,
    ),
    "moderation.read_notice": (
        lambda w, me: (f"/moderation/notices/{_notice_for(w, me)}/read", {}),
        ANY_ACCOUNT,
    ),
    "files.upload": (
        lambda w, me: ("/api/attachments", {"file": (io.BytesIO(samples.image()), "plan.png")}),
        {**ANY_ACCOUNT, "attendee": "forbidden"},
    ),
    "files.describe": (
        lambda w, me: (f"/api/attachments/{_own_upload(w, me)}", {"alt": "A roof"}),
        {**ANY_ACCOUNT, "attendee": "forbidden"},
    ),
    "moderation.hide_file": (
        lambda w, me: (f"/moderation/files/{w.file()}/hide", {"reason": "matrix"}),
        STAFF_ONLY,
    ),
    "moderation.restore_file": (
        lambda w, me: (f"/moderation/files/{w.file(state='hidden')}/restore", {}),
        STAFF_ONLY,
    ),
    "accounts.delete_account": (
        lambda w, me: ("/account/delete", {"password": PASSWORD, "confirm": "y"}),
        ANY_ACCOUNT,
    ),
    "notifications.save": (
        lambda w, me: ("/account/notifications", {"room-plenary": "all"}),
        ANY_ACCOUNT,
    ),
    "accounts.preferences": (
        lambda w, me: ("/account/preferences", {"locale": "", "timezone": "Europe/Rome"}),
        ANY_ACCOUNT,
    ),
    "about.answer_feedback": (
        lambda w, me: (f"/organizer/accessibility-feedback/{_feedback(w)}/answered", {}),
        ORGANIZERS_ONLY,
    ),
    "accounts.resend_confirmation": (
        lambda w, me: ("/account/confirm-email", {}),
        ANY_ACCOUNT,
    ),
    "accounts.change_email": (
        lambda w, me: ("/account/email", {"email": "elsewhere@example.org", "password": PASSWORD}),
        ANY_ACCOUNT,
    ),
    "accounts.logout": (
        lambda w, me: ("/logout", {}),
        {actor: "ok" for actor in ACTORS},
    ),
    "questions.ask": (
        lambda w, me: (
            "/rooms/renewable-energy/questions",
            {"body": "Why?", "client_id": f"q{next(_numbers)}"},
        ),
        {**ANY_ACCOUNT, "muted": "refused"},
    ),
    "questions.vote": (
        lambda w, me: (f"/questions/{_question(w)}/vote", {}),
        ANY_ACCOUNT,
    ),
    "questions.moderate": (
        lambda w, me: (f"/questions/{_question(w)}/moderate", {"action": "pin"}),
        STAFF_ONLY,
    ),
    "polls.open_poll": (
        lambda w, me: (
            "/rooms/renewable-energy/polls",
            {"question": "Which?", "option": ["A", "B"], "client_id": f"p{next(_numbers)}"},
        ),
        STAFF_ONLY,
    ),
    "polls.vote": (
        lambda w, me: (f"/polls/{(poll := _poll(w))}/vote", {"option": _first_option(w, poll)}),
        {**ANY_ACCOUNT, "muted": "refused"},
    ),
    "polls.close": (
        lambda w, me: (f"/polls/{_poll(w)}/close", {}),
        STAFF_ONLY,
    ),
    "questions.develop": (
        lambda w, me: (f"/questions/{_question(w)}/develop", {}),
        DELEGATES_ONLY,
    ),
    "moderation.confirm_address": (
        lambda w, me: (f"/moderation/people/{_unconfirmed(w)}/confirm-address", {}),
        ORGANIZERS_ONLY,
    ),
    "agenda.recording": (
        lambda w, me: (
            "/agenda/opening/recording",
            {"recording_url": f"https://video.example.eu/{next(_numbers)}"},
        ),
        ORGANIZERS_ONLY,
    ),
    "agenda.add_slides": (
        lambda w, me: (
            "/agenda/opening/slides",
            {"file": (io.BytesIO(samples.pdf()), "slides.pdf")},
        ),
        ORGANIZERS_ONLY,
    ),
    "agenda.remove_slides": (
        lambda w, me: (f"/agenda/opening/slides/{_session_slides(w)}/remove", {}),
        ORGANIZERS_ONLY,
    ),
}

#: Public forms, which anyone may post: covered by their own tests.
PUBLIC_ROUTES = {
    "accounts.login",
    "accounts.register",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.confirm_email",
    "accounts.set_language",
    "about.accessibility",
    "notifications.unsubscribe",  # the mailed link is the authority (tests/notifications)
}


def _listed_delegate(world: World, *, attendees: bool = True, blocking: bool = True) -> int:
    """A delegate who agreed to be in the directory, so anyone may write to them, and who
    lets ``attendees`` write to them too, and (``blocking``) blocked "blocked"."""
    with world.app.app_context():
        person = db.session.get(User, world.target_user().id)
        person.listed = True
        person.attendees_may_message = attendees
        db.session.commit()
        if blocking:
            people.block(person, world.actors["blocked"].id)
        return person.id


def _banner(world: World) -> int:
    with world.app.app_context():
        until = utcnow() + dt.timedelta(hours=1)
        boss = db.session.get(User, world.boss.id)
        return announcements.publish(boss, "A banner", [], until).id


def _own_upload(world: World, me: User | None) -> int:
    """A picture ``me`` uploaded (an organizer's for those who upload nothing)."""
    with world.app.app_context():
        may_upload = me is not None and me.role is not Role.ATTENDEE and not me.is_banned
        uploader = me if may_upload else world.boss
        return files.upload_file(db.session.get(User, uploader.id), samples.image(), "roof.png").id


def _practice_file_removal(world: World) -> str:
    """The address removing the one document of a draft practice, added by an organizer."""
    practice_id = world.practice()
    with world.app.app_context():
        stored = practice_files.add_file(
            practices.get_practice(practice_id),
            db.session.get(User, world.boss.id),
            samples.pdf(),
            "bando.pdf",
        )
        return f"/practices/{practice_id}/files/{stored.id}/remove"


def _unconfirmed(world: World) -> int:
    """Someone who registered and has not followed the mailed link yet."""
    with world.app.app_context():
        return accounts.register(
            email=f"late{next(_numbers)}@example.org", name="Late Comer", password=PASSWORD
        ).id


def _remove_slides(world: World, me: User | None) -> Any:
    file_id = _session_slides(world)
    return archive.remove_slides(archive.session_by_slug("opening"), me, file_id)


def _session_slides(world: World) -> int:
    """A file of slides of the opening session, added by an organizer."""
    with world.app.app_context():
        return archive.add_slides(
            archive.session_by_slug("opening"),
            db.session.get(User, world.boss.id),
            samples.pdf(),
            "slides.pdf",
        ).id


def _invitation(world: World) -> int:
    with world.app.app_context():
        return accounts.create_invitation(get_administration("aprilia")).id


def _invitation_code(world: World) -> str:
    with world.app.app_context():
        return accounts.create_invitation(get_administration("aprilia")).code


def _feedback(world: World) -> int:
    from exchange.about.services import send_accessibility_feedback

    with world.app.app_context():
        return send_accessibility_feedback(
            message="The map has no text alternative.", address=f"192.0.2.{next(_numbers) % 250}"
        ).id


def _author_of_a_message(world: World) -> int:
    message_id = world.message_by()
    with world.app.app_context():
        return rooms.get_message(message_id).author_id


def _notice_for(world: World, me: User | None) -> int:
    if me is None:
        return 1
    with world.app.app_context():
        from exchange.moderation.models import Notice

        notice = Notice(user_id=me.id, kind="unmuted", data={})
        db.session.add(notice)
        db.session.commit()
        return notice.id


def test_the_http_matrix_covers_every_state_changing_route(app):
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    assert routes == set(HTTP_MATRIX) | PUBLIC_ROUTES


def outcome(client: Any, response: Any) -> str:
    if response.status_code == 403:
        return "forbidden"
    if response.is_json:  # the JSON API answers with a status, not a page
        return {201: "ok", 200: "ok", 401: "login"}.get(response.status_code, "refused")
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    if location.startswith("/login"):
        return "login"
    page = client.get(location).get_data(as_text=True)
    if "flash-error" in page:
        return "refused"
    return "ok"


@pytest.mark.parametrize("endpoint", list(HTTP_MATRIX))
def test_state_changing_routes_answer_each_person_exactly(app, world, login, endpoint):
    make_request, expected = HTTP_MATRIX[endpoint]
    outcomes = {}
    for actor in ACTORS:
        person = world.actors[actor]
        client = app.test_client()
        if person is not None:
            login(client, person)  # for the banned one, a cookie that no longer counts
        token = csrf_token(client.get("/privacy").get_data(as_text=True))
        url, form = make_request(world, person)
        response = client.post(url, data={"csrf_token": token, **form})
        outcomes[actor] = outcome(client, response)
    assert outcomes == expected


def test_every_act_of_the_matrix_is_in_the_audit_log(app, world, connect):
    """A moderator hides, restores, mutes, bans and sets slow mode: each act has its row."""
    from exchange.moderation.models import AuditEntry

    moderator = connect(world.actors["moderator"])
    moderator.emit("hide", {"message_id": world.message_by(), "reason": "r"}, callback=True)
    moderator.emit("restore", {"message_id": world.message_by(hidden=True)}, callback=True)
    moderator.emit("set_slow_mode", {"room": "plenary", "seconds": 5}, callback=True)
    with app.app_context():
        actions = [
            entry.action.value
            for entry in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
        ]
    # The mute and ban of the setup, the hide that prepared the restore, then the acts.
    assert actions == ["mute", "ban", "hide", "hide", "restore", "slow_mode"]


# --- reading edit histories (GET) ---------------------------------------------------


def test_edit_histories_are_read_by_moderators_and_organizers_only(app, world, login):
    message_id = world.message_by()
    outcomes = {}
    for actor in ACTORS:
        client = app.test_client()
        if world.actors[actor] is not None:
            login(client, world.actors[actor])
        outcomes[actor] = client.get(f"/api/messages/{message_id}/revisions").status_code
    assert outcomes == {
        "anonymous": 401,
        "attendee": 403,
        "delegate": 403,
        "blocked": 403,
        "muted": 403,
        "banned": 401,
        "moderator": 200,
        "organizer": 200,
    }


# --- reading files (GET) -----------------------------------------------------------

EVERYONE_SIGNED_IN = {**{actor: "ok" for actor in ACTORS}, "anonymous": "404", "banned": "404"}
STAFF_READ = {**{actor: "404" for actor in ACTORS}, "moderator": "ok", "organizer": "ok"}
#: file state -> who gets it (a picture, and its thumbnail alike)
READ_MATRIX = {
    "unattached": {actor: "404" for actor in ACTORS},
    "attached": EVERYONE_SIGNED_IN,
    "hidden message": STAFF_READ,
    "hidden": STAFF_READ,
}


@pytest.mark.parametrize("state", list(READ_MATRIX))
def test_files_are_served_to_exactly_those_who_may_read_them(app, world, login, state):
    file_id = world.file(state=state)
    outcomes = {}
    for actor in ACTORS:
        client = app.test_client()
        if world.actors[actor] is not None:
            login(client, world.actors[actor])
        answers = {
            client.get(f"/files/{file_id}/plan.png").status_code,
            client.get(f"/files/{file_id}/thumbnail/plan.webp").status_code,
        }
        assert len(answers) == 1, (actor, answers)
        outcomes[actor] = {200: "ok", 404: "404"}[answers.pop()]
    assert outcomes == READ_MATRIX[state]


def test_an_uploader_alone_reads_a_file_not_yet_attached(app, world, login):
    for actor in ("delegate", "muted", "moderator", "organizer"):
        person = world.actors[actor]
        with app.app_context():
            file = files.upload_file(db.session.get(User, person.id), samples.image(), "mine.png")
        client = app.test_client()
        login(client, person)
        assert client.get(f"/files/{file.id}/mine.png").status_code == 200, actor


#: What a page's answer means to the person asking ("login": the sign-in page, or 401).
PAGE_OUTCOMES = {200: "ok", 302: "login", 401: "login", 403: "forbidden", 404: "404"}


def answers_to_each_actor(app, world, login, path):
    """What ``GET path`` answers each actor (``PAGE_OUTCOMES``)."""
    outcomes = {}
    for actor in ACTORS:
        client = app.test_client()
        if world.actors[actor] is not None:
            login(client, world.actors[actor])
        outcomes[actor] = PAGE_OUTCOMES[client.get(path).status_code]
    return outcomes


# --- reading one's mentions and looking people up (GET) ------------------------------

WRITERS_READ = {**EVERYONE_SIGNED_IN, "anonymous": "login", "banned": "login"}
#: path -> who gets an answer ("login": 401 or the sign-in page; "forbidden": 403)
MENTION_READ_MATRIX = {
    "/mentions": WRITERS_READ,
    "/api/mentions": WRITERS_READ,
    "/api/people/suggest?q=ta": {**WRITERS_READ, "attendee": "forbidden"},
}


@pytest.mark.parametrize("path", list(MENTION_READ_MATRIX))
def test_mentions_and_the_people_lookup_answer_each_person_exactly(app, world, login, path):
    outcomes = answers_to_each_actor(app, world, login, path)
    assert outcomes == MENTION_READ_MATRIX[path]


# --- the page a browser without JavaScript reacts on (GET) --------------------------

#: message -> who gets the page of emoji buttons ("login": the sign-in page)
REACTION_PAGE_MATRIX = {
    "shown": {**EVERYONE_SIGNED_IN, "anonymous": "login", "banned": "login"},
    "hidden": {**{actor: "404" for actor in ACTORS}, "anonymous": "login", "banned": "login"},
}


@pytest.mark.parametrize("state", list(REACTION_PAGE_MATRIX))
def test_the_reaction_page_answers_each_person_exactly(app, world, login, state):
    message_id = world.message_by(hidden=state == "hidden")
    outcomes = answers_to_each_actor(
        app, world, login, f"/rooms/plenary/messages/{message_id}/reactions"
    )
    assert outcomes == REACTION_PAGE_MATRIX[state]


# --- a person's card in a room (GET) -------------------------------------------------

#: target -> what the card offers each person: "message", "declines" (the sentence that the
#: person takes messages from delegates, moderators and organizers only), "nothing", or
#: "login" / "404". A block changes nothing here: the blocked person is not told.
CARD_MATRIX = {
    "allows attendees": {
        **{actor: "message" for actor in ACTORS},
        "anonymous": "login",
        "banned": "login",
    },
    "keeps attendees out": {
        **{actor: "message" for actor in ACTORS},
        "anonymous": "login",
        "attendee": "declines",
        "banned": "login",
    },
}


@pytest.mark.parametrize("target", list(CARD_MATRIX))
def test_a_person_s_card_offers_each_person_exactly(app, world, login, target):
    person_id = _listed_delegate(world, attendees=target == "allows attendees")
    outcomes = {}
    for actor in ACTORS:
        client = app.test_client()
        if world.actors[actor] is not None:
            login(client, world.actors[actor])
        response = client.get(f"/people/{person_id}/card")
        if response.status_code != 200:
            outcomes[actor] = {302: "login", 401: "login", 404: "404"}[response.status_code]
            continue
        card = response.get_json()
        outcomes[actor] = (
            "message"
            if card["may_message"]
            else "declines"
            if card["declines_messages"]
            else "nothing"
        )
    assert outcomes == CARD_MATRIX[target]


# --- reading a reported message in context (GET) --------------------------------------


def _reported_conversation_message(world: World) -> int:
    """A message of a conversation between two fresh delegates, reported by one of them."""
    with world.app.app_context():
        writer, reader = world._user(Role.DELEGATE, "writer"), world._user(Role.DELEGATE, "peer")
        writer.listed = reader.listed = True
        db.session.commit()
        room, _created = conversations.start_conversation(writer, [reader.id])
        message = rooms.post_message(room, writer, "private", f"dm{next(_numbers)}")
        return moderation.report_message(message, reader, "matrix").id


def _report_of(world: World, message_id: int) -> int:
    with world.app.app_context():
        return db.session.scalars(sa.select(Report.id).where(Report.message_id == message_id)).one()


@pytest.mark.parametrize("room", ["themed room", "conversation"])
def test_a_reported_message_in_context_is_read_by_staff_only(app, world, login, room):
    if room == "conversation":
        report_id = _reported_conversation_message(world)
    else:
        report_id = _report_of(world, world.reported_message())
    outcomes = answers_to_each_actor(app, world, login, f"/moderation/reports/{report_id}/context")
    assert outcomes == {
        **{actor: "forbidden" for actor in ACTORS},
        "anonymous": "login",
        "banned": "login",
        "moderator": "ok",
        "organizer": "ok",
    }
