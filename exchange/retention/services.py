"""Apply the retention periods: erase room messages older than their period, and their traces.

A message of a themed room past ``EXCHANGE_RETENTION_ROOM_MESSAGES_DAYS``, or of a
conversation (direct messages) past ``EXCHANGE_RETENTION_DIRECT_MESSAGES_DAYS``,
keeps its row (reports, moderation changes and read positions point at it) but
loses what it said: its text, the files attached to it, and the excerpt that
notices about it quoted.
It is then hidden from everyone, as moderation hides things. Who wrote it,
where and when stays, and the moderation log keeps what the law needs (who did
what to which message, when, why), which never held bodies. Questions asked in
the rooms follow the same period in the same way, with their written answers (the
moderation log points at hidden ones), and their votes, which say who voted for
what, are deleted; the count stays. Practices, sign-in records and the e-book are not touched.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask import current_app

from ..event.models import Room
from ..event.models import RoomKind
from ..extensions import db
from ..files.models import StoredFile
from ..files.services import discard
from ..files.services import files_of_owner
from ..moderation.models import Notice
from ..questions.models import Question
from ..questions.models import QuestionVote
from ..rooms.models import Message
from ..rooms.models import MessageRevision

logger = logging.getLogger(__name__)

#: What hidden_reason says of a message erased by the retention rules.
RETENTION_REASON = "retention"


@dataclass
class RetentionReport:
    """What the rules remove (or, in a dry run, would remove)."""

    #: Before this, messages of themed rooms and questions go (None: they are kept).
    cutoff: dt.datetime | None
    #: Before this, messages of conversations go (None: they are kept).
    direct_cutoff: dt.datetime | None = None
    message_ids: list[int] = field(default_factory=list)
    file_ids: list[int] = field(default_factory=list)
    notice_ids: list[int] = field(default_factory=list)
    question_ids: list[int] = field(default_factory=list)
    #: The votes for those questions, as (question id, voter id).
    vote_keys: list[tuple[int, int]] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = []
        periods = []
        if self.cutoff is None:
            lines.append(
                "Room messages and questions are kept: "
                "EXCHANGE_RETENTION_ROOM_MESSAGES_DAYS is not set."
            )
        else:
            periods.append(f"room messages written before {_moment(self.cutoff)}")
        if self.direct_cutoff is None:
            lines.append(
                "Direct messages are kept: EXCHANGE_RETENTION_DIRECT_MESSAGES_DAYS is not set."
            )
        else:
            periods.append(f"direct messages written before {_moment(self.direct_cutoff)}")
        if not periods:
            return lines
        heading = " and ".join(periods)
        lines += [
            f"{heading[0].upper()}{heading[1:]}:",
            f"  {len(self.message_ids)} message(s) erased: {_ids(self.message_ids)}",
            f"  {len(self.file_ids)} attached file(s) deleted: {_ids(self.file_ids)}",
        ]
        if self.cutoff is not None:
            lines += [
                f"  {len(self.notice_ids)} notice(s) without their excerpt: "
                f"{_ids(self.notice_ids)}",
                f"Questions asked before {_moment(self.cutoff)}:",
                f"  {len(self.question_ids)} question(s) erased: {_ids(self.question_ids)}",
                f"  {len(self.vote_keys)} vote(s) for them deleted",
            ]
        return lines


def _moment(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids) if ids else "none"


def room_message_cutoff(now: dt.datetime) -> dt.datetime | None:
    """The moment before which room messages go, or None when they are kept."""
    days = current_app.config["RETENTION_ROOM_MESSAGES_DAYS"]
    return None if days is None else now - dt.timedelta(days=days)


def direct_message_cutoff(now: dt.datetime) -> dt.datetime | None:
    """The moment before which messages of conversations go, or None when they are kept."""
    days = current_app.config["RETENTION_DIRECT_MESSAGES_DAYS"]
    return None if days is None else now - dt.timedelta(days=days)


def expired(now: dt.datetime) -> RetentionReport:
    """Say what the retention rules remove at ``now``, changing nothing."""
    cutoff = room_message_cutoff(now)
    direct_cutoff = direct_message_cutoff(now)
    report = RetentionReport(cutoff, direct_cutoff)
    periods = []
    if cutoff is not None:
        periods.append(sa.and_(Room.kind == RoomKind.PUBLIC, Message.created_at < cutoff))
    if direct_cutoff is not None:
        periods.append(sa.and_(Room.kind == RoomKind.DIRECT, Message.created_at < direct_cutoff))
    if not periods:
        return report
    messages = list(
        db.session.scalars(
            sa.select(Message)
            .join(Room, Room.id == Message.room_id)
            # An erased message has no text left (and a sent one always has some).
            .where(sa.or_(*periods), Message.body != "")
            .order_by(Message.id)
        )
    )
    report.message_ids = [message.id for message in messages]
    report.file_ids = [
        file.id for message in messages for file in files_of_owner(message, include_hidden=True)
    ]
    if cutoff is None:
        return report
    notices = db.session.scalars(
        sa.select(Notice).where(Notice.created_at < cutoff).order_by(Notice.id)
    )
    report.notice_ids = [notice.id for notice in notices if "excerpt" in notice.data]
    report.question_ids = list(
        db.session.scalars(
            sa.select(Question.id)
            # As with messages: an erased question has no text left.
            .where(Question.created_at < cutoff, Question.body != "")
            .order_by(Question.id)
        )
    )
    report.vote_keys = [
        (row.question_id, row.user_id)
        for row in db.session.execute(
            sa.select(QuestionVote.question_id, QuestionVote.user_id)
            .where(QuestionVote.question_id.in_(report.question_ids))
            .order_by(QuestionVote.question_id, QuestionVote.user_id)
        )
    ]
    return report


def apply_retention(now: dt.datetime, *, dry_run: bool = False) -> RetentionReport:
    """Erase what the retention rules remove at ``now`` (one commit); return what it was."""
    report = expired(now)
    if dry_run or not (report.message_ids or report.notice_ids or report.question_ids):
        return report
    files = list(
        db.session.scalars(sa.select(StoredFile).where(StoredFile.id.in_(report.file_ids)))
    )
    db.session.execute(
        sa.update(Message)
        .where(Message.id.in_(report.message_ids))
        .values(
            body="",
            body_html="",
            hidden_at=sa.func.coalesce(Message.hidden_at, now),
            hidden_reason=RETENTION_REASON,
        )
        .execution_options(synchronize_session=False)
    )
    # Earlier words of edited messages go with their message's.
    db.session.execute(
        sa.delete(MessageRevision)
        .where(MessageRevision.message_id.in_(report.message_ids))
        .execution_options(synchronize_session=False)
    )
    if files:
        db.session.execute(
            sa.delete(StoredFile)
            .where(StoredFile.id.in_(report.file_ids))
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        sa.update(Question)
        .where(Question.id.in_(report.question_ids))
        .values(
            body="",
            body_html="",
            # Its written answer goes with it.
            answer_body="",
            answer_html="",
            hidden_at=sa.func.coalesce(Question.hidden_at, now),
            hidden_reason=RETENTION_REASON,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.delete(QuestionVote)
        .where(QuestionVote.question_id.in_(report.question_ids))
        .execution_options(synchronize_session=False)
    )
    for notice in db.session.scalars(sa.select(Notice).where(Notice.id.in_(report.notice_ids))):
        notice.data = {key: value for key, value in notice.data.items() if key != "excerpt"}
    db.session.commit()
    discard(files)
    logger.info(
        "retention erased %d message(s), %d file(s), %d excerpt(s), %d question(s), %d vote(s)",
        len(report.message_ids),
        len(report.file_ids),
        len(report.notice_ids),
        len(report.question_ids),
        len(report.vote_keys),
    )
    return report
