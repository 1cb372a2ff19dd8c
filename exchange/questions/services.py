"""The rules of questions (Q&A): asking, voting, and what moderators do with them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import permissions
from .. import realtime
from ..accounts.models import User
from ..agenda.services import current_session
from ..db import utcnow
from ..errors import Invalid
from ..errors import NotFound
from ..event.models import Room
from ..event.phases import check_rooms_open
from ..event.phases import now
from ..extensions import db
from ..moderation.models import AuditAction
from ..moderation.services import audit_act
from ..moderation.services import audit_change
from ..moderation.services import check_not_muted
from ..payloads import check_storable
from ..permissions import Action
from ..rooms.services import validate_client_id
from ..sanitize import clean_chat_text
from ..serialize import iso_utc
from .models import Question
from .models import QuestionVote

logger = logging.getLogger(__name__)

#: The longest question, in characters: a question, not a speech.
MAX_LENGTH = 1000


class Order(StrEnum):
    """How the panel sorts questions: pinned first, answered last, then by votes or time."""

    VOTES = "votes"
    TIME = "time"


class Moderation(StrEnum):
    """What a moderator (or, for answering and pinning, a speaker) does to a question."""

    APPROVE = "approve"
    ANSWER = "answer"
    UNANSWER = "unanswer"
    PIN = "pin"
    UNPIN = "unpin"
    HIDE = "hide"


#: What speakers may do too (Action.ANSWER_QUESTIONS); the rest is moderation.
HOSTING = frozenset({Moderation.ANSWER, Moderation.UNANSWER, Moderation.PIN, Moderation.UNPIN})


def validate_body(body: str) -> None:
    if not body.strip():
        raise Invalid(_l("Write your question first."), field="body")
    if len(body) > MAX_LENGTH:
        raise Invalid(
            _l("Questions can be at most %(max)d characters long.", max=MAX_LENGTH), field="body"
        )
    check_storable(body, "body")


def validate_answer(answer: str) -> None:
    if len(answer) > MAX_LENGTH:
        raise Invalid(
            _l("Answers can be at most %(max)d characters long.", max=MAX_LENGTH), field="answer"
        )
    check_storable(answer, "answer")


def ask(room: Room, author: User, body: str, client_id: str) -> Question:
    """Store a question to ``room`` (and its current session), then tell who may see it.

    Sending the same ``client_id`` again returns the question stored the first
    time. In a room whose questions are moderated first, the question waits for
    a moderator; its asker sees it meanwhile.
    """
    permissions.check(author, Action.ASK_QUESTION, room)
    validate_body(body)
    validate_client_id(client_id)
    existing = db.session.scalars(
        sa.select(Question).where(Question.author_id == author.id, Question.client_id == client_id)
    ).first()
    if existing is not None:
        if existing.room_id != room.id or existing.body != body:
            raise Invalid(
                _l("This client_id was already used for a different question."),
                field="client_id",
            )
        return existing
    check_rooms_open()
    check_not_muted(author, utcnow())
    moment = now()
    question = Question(
        room=room,
        session=current_session(room, moment),
        author=author,
        client_id=client_id,
        body=body,
        body_html=clean_chat_text(body),
        approved_at=None if _waits(author, room) else utcnow(),
    )
    db.session.add(question)
    db.session.commit()
    logger.info("question %r asked in %s", question.id, room.slug)
    realtime.question_changed(question, "question")
    return question


def _waits(author: User, room: Room) -> bool:
    """Whether a new question waits for approval: in such rooms, unless a moderator asks."""
    return room.questions_moderated and not permissions.can(author, Action.MODERATE_QUESTIONS, room)


def vote(question: Question, voter: User) -> bool:
    """Vote for a question, or take the vote back; return whether ``voter`` now votes for it."""
    permissions.check(voter, Action.VOTE_QUESTION, question)
    existing = db.session.get(QuestionVote, (question.id, voter.id))
    if existing is None:
        db.session.add(QuestionVote(question_id=question.id, user_id=voter.id))
    else:
        db.session.delete(existing)
    db.session.flush()
    # Counted, not incremented, so that two votes at once cannot lose one.
    question.vote_count = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(QuestionVote)
            .where(QuestionVote.question_id == question.id)
        )
        or 0
    )
    db.session.commit()
    realtime.question_changed(question, "question_updated")
    return existing is None


def moderate(
    question: Question,
    actor: User,
    action: Moderation,
    reason: str = "",
    answer: str | None = None,
) -> Question:
    """Approve, mark answered (or not), pin (or not), or hide a question; hiding is audited.

    Marking answered may carry a written ``answer``; writing one again replaces it
    (the latest wins), and each written answer is in the moderation log (without
    its words). Unanswering takes the answer away. Speakers of the session in the
    question's room mark answered, answer and pin too (around the session's time);
    approving and hiding stay with moderators.
    """
    needed = Action.ANSWER_QUESTIONS if action in HOSTING else Action.MODERATE_QUESTIONS
    permissions.check(actor, needed, question)
    moment = utcnow()
    if action is Moderation.APPROVE:
        question.approved_at = question.approved_at or moment
    elif action is Moderation.ANSWER:
        question.answered_at = question.answered_at or moment
        question.pinned_at = None  # answered: it leaves the top
        if answer is not None and answer.strip():
            _write_answer(question, actor, answer)
    elif action is Moderation.UNANSWER:
        question.answered_at = None
        question.answer_body = question.answer_html = ""
        question.answered_by = None
    elif action is Moderation.PIN:
        question.pinned_at = question.pinned_at or moment
    elif action is Moderation.UNPIN:
        question.pinned_at = None
    elif not question.is_hidden:
        reason = reason.strip()
        if not reason or len(reason) > 500:
            raise Invalid(_l("Say why, in at most 500 characters."), field="reason")
        question.hidden_at = moment
        question.hidden_by = actor
        question.hidden_reason = reason
        audit_act(
            actor, AuditAction.HIDE, "question", question.id, subject=question.author, reason=reason
        )
    db.session.commit()
    logger.info("question %r: %s by %r", question.id, action.value, actor.id)
    realtime.question_changed(question, "question_updated")
    return question


def _write_answer(question: Question, actor: User, answer: str) -> None:
    validate_answer(answer)
    if question.is_hidden:
        raise Invalid(_l("A hidden question cannot be answered."), field="answer")
    edited = question.has_answer
    question.answer_body = answer
    question.answer_html = clean_chat_text(answer)
    question.answered_by = actor
    question.answered_at = utcnow()
    audit_change(
        actor,
        AuditAction.ANSWER,
        "question",
        question.id,
        subject=question.author,
        edited=edited,
        length=len(answer),
    )


def get_question(question_id: int) -> Question:
    """Return a question by id, or raise :class:`NotFound`."""
    question = db.session.scalars(
        sa.select(Question)
        .where(Question.id == question_id)
        .options(joinedload(Question.author).joinedload(User.administration))
    ).first()
    if question is None:
        raise NotFound()
    return question


def readable_question(question_id: int, reader: User) -> Question:
    """Return a question ``reader`` may see (approved and visible, or theirs), else NotFound."""
    question = get_question(question_id)
    if not may_see(reader, question):
        raise NotFound()
    return question


def may_see(reader: permissions.Visitor, question: Question) -> bool:
    """Everyone sees approved visible questions; askers their own waiting ones; staff all."""
    if permissions.can(reader, Action.MODERATE_QUESTIONS, question):
        return True
    if question.is_hidden:
        return False
    if question.is_approved:
        return True
    return isinstance(reader, User) and question.author_id == reader.id


@dataclass
class Panel:
    """The questions of a room one reader sees, in the panel's order, with their own votes."""

    questions: list[Question]
    voted: set[int]
    order: Order


def panel(room: Room, reader: User, order: Order = Order.VOTES) -> Panel:
    """Return the room's questions as ``reader`` sees them: pinned, open, then answered."""
    query = (
        sa.select(Question)
        .where(Question.room_id == room.id)
        .options(
            joinedload(Question.author).joinedload(User.administration),
            joinedload(Question.answered_by),
        )
    )
    if not permissions.can(reader, Action.MODERATE_QUESTIONS, room):
        query = query.where(
            Question.visible(),
            sa.or_(Question.approved_at.is_not(None), Question.author_id == reader.id),
        )
    questions = list(db.session.scalars(query))
    questions.sort(key=sort_key(order))
    voted = set(
        db.session.scalars(
            sa.select(QuestionVote.question_id).where(
                QuestionVote.user_id == reader.id,
                QuestionVote.question_id.in_([q.id for q in questions]),
            )
        )
    )
    return Panel(questions, voted, order)


def sort_key(order: Order) -> Callable[[Question], tuple[int, int, float, int]]:
    """The panel's order; the browser sorts live updates by the same rule (questions.js)."""

    def key(question: Question) -> tuple[int, int, float, int]:
        rank = 0 if question.is_pinned else 2 if question.is_answered else 1
        votes = -question.vote_count if order is Order.VOTES else 0
        return (rank, votes, -question.created_at.timestamp(), -question.id)

    return key


def waiting(reader: User) -> list[Question]:
    """The questions waiting for a moderator's approval, oldest first (the moderation queue)."""
    permissions.check(reader, Action.MODERATE_QUESTIONS)
    return list(
        db.session.scalars(
            sa.select(Question)
            .where(Question.approved_at.is_(None), Question.visible())
            .options(
                joinedload(Question.author).joinedload(User.administration),
                joinedload(Question.room),
            )
            .order_by(Question.id)
            .limit(200)
        )
    )


def counts() -> dict[str, int]:
    """How many questions were asked and votes given, for the organizers' dashboard.

    Hidden questions count too: the dashboard measures participation, not the panel.
    """
    return {
        "questions": db.session.scalar(sa.select(sa.func.count()).select_from(Question)) or 0,
        "question_votes": db.session.scalar(sa.select(sa.func.count()).select_from(QuestionVote))
        or 0,
    }


def personal_data(user: User) -> dict[str, object]:
    """The questions ``user`` asked, those they vote for and the answers they wrote (export)."""
    asked = db.session.scalars(
        sa.select(Question)
        .where(Question.author_id == user.id)
        .options(joinedload(Question.room))
        .order_by(Question.id)
    )
    votes = db.session.scalars(
        sa.select(QuestionVote.question_id)
        .where(QuestionVote.user_id == user.id)
        .order_by(QuestionVote.question_id)
    )
    answered = db.session.scalars(
        sa.select(Question)
        .where(Question.answered_by_id == user.id, Question.answer_body != "")
        .options(joinedload(Question.room))
        .order_by(Question.id)
    )
    return {
        "asked": [
            {
                "id": question.id,
                "room": question.room.slug,
                "body": question.body,
                "asked_at": iso_utc(question.created_at),
                "answered": question.is_answered,
                "hidden_reason": question.hidden_reason if question.is_hidden else None,
            }
            for question in asked
        ],
        "voted_for": list(votes),
        "answered": [
            {
                "question_id": question.id,
                "room": question.room.slug,
                "answer": question.answer_body,
                "answered_at": iso_utc(question.answered_at) if question.answered_at else None,
            }
            for question in answered
        ],
    }
