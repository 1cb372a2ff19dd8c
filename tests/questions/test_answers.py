"""Written answers: moderators and speakers write them, the latest wins, the log records each,
hidden questions carry none, and a delegate develops a question with its answer into a draft."""

import uuid

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import Invalid
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation.models import AuditAction
from exchange.moderation.models import AuditEntry
from exchange.practices import services as practices
from exchange.practices.models import PracticeStatus
from exchange.questions import services as questions
from exchange.questions.schemas import question_json
from exchange.questions.services import Moderation


@pytest.fixture
def people(app_ctx, make_user):
    def fresh(user):
        return db.session.get(User, user.id)

    return {
        "anna": fresh(make_user(Role.ATTENDEE, name="Anna")),
        "elena": fresh(make_user(Role.DELEGATE, name="Elena", administration="ferla")),
        "mod": fresh(make_user(Role.MODERATOR, name="Mod")),
        "org": fresh(make_user(Role.ORGANIZER, name="Org")),
    }


def ask(person, body="Who paid for the panels?"):
    return questions.ask(get_room("renewable-energy"), person, body, uuid.uuid4().hex)


def answer_entries(question):
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == AuditAction.ANSWER, AuditEntry.target_id == question.id)
            .order_by(AuditEntry.id)
        )
    )


def test_a_moderator_writes_an_answer_that_names_who_wrote_it(people):
    question = ask(people["anna"])
    questions.moderate(
        question, people["mod"], Moderation.ANSWER, answer="The **region** paid <b>half</b>."
    )
    assert question.is_answered and question.answered_by == people["mod"]
    assert question.answer_body == "The **region** paid <b>half</b>."
    assert "<b>" not in question.answer_html and "&lt;b&gt;" in question.answer_html
    shown = question_json(question)
    assert shown["answer"] == {
        "body_html": question.answer_html,
        "author": {"id": people["mod"].id, "name": "Mod"},
        "answered_at": shown["answer"]["answered_at"],
    }
    assert shown["answer_body"] == "The **region** paid <b>half</b>."
    assert shown["answered"] is True and shown["body"] == "Who paid for the panels?"


def test_marking_answered_without_words_has_no_answer_and_keeps_a_written_one(people):
    question = ask(people["anna"])
    questions.moderate(question, people["mod"], Moderation.ANSWER)
    assert question.is_answered and question_json(question)["answer"] is None
    assert question_json(question)["answer_body"] is None
    questions.moderate(question, people["mod"], Moderation.ANSWER, answer="The region.")
    questions.moderate(question, people["mod"], Moderation.ANSWER, answer="   ")
    assert question.answer_body == "The region."


def test_answering_again_replaces_the_answer_and_the_log_records_each(people):
    question = ask(people["anna"])
    questions.moderate(question, people["mod"], Moderation.ANSWER, answer="The region.")
    questions.moderate(question, people["org"], Moderation.ANSWER, answer="The region and EU.")
    assert question.answer_body == "The region and EU."
    assert question_json(question)["answer"]["author"]["name"] == "Org"
    entries = answer_entries(question)
    assert [(e.actor_id, e.subject_id, e.details["edited"]) for e in entries] == [
        (people["mod"].id, people["anna"].id, False),
        (people["org"].id, people["anna"].id, True),
    ]
    # The log says who answered, never the words (retention could not erase them there).
    assert all("region" not in str(e.details) + e.reason for e in entries)


def test_unanswering_takes_the_answer_away(people):
    question = ask(people["anna"])
    questions.moderate(question, people["mod"], Moderation.ANSWER, answer="The region.")
    questions.moderate(question, people["mod"], Moderation.UNANSWER)
    assert not question.is_answered and question.answered_by is None
    assert (question.answer_body, question.answer_html) == ("", "")
    assert question_json(question)["answer"] is None


@pytest.mark.parametrize("answer", ["x" * (questions.MAX_LENGTH + 1), "bad\x00byte"])
def test_an_answer_too_long_or_unstorable_is_refused(people, answer):
    question = ask(people["anna"])
    with pytest.raises(Invalid) as refused:
        questions.moderate(question, people["mod"], Moderation.ANSWER, answer=answer)
    assert refused.value.details == {"field": "answer"}
    db.session.rollback()
    assert not question.has_answer and not question.is_answered


def test_a_hidden_question_carries_no_answer_and_takes_none(people):
    question = ask(people["anna"])
    questions.moderate(question, people["mod"], Moderation.ANSWER, answer="The region.")
    questions.moderate(question, people["mod"], Moderation.HIDE, reason="Asked twice")
    assert question_json(question) == {
        "id": question.id,
        "room": "renewable-energy",
        "hidden": True,
    }
    with pytest.raises(Invalid):
        questions.moderate(question, people["mod"], Moderation.ANSWER, answer="Again.")


def test_developing_an_answered_question_drafts_the_question_and_its_answer(people):
    question = ask(people["anna"], body="How did you involve the parish?\nWe want to try it.")
    answer = "Hello everyone. We met the priest after mass and offered the roof.\nIt worked."
    questions.moderate(question, people["mod"], Moderation.ANSWER, answer=answer)
    practice = practices.develop_question(question, people["elena"])
    assert practice.status is PracticeStatus.DRAFT
    assert practice.title == "How did you involve the parish"
    assert practice.challenge == "How did you involve the parish?\nWe want to try it."
    assert practice.actions == answer
    assert practice.summary.startswith("We met the priest")  # not the greeting
    assert practice.source.question_id == question.id and practice.source.message_id is None
    # The practice credits the question, and so who answered it, to those who read the rooms.
    assert practices.source_question(practice, people["anna"]) is question
    assert practices.source_message(practice, people["anna"]) is None


def test_a_draft_no_longer_shows_a_question_hidden_since(people):
    question = ask(people["anna"])
    questions.moderate(question, people["mod"], Moderation.ANSWER, answer="The region.")
    practice = practices.develop_question(question, people["elena"])
    questions.moderate(question, people["mod"], Moderation.HIDE, reason="Off topic")
    assert practices.source_question(practice, people["elena"]) is None
    assert practices.discussion(practice, people["elena"]) == []


def test_developing_an_unanswered_question_is_as_before(people):
    question = ask(people["anna"])
    practice = practices.develop_question(question, people["elena"])
    assert practice.challenge == "" and practice.source is None
