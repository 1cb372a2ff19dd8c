"""Questions (Q&A): asked by anyone signed in, voted once each, moderated, sorted."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import Archived
from exchange.errors import Forbidden
from exchange.errors import Invalid
from exchange.errors import Muted
from exchange.errors import NotFound
from exchange.event.phases import CLOCK
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.moderation.models import AuditEntry
from exchange.practices import services as practices
from exchange.practices.models import PracticeStatus
from exchange.questions import services as questions
from exchange.questions.models import QuestionVote
from exchange.questions.services import Moderation
from exchange.questions.services import Order

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def people(app_ctx, make_user):
    """Load each person in the test's own application context."""

    def fresh(user):
        return db.session.get(User, user.id)

    return {
        "anna": fresh(make_user(Role.ATTENDEE, name="Anna")),
        "elena": fresh(make_user(Role.DELEGATE, name="Elena", administration="ferla")),
        "marco": fresh(make_user(Role.DELEGATE, name="Marco")),
        "mod": fresh(make_user(Role.MODERATOR, name="Mod")),
    }


def ask(person, body="Who paid for the panels?", room="renewable-energy", client_id=None):
    return questions.ask(get_room(room), person, body, client_id or uuid.uuid4().hex)


def test_an_attendee_asks_and_everyone_sees_it(people):
    question = ask(people["anna"])
    assert question.is_approved and not question.is_answered
    assert question.body_html == "Who paid for the panels?"
    for reader in people.values():
        assert [q.id for q in questions.panel(get_room("renewable-energy"), reader).questions] == [
            question.id
        ]


def test_the_same_client_id_stores_one_question(people):
    first = ask(people["anna"], client_id="same")
    again = ask(people["anna"], client_id="same")
    assert again.id == first.id
    with pytest.raises(Invalid):
        ask(people["anna"], body="Something else", client_id="same")


@pytest.mark.parametrize("body", ["", "   ", "x" * 1001, "nul\x00byte"])
def test_a_blank_too_long_or_unstorable_question_is_refused(people, body):
    with pytest.raises(Invalid):
        ask(people["anna"], body=body)


def test_hostile_questions_are_stored_as_typed_and_shown_escaped(people, naughty_strings):
    storable = [s for s in naughty_strings if s.strip() and "\x00" not in s][:200]
    for number, text in enumerate(storable):
        try:
            question = ask(people["elena"], body=text, client_id=f"n{number}")
        except Invalid:
            continue  # unstorable (lone surrogates): refused, never stored half
        assert question.body == text
        assert "<script" not in question.body_html.lower()


def test_a_vote_counts_once_and_a_second_takes_it_back(people):
    question = ask(people["anna"])
    assert questions.vote(question, people["elena"]) is True
    assert questions.vote(question, people["marco"]) is True
    assert question.vote_count == 2
    assert questions.vote(question, people["elena"]) is False
    assert question.vote_count == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionVote)) == 1


def test_the_panel_puts_pinned_first_answered_last_and_sorts_by_votes_or_time(people):
    old = ask(people["anna"], body="Old question")
    popular = ask(people["anna"], body="Popular question")
    newest = ask(people["anna"], body="Newest question")
    pinned = ask(people["anna"], body="Pinned question")
    answered = ask(people["anna"], body="Answered question")
    for voter in ("elena", "marco"):
        questions.vote(popular, people[voter])
        questions.vote(answered, people[voter])
    questions.moderate(pinned, people["mod"], Moderation.PIN)
    questions.moderate(answered, people["mod"], Moderation.ANSWER)
    room = get_room("renewable-energy")
    by_votes = questions.panel(room, people["elena"], Order.VOTES)
    assert [q.id for q in by_votes.questions] == [
        pinned.id,
        popular.id,
        newest.id,
        old.id,
        answered.id,
    ]
    assert by_votes.voted == {popular.id, answered.id}
    by_time = questions.panel(room, people["elena"], Order.TIME)
    assert [q.id for q in by_time.questions] == [
        pinned.id,
        newest.id,
        popular.id,
        old.id,
        answered.id,
    ]


def test_marking_a_pinned_question_answered_unpins_it(people):
    question = ask(people["anna"])
    questions.moderate(question, people["mod"], Moderation.PIN)
    questions.moderate(question, people["mod"], Moderation.ANSWER)
    assert question.is_answered and not question.is_pinned
    questions.moderate(question, people["mod"], Moderation.UNANSWER)
    assert not question.is_answered


def test_in_a_premoderated_room_a_question_waits_for_approval(people):
    question = ask(people["anna"], room="plenary")
    plenary = get_room("plenary")
    assert not question.is_approved
    assert [q.id for q in questions.panel(plenary, people["anna"]).questions] == [question.id]
    assert questions.panel(plenary, people["elena"]).questions == []
    assert [q.id for q in questions.waiting(people["mod"])] == [question.id]
    with pytest.raises(Forbidden):
        questions.vote(question, people["elena"])
    with pytest.raises(NotFound):
        questions.readable_question(question.id, people["elena"])
    questions.moderate(question, people["mod"], Moderation.APPROVE)
    assert [q.id for q in questions.panel(plenary, people["elena"]).questions] == [question.id]
    assert questions.waiting(people["mod"]) == []


def test_a_moderators_own_question_needs_no_approval(people):
    assert ask(people["mod"], room="plenary").is_approved


def test_a_hidden_question_leaves_the_panel_and_the_log_says_why(people):
    question = ask(people["anna"])
    with pytest.raises(Invalid):
        questions.moderate(question, people["mod"], Moderation.HIDE, reason=" ")
    questions.moderate(question, people["mod"], Moderation.HIDE, reason="Off topic")
    room = get_room("renewable-energy")
    assert questions.panel(room, people["elena"]).questions == []
    assert questions.panel(room, people["mod"]).questions == [question]  # staff still see it
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.target_type == "question"))
    logged = entry.one()
    assert (logged.target_id, logged.reason, logged.subject_id) == (
        question.id,
        "Off topic",
        people["anna"].id,
    )
    with pytest.raises(Forbidden):
        questions.vote(question, people["elena"])


def test_only_moderators_moderate(people):
    question = ask(people["anna"])
    for person in ("anna", "elena"):
        with pytest.raises(Forbidden):
            questions.moderate(question, people[person], Moderation.ANSWER)


def test_a_muted_person_cannot_ask(people):
    moderation.mute(people["elena"], people["mod"], 10, "calm down")
    with pytest.raises(Muted):
        ask(people["elena"])


def test_after_the_event_questions_are_read_but_not_asked(app_ctx, people):
    app_ctx.config["ARCHIVE_GRACE_DAYS"] = 7
    app_ctx.extensions[CLOCK] = lambda: dt.datetime(2027, 1, 1, tzinfo=ROME)
    with pytest.raises(Archived):
        ask(people["anna"])


def test_a_question_belongs_to_the_session_on_in_its_room(app_ctx, people):
    app_ctx.extensions[CLOCK] = lambda: dt.datetime(2026, 12, 2, 10, 45, tzinfo=ROME)
    question = ask(people["anna"])
    assert question.session.slug == "solar-schools"
    other = ask(people["anna"], room="funding")
    assert other.session is None


def test_a_delegate_develops_a_question_into_a_draft_practice(people):
    question = ask(people["anna"], body="How did you involve the parish?\nWe want to try it.")
    practice = practices.develop_question(question, people["elena"])
    assert practice.status is PracticeStatus.DRAFT
    assert practice.title == "How did you involve the parish"  # proposed as from a message
    assert practice.theme.slug == "renewable-energy"
    assert practice.administration.slug == "ferla"


def test_a_waiting_question_cannot_be_developed(people):
    question = ask(people["anna"], room="plenary")
    with pytest.raises(Forbidden):
        practices.develop_question(question, people["elena"])


def test_counts_are_for_the_dashboard(people):
    question = ask(people["anna"])
    questions.vote(question, people["elena"])
    assert questions.counts() == {"questions": 1, "question_votes": 1}
