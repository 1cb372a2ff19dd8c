"""Speakers answer and pin the questions of their session's room, around its time; no more."""

import copy
import datetime as dt
import tomllib
import uuid
from zoneinfo import ZoneInfo

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import Forbidden
from exchange.errors import NotFound
from exchange.event.phases import CLOCK
from exchange.event.services import get_room
from exchange.event.services import load_event
from exchange.extensions import db
from exchange.permissions import Action
from exchange.permissions import can
from exchange.questions import services as questions
from exchange.questions.services import Moderation

from ..conftest import DEMO_EVENT

ROME = ZoneInfo("Europe/Rome")
#: The demo's "solar-schools": 10:30 to 11:30 in Rome on 2 December, in renewable-energy.
DURING = dt.datetime(2026, 12, 2, 10, 45, tzinfo=ROME)
AFTER_GRACE = dt.datetime(2026, 12, 2, 12, 1, tzinfo=ROME)


def load_with_speaker(email):
    with open(DEMO_EVENT, "rb") as fh:
        data = tomllib.load(fh)
    data = copy.deepcopy(data)
    item = next(item for item in data["sessions"] if item["slug"] == "solar-schools")
    item["speakers"] = [{**item["speakers"][0], "email": email}]
    load_event(data)


@pytest.fixture
def people(app_ctx, make_user):
    def fresh(user):
        return db.session.get(User, user.id)

    people = {
        "anna": fresh(make_user(Role.ATTENDEE, name="Anna")),
        "elena": fresh(make_user(Role.DELEGATE, name="Elena", administration="ferla")),
        "klaus": fresh(make_user(Role.DELEGATE, name="Klaus", email="klaus@example.de")),
        "sara": fresh(make_user(Role.ATTENDEE, name="Sara", email="sara@example.eu")),
        "mod": fresh(make_user(Role.MODERATOR, name="Mod")),
        "org": fresh(make_user(Role.ORGANIZER, name="Org")),
    }
    load_with_speaker("klaus@example.de")
    app_ctx.extensions[CLOCK] = lambda: DURING
    return people


def ask(person, room="renewable-energy"):
    return questions.ask(get_room(room), person, "Who paid for the panels?", uuid.uuid4().hex)


@pytest.mark.parametrize("action", [Moderation.ANSWER, Moderation.PIN])
def test_a_speaker_answers_and_pins_in_their_room_during_their_session(people, action):
    question = ask(people["anna"])
    questions.moderate(question, people["klaus"], action)
    assert question.is_answered if action is Moderation.ANSWER else question.is_pinned


def test_a_speaker_takes_back_an_answer_and_a_pin(people):
    question = ask(people["anna"])
    questions.moderate(question, people["klaus"], Moderation.PIN)
    questions.moderate(question, people["klaus"], Moderation.UNPIN)
    questions.moderate(question, people["klaus"], Moderation.ANSWER)
    questions.moderate(question, people["klaus"], Moderation.UNANSWER)
    assert not question.is_pinned and not question.is_answered


def test_a_speaker_writes_answers_within_their_grace_window_only(app_ctx, people):
    question = ask(people["anna"])
    questions.moderate(question, people["klaus"], Moderation.ANSWER, answer="Half the region.")
    assert question.answered_by == people["klaus"] and question.answer_body == "Half the region."
    app_ctx.extensions[CLOCK] = lambda: AFTER_GRACE
    with pytest.raises(Forbidden):
        questions.moderate(question, people["klaus"], Moderation.ANSWER, answer="All of it.")
    assert question.answer_body == "Half the region."


@pytest.mark.parametrize("action", [Moderation.HIDE, Moderation.APPROVE])
def test_a_speaker_neither_hides_nor_approves(people, action):
    question = ask(people["anna"])
    with pytest.raises(Forbidden):
        questions.moderate(question, people["klaus"], action, reason="Off topic")
    assert not question.is_hidden


def test_a_speaker_does_not_answer_in_another_room(people):
    question = ask(people["anna"], room="funding")
    with pytest.raises(Forbidden):
        questions.moderate(question, people["klaus"], Moderation.ANSWER)


def test_a_speaker_does_not_answer_after_the_grace_period(app_ctx, people):
    question = ask(people["anna"])
    app_ctx.extensions[CLOCK] = lambda: AFTER_GRACE
    with pytest.raises(Forbidden):
        questions.moderate(question, people["klaus"], Moderation.ANSWER)
    assert not question.is_answered


def test_a_speaker_does_not_see_waiting_questions(app_ctx, people):
    get_room("renewable-energy").questions_moderated = True
    db.session.commit()
    question = ask(people["anna"])
    assert not question.is_approved
    with pytest.raises(NotFound):
        questions.readable_question(question.id, people["klaus"])


#: (role, speaker of the session?, at what moment) -> may answer and pin the room's questions.
MATRIX = [
    (role, speaker, moment, role in {Role.MODERATOR, Role.ORGANIZER} or (speaker and in_time))
    for role in Role
    for speaker in (True, False)
    for moment, in_time in ((DURING, True), (AFTER_GRACE, False))
]


@pytest.mark.parametrize(("role", "speaker", "moment", "allowed"), MATRIX)
def test_who_answers_and_pins_questions(app_ctx, make_user, role, speaker, moment, allowed):
    email = f"{role.value}-speaker@example.org"
    person = db.session.get(User, make_user(role, email=email).id)
    asker = db.session.get(User, make_user(Role.ATTENDEE).id)
    load_with_speaker(email if speaker else "someone-else@example.org")
    app_ctx.extensions[CLOCK] = lambda: DURING
    question = ask(asker)
    app_ctx.extensions[CLOCK] = lambda: moment
    assert can(person, Action.ANSWER_QUESTIONS, question) is allowed
    assert can(person, Action.ANSWER_QUESTIONS, question.room) is allowed
    assert can(person, Action.MODERATE_QUESTIONS, question) is (
        role in {Role.MODERATOR, Role.ORGANIZER}
    )
    if allowed:
        questions.moderate(question, person, Moderation.PIN)
        assert question.is_pinned
    else:
        with pytest.raises(Forbidden):
            questions.moderate(question, person, Moderation.PIN)


@pytest.fixture
def on_the_web(app, make_user):
    """The people, for tests through HTTP and sockets (each request has its own context)."""
    people = {
        "anna": make_user(Role.ATTENDEE, name="Anna"),
        "elena": make_user(Role.DELEGATE, name="Elena", administration="ferla"),
        "klaus": make_user(Role.DELEGATE, name="Klaus", email="klaus@example.de"),
    }
    with app.app_context():
        load_with_speaker("klaus@example.de")
    app.extensions[CLOCK] = lambda: DURING
    return people


def asked(app, person, room="renewable-energy"):
    with app.app_context():
        return ask(db.session.get(User, person.id), room=room).id


def test_the_questions_page_shows_a_speaker_the_badge_and_their_buttons(
    app, client, login, on_the_web
):
    asked(app, on_the_web["anna"])
    login(client, on_the_web["klaus"])
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    assert "session-badge speaker" in page
    assert 'data-action="answer"' in page and 'data-action="pin"' in page
    assert 'data-action="hide"' not in page and 'data-action="approve"' not in page
    elsewhere = client.get("/rooms/funding/questions").get_data(as_text=True)
    assert "session-badge speaker" not in elsewhere and 'data-action="answer"' not in elsewhere
    other = app.test_client()
    login(other, on_the_web["elena"])
    page = other.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    assert "session-badge speaker" not in page and 'data-action="answer"' not in page


def test_a_speaker_marks_answered_without_javascript_but_does_not_hide(
    app, client, login, on_the_web
):
    question_id = asked(app, on_the_web["anna"])
    login(client, on_the_web["klaus"])
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        f"/questions/{question_id}/moderate", data={"action": "answer", "csrf_token": token}
    )
    assert answer.status_code == 302
    hide = client.post(
        f"/questions/{question_id}/moderate",
        data={"action": "hide", "reason": "no", "csrf_token": token},
    )
    assert hide.status_code == 403
    with app.app_context():
        stored = questions.get_question(question_id)
        assert stored.is_answered and not stored.is_hidden


def test_question_moderate_by_a_speaker_over_the_socket(app, connect, on_the_web):
    question_id = asked(app, on_the_web["anna"])
    elsewhere_id = asked(app, on_the_web["anna"], room="funding")
    klaus = connect(on_the_web["klaus"])
    answered = klaus.emit(
        "question_moderate", {"question_id": question_id, "action": "answer"}, callback=True
    )
    assert answered["ok"] and answered["question"]["answered"] is True
    for payload in (
        {"question_id": question_id, "action": "hide", "reason": "Off topic"},
        {"question_id": question_id, "action": "approve"},
        {"question_id": elsewhere_id, "action": "pin"},
    ):
        refused = klaus.emit("question_moderate", payload, callback=True)
        assert refused["ok"] is False and refused["error"]["code"] == "forbidden", payload
