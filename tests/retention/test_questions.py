"""Questions and their votes follow the room messages' retention period, dry run and real run
alike, on both databases: exactly the old questions lose their text and their votes."""

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.questions import services as questions
from exchange.questions.models import Question
from exchange.questions.models import QuestionVote
from exchange.questions.services import Moderation
from exchange.retention.services import apply_retention
from exchange.retention.services import RETENTION_REASON

NOW = dt.datetime(2028, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def asked(app_ctx, make_user):
    """Questions of 400, 366, 364 and 10 days ago, each with two votes; the oldest was hidden."""
    anna = db.session.get(User, make_user(Role.ATTENDEE, name="Anna").id)
    voters = [db.session.get(User, make_user(Role.DELEGATE).id) for _ in range(2)]
    moderator = db.session.get(User, make_user(Role.MODERATOR).id)
    ids = {}
    for days in (400, 366, 364, 10):
        question = questions.ask(
            get_room("renewable-energy"), anna, f"Asked {days} days ago?", uuid.uuid4().hex
        )
        for voter in voters:
            questions.vote(question, voter)
        ids[days] = question.id
    for days in (366, 364):
        questions.moderate(
            db.session.get(Question, ids[days]), moderator, Moderation.ANSWER, answer="The EU."
        )
    questions.moderate(
        db.session.get(Question, ids[400]), moderator, Moderation.HIDE, reason="Asked twice"
    )
    for days, question_id in ids.items():
        db.session.get(Question, question_id).created_at = NOW - dt.timedelta(days=days)
    db.session.commit()
    return {"ids": ids, "voters": [voter.id for voter in voters]}


def test_the_dry_run_lists_the_questions_and_votes_the_job_removes(asked):
    ids, voters = asked["ids"], sorted(asked["voters"])
    planned = apply_retention(NOW, dry_run=True)
    assert planned.question_ids == [ids[400], ids[366]]
    assert planned.vote_keys == [(ids[days], voter) for days in (400, 366) for voter in voters]
    assert db.session.get(Question, ids[366]).body == "Asked 366 days ago?"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionVote)) == 8
    assert "2 question(s) erased" in "\n".join(planned.lines())
    assert "4 vote(s) for them deleted" in "\n".join(planned.lines())

    done = apply_retention(NOW)
    assert (done.question_ids, done.vote_keys) == (planned.question_ids, planned.vote_keys)


def test_old_questions_lose_their_text_and_votes_and_newer_ones_keep_theirs(asked):
    ids = asked["ids"]
    apply_retention(NOW)
    db.session.expire_all()
    for days in (400, 366):
        question = db.session.get(Question, ids[days])
        assert (question.body, question.body_html) == ("", "")
        assert (question.answer_body, question.answer_html) == ("", "")  # its answer goes too
        assert question.is_hidden
        assert question.vote_count == 2  # the count is nobody's: it stays
    assert db.session.get(Question, ids[366]).hidden_reason == RETENTION_REASON
    # Hidden by a moderator before: when and by whom stays, the reason says why it is empty.
    oldest = db.session.get(Question, ids[400])
    assert oldest.hidden_by_id is not None and oldest.hidden_reason == RETENTION_REASON
    for days in (364, 10):
        question = db.session.get(Question, ids[days])
        assert question.body == f"Asked {days} days ago?" and not question.is_hidden
    assert db.session.get(Question, ids[364]).answer_body == "The EU."
    remaining = db.session.execute(
        sa.select(QuestionVote.question_id).order_by(QuestionVote.question_id)
    ).scalars()
    assert sorted(set(remaining)) == sorted([ids[364], ids[10]])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionVote)) == 4


def test_erased_questions_leave_the_panel(asked):
    apply_retention(NOW)
    reader = db.session.get(User, asked["voters"][0])
    shown = [q.id for q in questions.panel(get_room("renewable-energy"), reader).questions]
    assert shown == [asked["ids"][10], asked["ids"][364]]  # as many votes: newest first


def test_running_the_job_again_removes_nothing_more(asked):
    apply_retention(NOW)
    again = apply_retention(NOW)
    assert (again.question_ids, again.vote_keys) == ([], [])


def test_without_a_period_questions_and_votes_are_kept(app_ctx, asked):
    app_ctx.config["RETENTION_ROOM_MESSAGES_DAYS"] = None
    report = apply_retention(NOW)
    assert (report.question_ids, report.vote_keys) == ([], [])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionVote)) == 8
