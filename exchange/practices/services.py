"""Rules of the library: writing practices, reviewing and publishing them, sharing them."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from typing import Any
from urllib.parse import quote
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import raiseload
from sqlalchemy.orm import selectinload

from .. import permissions
from ..accounts.models import User
from ..accounts.services import EMAIL_RE
from ..db import utcnow
from ..errors import ExchangeError
from ..errors import Invalid
from ..errors import NotFound
from ..errors import RateLimited
from ..errors import TooLong
from ..event.models import Administration
from ..event.models import public_room_ids
from ..event.models import Room
from ..event.services import get_room
from ..extensions import db
from ..i18n import CONTENT_LANGUAGES
from ..mail.services import queue_mail
from ..mail.services import site_url
from ..offload import run_in_process
from ..payloads import check_storable
from ..permissions import Action
from ..questions.models import Question
from ..ratelimit import limiter
from ..rooms import services as rooms
from ..rooms.models import Message
from ..sanitize import clean_markdown
from ..sanitize import clean_markdown_fields
from ..sanitize import MARKDOWN_VERSION
from ..sanitize import MarkdownTooComplex
from . import autosave
from .labels import field_label
from .licences import DEFAULT_LICENCE
from .licences import LICENCES
from .models import EDIT_REVIEW_ACTIONS
from .models import MARKDOWN_FIELDS
from .models import Practice
from .models import PracticeIndicator
from .models import PracticeRevision
from .models import PracticeSource
from .models import PracticeStatus
from .models import PracticeTag
from .models import RevisionAction
from .models import STANDARD_INDICATORS
from .search import normalize_tag
from .search import visible_practices

logger = logging.getLogger(__name__)

MAX_TAGS = 10
MAX_TAG_LENGTH = 40
MAX_LINKS = 10
MAX_LINK_LENGTH = 500
MAX_OTHER_INDICATORS = 20
TITLE_MAX_LENGTH = 200
EARLIEST_YEAR = 1950
#: Whole-number indicators (jobs, people) are stored as 32-bit integers.
COUNT_MAX = 1_000_000_000
AMOUNT_MAX = 1e12
WHOLE_NUMBER_INDICATORS = {"cost_eur", "jobs", "citizens_involved"}
#: What a practice needs before it can be submitted for review; drafts may lack it.
REQUIRED_FOR_SUBMISSION = ("title", "summary", "challenge", "actions", "results", "year_from")


@dataclass
class OtherIndicator:
    """A measured indicator beyond the standard ones."""

    name: str
    #: None until checked: a writer may name an indicator and leave its value empty.
    value: float | None
    unit: str = ""


@dataclass
class PracticeContent:
    """Everything a writer sets on a practice; forms and the CLI fill it."""

    title: str
    theme: Room
    summary: str = ""
    #: ISO 639-1 code of the language it is written in (one of CONTENT_LANGUAGES), if said.
    language: str | None = None
    tags: list[str] = field(default_factory=list)
    challenge: str = ""
    actions: str = ""
    results: str = ""
    funding: str = ""
    failures: str = ""
    lessons: str = ""
    transferability: str = ""
    co2_reduction_t_per_year: float | None = None
    energy_saved_mwh_per_year: float | None = None
    renewable_produced_mwh_per_year: float | None = None
    cost_eur: int | None = None
    jobs: int | None = None
    citizens_involved: int | None = None
    other_indicators: list[OtherIndicator] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    links: list[str] = field(default_factory=list)
    public_email: str = ""
    #: SPDX identifier of the licence it is published under (one of licences.LICENCES).
    licence: str = DEFAULT_LICENCE

    @classmethod
    def of(cls, practice: Practice) -> PracticeContent:
        """The content of a stored practice, for prefilling its edit form."""
        return cls(
            title=practice.title,
            theme=practice.theme,
            summary=practice.summary,
            language=practice.language,
            tags=practice.tag_names,
            **{name: getattr(practice, name) for name in MARKDOWN_FIELDS},
            **{name: getattr(practice, name) for name in STANDARD_INDICATORS},
            other_indicators=[
                OtherIndicator(item.name, item.value, item.unit) for item in practice.indicators
            ],
            year_from=practice.year_from,
            year_to=practice.year_to,
            links=list(practice.links),
            public_email=practice.public_email,
            licence=practice.licence,
        )

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> PracticeContent:
        """The content a revision kept (fields it lacks keep their defaults)."""
        names = {item.name for item in fields(cls)}
        values = {name: value for name, value in data.items() if name in names}
        values["theme"] = get_room(str(data["theme"]))
        values["other_indicators"] = [
            OtherIndicator(*item) for item in data.get("other_indicators", [])
        ]
        values["tags"] = list(data.get("tags", []))
        values["links"] = list(data.get("links", []))
        return cls(**values)

    def snapshot(self) -> dict[str, Any]:
        """Describe the content as plain JSON, as revisions keep it."""
        data = asdict(self)
        data["theme"] = self.theme.slug
        data["other_indicators"] = [
            [item.name, item.value, item.unit] for item in self.other_indicators
        ]
        return data


#: Latin letters that Unicode does not decompose into a base letter and an accent.
_TRANSLITERATIONS = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
     "þ": "th", "Þ": "Th", "ß": "ss", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ı": "i"}
)  # fmt: skip


def slugify(text: str, max_length: int = 80) -> str:
    """Make the readable part of an address from a title ("Tetti solari!" → "tetti-solari").

    Accents go; letters of other scripts stay ("Ηλιακές στέγες" → "ηλιακες-στεγες"),
    so that a Greek or Bulgarian title gives a readable address, not "practice".
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATIONS))
    bare = unicodedata.normalize(
        "NFC", "".join(char for char in decomposed if not unicodedata.combining(char))
    )
    slug = re.sub(r"[\W_]+", "-", bare.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "practice"


# Reading


def get_practice(practice_id: int) -> Practice:
    """Return a practice in any state, or raise :class:`NotFound`."""
    practice = db.session.get(Practice, practice_id)
    if practice is None:
        raise NotFound()
    return practice


def readable_practice(
    practice_id: int, reader: permissions.Visitor, *, moderating: bool = False
) -> Practice:
    """Return a practice that ``reader`` (maybe anonymous) may read, or raise :class:`NotFound`.

    Everyone reads published practices; unfinished ones only those who may edit
    them. Hidden ones are read by nobody, except by moderators and organizers
    where they moderate them (``moderating``: the practice's own page, with its
    restore button). The others are not told that they exist.
    """
    practice = get_practice(practice_id)
    if practice.is_hidden:
        if not (moderating and permissions.can(reader, Action.SEE_HIDDEN_CONTENT, practice)):
            raise NotFound()
        return practice
    if not practice.is_published and not permissions.can(reader, Action.EDIT_PRACTICE, practice):
        raise NotFound()
    return practice


def published_practice(practice_id: int) -> Practice:
    """Return a practice that every reader may see, or raise :class:`NotFound`."""
    practice = db.session.scalars(visible_practices().where(Practice.id == practice_id)).first()
    if practice is None:
        raise NotFound(_l("This practice does not exist or is not published."), field="practice_id")
    return practice


def practices_of(administration: Administration) -> list[Practice]:
    """Return the published practices of an administration, newest first."""
    return list(
        db.session.scalars(
            visible_practices()
            .where(Practice.administration_id == administration.id)
            .order_by(Practice.published_at.desc(), Practice.id.desc())
            .options(joinedload(Practice.theme))
        )
    )


def unfinished_practices(administration_id: int) -> list[Practice]:
    """Return an administration's practices that are not published yet, latest change first."""
    return list(
        db.session.scalars(
            sa.select(Practice)
            .where(
                Practice.administration_id == administration_id,
                Practice.status != PracticeStatus.PUBLISHED,
                Practice.visible(),
            )
            .order_by(Practice.updated_at.desc(), Practice.id.desc())
            .options(joinedload(Practice.theme))
        )
    )


def submitted_practices() -> list[Practice]:
    """Return the practices waiting for review, the longest waiting first."""
    return list(
        db.session.scalars(
            sa.select(Practice)
            .where(Practice.status == PracticeStatus.SUBMITTED, Practice.visible())
            .order_by(Practice.submitted_at, Practice.id)
            .options(joinedload(Practice.theme), joinedload(Practice.administration))
        )
    )


def discussion(practice: Practice, reader: Any, limit: int = 50) -> list[Message]:
    """Return the latest visible chat messages that link this practice, oldest first.

    Only to those who may read the rooms (not to visitors without an account), and
    never a message that a moderator hid or its author withdrew: the practice's
    page is no place to moderate the rooms, for moderators either.
    """
    if not permissions.can(reader, Action.JOIN_ROOM):
        return []
    links = Message.practice_id == practice.id
    if practice.source is not None and practice.source.message_id is not None:
        # The message it was developed from, and the answers to it, are its discussion too.
        source_id = practice.source.message_id
        links = sa.or_(links, Message.id == source_id, Message.reply_to_id == source_id)
    rows = rooms.shown_messages(
        sa.select(Message)
        .where(links, Message.visible(), Message.room_id.in_(public_room_ids()))
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return list(reversed(rows))


def revision_history(practice: Practice, reader: User) -> list[PracticeRevision]:
    """Return every revision of a practice, oldest first; for reviewers only."""
    permissions.check(reader, Action.REVIEW_PRACTICE, practice)
    return list(
        db.session.scalars(
            sa.select(PracticeRevision)
            .where(PracticeRevision.practice_id == practice.id)
            .order_by(PracticeRevision.id)
            .options(joinedload(PracticeRevision.editor))
        )
    )


def revision_changes(history: list[PracticeRevision]) -> dict[int, list[str]]:
    """Name the fields each content revision changed, compared with the one before it."""
    changes: dict[int, list[str]] = {}
    previous: dict[str, Any] | None = None
    for revision in history:
        if revision.snapshot is None:
            continue
        if previous is not None:
            changes[revision.id] = [
                name for name, value in revision.snapshot.items() if previous.get(name) != value
            ]
        previous = revision.snapshot
    return changes


def missing_for_submission(practice: Practice) -> list[str]:
    """Name the fields a practice still needs before it can be submitted."""
    return [name for name in REQUIRED_FOR_SUBMISSION if getattr(practice, name) in (None, "")]


def ebook_chapters() -> list[tuple[Room, list[Practice]]]:
    """Return the published practices grouped by theme, in the event's order of rooms."""
    rows = db.session.scalars(
        visible_practices()
        .join(Practice.theme)
        .order_by(Room.position, Practice.title, Practice.id)
        .options(
            joinedload(Practice.theme),
            joinedload(Practice.administration),
            joinedload(Practice.author),
            selectinload(Practice.tags),
            selectinload(Practice.indicators),
            # The book is laid out off the loop, away from the session: nothing may load late.
            raiseload("*"),
        )
    )
    return [(theme, list(items)) for theme, items in itertools.groupby(rows, lambda p: p.theme)]


# Writing


def count_practice_save(user: User) -> None:
    """Count one save of a practice by ``user``; refuse it when they save too often.

    A save renders up to ``PRACTICE_TOTAL_MAX_LENGTH`` characters of Markdown, off
    the process's loop but on its CPU (bench/markdown_render.py): the limit keeps
    one account from taking a process's time, and with it its rooms'.
    """
    wait = limiter().hit("practice_save", str(user.id))
    if wait:
        raise RateLimited(retry_after=math.ceil(wait))


def create_practice(
    author: User,
    content: PracticeContent,
    *,
    is_demo: bool = False,
    settles: Iterable[str] = (),
    source: Message | Question | None = None,
) -> Practice:
    """Start a draft practice of the author's administration; return it.

    ``settles`` names the fields the author's autosaved draft no longer needs to keep;
    ``source`` is the chat message (or the answered question) it is developed from.
    """
    permissions.check(author, Action.POST_PRACTICE)
    if author.administration_id is None:
        raise Invalid(_l("Only delegates of an administration post practices."))
    _validate(content)
    practice = Practice(
        author=author,
        administration_id=author.administration_id,
        status=PracticeStatus.DRAFT,
        is_demo=is_demo,
    )
    _apply(practice, content, _rendered(content))
    if isinstance(source, Question):
        practice.source = PracticeSource(question_id=source.id)
    elif source is not None:
        practice.source = PracticeSource(message_id=source.id)
    _record(practice, author, RevisionAction.CREATED, snapshot=content.snapshot())
    db.session.add(practice)
    autosave.settle(author, None, settles)
    db.session.commit()
    logger.info("practice %r created by %r", practice.id, author.id)
    return practice


def update_practice(
    practice: Practice,
    editor: User,
    content: PracticeContent,
    *,
    based_on_revision: int | None = None,
    settles: Iterable[str] = (),
) -> Practice:
    """Change a practice and keep a revision of it; return it.

    ``based_on_revision`` is the latest revision the editor saw: when someone
    else saved in between, the change is refused instead of silently undoing
    theirs. A change that changes nothing stores nothing. Writers' changes to a
    published practice are only proposed (:func:`proposes_changes`): readers keep
    seeing the reviewed text until a moderator publishes the change. ``settles``
    names the fields the editor's autosaved draft no longer needs to keep.
    """
    permissions.check(editor, Action.EDIT_PRACTICE, practice)
    _validate(content)
    latest = latest_revision_id(practice)
    if based_on_revision is not None and based_on_revision != latest:
        raise Invalid(
            _l(
                "Someone else changed this practice while you were editing it. "
                "Your text is still in the form: compare it with the current version, "
                "then save again."
            ),
            current_revision=latest,
        )
    snapshot = content.snapshot()
    autosave.settle(editor, practice, settles)
    if snapshot == editable_content(practice).snapshot():
        db.session.commit()
        return practice
    html = _rendered(content)
    if proposes_changes(practice, editor):
        waiting = proposed_change(practice) is not None
        _record(practice, editor, RevisionAction.PROPOSED, snapshot=snapshot)
        if not waiting:  # reviewers hear of a change once, not of every later save of it
            _tell_reviewers_of_change(practice, editor)
        db.session.commit()
        logger.info("change to practice %r proposed by %r", practice.id, editor.id)
        return practice
    _apply(practice, content, html)
    practice.updated_at = utcnow()
    _record(practice, editor, RevisionAction.EDITED, snapshot=snapshot)
    db.session.commit()
    logger.info("practice %r edited by %r", practice.id, editor.id)
    return practice


def submit_practice(practice: Practice, editor: User) -> Practice:
    """Send a draft to the moderators for review."""
    permissions.check(editor, Action.EDIT_PRACTICE, practice)
    _require_status(practice, PracticeStatus.DRAFT)
    missing = missing_for_submission(practice)
    if missing:
        raise Invalid(
            _l(
                "Fill in these fields before submitting: %(fields)s.",
                fields=", ".join(field_label(name) for name in missing),
            ),
            missing=missing,
        )
    practice.status = PracticeStatus.SUBMITTED
    practice.submitted_at = utcnow()
    _record(practice, editor, RevisionAction.SUBMITTED)
    _tell_reviewers(practice, editor)
    db.session.commit()
    logger.info("practice %r submitted by %r", practice.id, editor.id)
    return practice


def publish_practice(
    practice: Practice, reviewer: User, comment: str = "", *, reviewed: int | None = None
) -> Practice:
    """Publish a submitted practice: from now on everyone can read it.

    ``reviewed`` is the latest revision the reviewer saw: a practice its writers
    changed since is not published unread.
    """
    permissions.check(reviewer, Action.REVIEW_PRACTICE, practice)
    _require_status(practice, PracticeStatus.SUBMITTED)
    _require_reviewed(practice, reviewed)
    comment = _review_comment(comment, required=False)
    practice.status = PracticeStatus.PUBLISHED
    practice.published_at = practice.published_at or utcnow()
    practice.review_comment = ""
    _record(practice, reviewer, RevisionAction.PUBLISHED, comment=comment)
    _tell_author(practice, "practice_published", _l("Your practice is published"), comment)
    db.session.commit()
    logger.info("practice %r published by %r", practice.id, reviewer.id)
    return practice


def _tell_author(practice: Practice, kind: str, subject: object, comment: str) -> None:
    """Mail the practice's author what the review decided, in the caller's transaction."""
    author = practice.author
    if author.deleted_at is not None:
        return
    queue_mail(
        kind=kind,
        to=author.email,
        user=author,
        template=kind,
        subject=subject,
        title=practice.title,
        comment=comment,
        link=site_url("practices.show", practice_id=practice.id),
    )


def _tell_reviewers(practice: Practice, editor: User) -> None:
    """Mail everyone who reviews practices that one waits, in the caller's transaction.

    Each in their own language; not the person who submitted it, nor anyone
    banned or gone.
    """
    for reviewer in _reviewers(editor):
        queue_mail(
            kind="practice_submitted",
            to=reviewer.email,
            user=reviewer,
            template="practice_submitted",
            subject=_l("A practice waits for your review"),
            title=practice.title,
            summary=practice.summary,
            administration=practice.administration.name,
            editor=editor.display_name,
            link=site_url("practices.show", practice_id=practice.id),
            queue=site_url("practices.review"),
        )


def _tell_reviewers_of_change(practice: Practice, editor: User) -> None:
    """Mail everyone who reviews practices that a change to a published one waits.

    As for a submitted practice: in the caller's transaction, each reviewer in
    their own language, not the person who proposed it, nor anyone banned or gone.
    """
    for reviewer in _reviewers(editor):
        queue_mail(
            kind="practice_change_proposed",
            to=reviewer.email,
            user=reviewer,
            template="practice_change_proposed",
            subject=_l("A change to a published practice waits for your review"),
            title=practice.title,
            administration=practice.administration.name,
            editor=editor.display_name,
            link=site_url("practices.show", practice_id=practice.id),
            queue=site_url("practices.review"),
        )


def _reviewers(editor: User) -> list[User]:
    """Who reviews practices and is mailed about them: not ``editor``, nor anyone banned or gone."""
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.role.in_(permissions.roles_allowed(Action.REVIEW_PRACTICE)),
                User.deleted_at.is_(None),
                User.banned_at.is_(None),
                User.id != editor.id,
            )
        )
    )


def return_practice(
    practice: Practice, reviewer: User, comment: str, *, reviewed: int | None = None
) -> Practice:
    """Send a submitted practice back to its writers as a draft, with the reviewer's comment."""
    permissions.check(reviewer, Action.REVIEW_PRACTICE, practice)
    _require_status(practice, PracticeStatus.SUBMITTED)
    practice.review_comment = _review_comment(comment, required=True)
    practice.status = PracticeStatus.DRAFT
    _record(practice, reviewer, RevisionAction.RETURNED, comment=practice.review_comment)
    _tell_author(
        practice, "practice_returned", _l("Your practice was sent back"), practice.review_comment
    )
    db.session.commit()
    logger.info("practice %r returned by %r", practice.id, reviewer.id)
    return practice


def publish_change(
    practice: Practice, reviewer: User, comment: str = "", *, reviewed: int | None = None
) -> Practice:
    """Publish the change proposed to a published practice: readers see it from now on."""
    permissions.check(reviewer, Action.REVIEW_PRACTICE, practice)
    proposal = _require_proposal(practice)
    if reviewed is not None and reviewed != proposal.id:
        raise _changed_under_review()
    comment = _review_comment(comment, required=False)
    content = PracticeContent.from_snapshot(proposal.snapshot or {})
    _validate(content)
    _apply(practice, content, _rendered(content))
    practice.updated_at = utcnow()
    _record(
        practice,
        reviewer,
        RevisionAction.EDIT_PUBLISHED,
        snapshot=content.snapshot(),
        comment=comment,
    )
    db.session.commit()
    logger.info("change %r to practice %r published by %r", proposal.id, practice.id, reviewer.id)
    return practice


def return_change(
    practice: Practice, reviewer: User, comment: str, *, reviewed: int | None = None
) -> Practice:
    """Send the change proposed to a published practice back, with why; readers never see it."""
    permissions.check(reviewer, Action.REVIEW_PRACTICE, practice)
    proposal = _require_proposal(practice)
    comment = _review_comment(comment, required=True)
    _record(practice, reviewer, RevisionAction.EDIT_RETURNED, comment=comment)
    db.session.commit()
    logger.info("change %r to practice %r returned by %r", proposal.id, practice.id, reviewer.id)
    return practice


def proposes_changes(practice: Practice, editor: User) -> bool:
    """Whether ``editor``'s changes to ``practice`` wait for review instead of going live.

    Writers change drafts and practices in review directly (nobody reads them yet,
    and a reviewer publishes only the revision they saw); a published practice only
    through a moderator. Moderators' and organizers' own changes are reviewed ones.
    """
    return practice.is_published and not permissions.can(editor, Action.REVIEW_PRACTICE, practice)


def change_review(practice: Practice) -> PracticeRevision | None:
    """The latest step of reviewing changes to a published practice, if any.

    A ``PROPOSED`` revision is a change waiting for review; an ``EDIT_RETURNED``
    one carries the reviewer's comment for the writers.
    """
    return db.session.scalars(
        sa.select(PracticeRevision)
        .where(
            PracticeRevision.practice_id == practice.id,
            PracticeRevision.action.in_(EDIT_REVIEW_ACTIONS),
        )
        .order_by(PracticeRevision.id.desc())
        .limit(1)
    ).first()


def proposed_change(practice: Practice) -> PracticeRevision | None:
    """The change waiting for review on a published practice, if there is one."""
    step = change_review(practice)
    return step if step is not None and step.action is RevisionAction.PROPOSED else None


def editable_content(practice: Practice) -> PracticeContent:
    """What its edit form starts from: the change waiting for review, or the practice itself."""
    proposal = proposed_change(practice)
    if proposal is not None and proposal.snapshot is not None:
        return PracticeContent.from_snapshot(proposal.snapshot)
    return PracticeContent.of(practice)


def changes_to_review() -> list[Practice]:
    """Return the published practices with a change waiting for review, oldest change first."""
    latest = (
        sa.select(
            PracticeRevision.practice_id, sa.func.max(PracticeRevision.id).label("revision_id")
        )
        .where(PracticeRevision.action.in_(EDIT_REVIEW_ACTIONS))
        .group_by(PracticeRevision.practice_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            sa.select(Practice)
            .join(latest, latest.c.practice_id == Practice.id)
            .join(PracticeRevision, PracticeRevision.id == latest.c.revision_id)
            .where(
                PracticeRevision.action == RevisionAction.PROPOSED,
                Practice.status == PracticeStatus.PUBLISHED,
                Practice.visible(),
            )
            .order_by(PracticeRevision.id)
            .options(joinedload(Practice.theme), joinedload(Practice.administration))
        )
    )


def develop_message(message: Message, author: User) -> Practice:
    """Start a draft practice from one of the author's chat messages, in the room's theme.

    The draft proposes a title and a summary taken from what the message says
    (not its greeting), keeps the whole message where the story goes when it is
    longer than a summary, and remembers the message it came from.
    """
    permissions.check(author, Action.DEVELOP_PRACTICE, message)
    body = message.body.strip()
    title, summary = propose_title_and_summary(
        body, author.name, current_app.config["PRACTICE_SUMMARY_MAX_LENGTH"]
    )
    content = PracticeContent(
        title=title or str(_l("Practice from the chat")),
        theme=get_room(message.room.slug),
        summary=summary,
        # What its author said they wrote in, if a practice may be written in it.
        language=message.language if message.language in CONTENT_LANGUAGES else None,
        # A message longer than its summary is kept whole where the story goes.
        actions=body if summary != " ".join(body.split()) else "",
    )
    return create_practice(author, content, source=message)


def develop_question(question: Question, author: User) -> Practice:
    """Start a draft practice from a question asked in a room, as from a message, in its theme.

    A question with a written answer gives both: the question is the challenge, the
    answer what was done, and the draft remembers the question (and so who answered).
    """
    permissions.check(author, Action.DEVELOP_QUESTION, question)
    body = question.body.strip()
    summary_length = current_app.config["PRACTICE_SUMMARY_MAX_LENGTH"]
    title, summary = propose_title_and_summary(body, question.author.name, summary_length)
    answer = question.answer_body.strip()
    if not answer:
        content = PracticeContent(
            title=title or str(_l("Practice from the chat")),
            theme=get_room(question.room.slug),
            summary=summary,
            actions=body if summary != " ".join(body.split()) else "",
        )
        return create_practice(author, content)
    answerer = question.answered_by.name if question.answered_by is not None else ""
    content = PracticeContent(
        title=title or str(_l("Practice from the chat")),
        theme=get_room(question.room.slug),
        summary=propose_title_and_summary(answer, answerer, summary_length)[1],
        challenge=body,
        actions=answer,
    )
    return create_practice(author, content, source=question)


#: How chat messages open, in the exchange's languages: a sentence that starts so and is
#: short is a greeting, not what the practice is about.
_GREETING = re.compile(
    r"^(hello|hi|hey|dear|good (morning|afternoon|evening|day)|greetings|buongiorno|"
    r"buonasera|ciao|salve|cari|care|gentili|guten (morgen|tag|abend)|hallo|liebe|lieber|"
    r"moin|servus|grüß|dzień dobry|cześć|witam|witajcie|szanowni|drodzy|jó (napot|reggelt)|"
    r"szia|sziasztok|üdv|tisztelt|kedves|hej|hejsan|god (morgon|dag|kväll)|bonjour|hola|"
    r"buenos|olá|bom dia|thanks|thank you|grazie|danke|dziękuję|köszönöm|tack)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
TITLE_PROPOSAL_LENGTH = 90


def propose_title_and_summary(body: str, author_name: str, summary_length: int) -> tuple[str, str]:
    """Propose a practice's title and summary from a chat message, for its writer to edit.

    Leading sentences that greet ("Buongiorno a tutti!") or introduce the author
    ("Elena from Campi Bisenzio here.") are left out; the title is the first
    sentence that remains (its first clause when long), the summary the rest of
    the message from there, as one paragraph.
    """
    sentences = [part.strip() for part in _SENTENCE_END.split(body) if part and part.strip()]
    names = {word.casefold() for word in author_name.split() if len(word) > 1}
    while len(sentences) > 1:
        words = sentences[0].split()
        greets = bool(_GREETING.match(sentences[0])) and len(words) <= 8
        introduces = len(words) <= 12 and any(
            word.strip(",.!?;:()").casefold() in names for word in words
        )
        if not (greets or introduces):
            break
        sentences.pop(0)
    if not sentences:
        return "", ""
    first = sentences[0].rstrip(" .!?…:;,")
    if len(first) > TITLE_PROPOSAL_LENGTH:
        clause = re.split(r",\s|;\s|:\s|\s[–—-]\s", first[:TITLE_PROPOSAL_LENGTH])
        first = clause[0] if len(clause) > 1 and len(clause[0]) >= 25 else first
    title = _shorten(first, TITLE_PROPOSAL_LENGTH)
    summary = _shorten(" ".join(" ".join(sentences).split()), summary_length)
    return title, summary


def source_message(practice: Practice, reader: permissions.Visitor) -> Message | None:
    """The chat message a practice came from, for a reader who may read it (else None).

    Only to those who may read the rooms, and never a message a moderator hid or
    its author withdrew.
    """
    if practice.source is None or not permissions.can(reader, Action.JOIN_ROOM):
        return None
    message = practice.source.message
    return None if message is None or message.is_hidden else message


def source_question(practice: Practice, reader: permissions.Visitor) -> Question | None:
    """The answered question a practice came from, for a reader who may read it (else None).

    Only to those who may read the rooms, and only while everyone sees the question
    and its answer (not hidden, not erased).
    """
    if practice.source is None or not permissions.can(reader, Action.JOIN_ROOM):
        return None
    question = practice.source.question
    if question is None or question.is_hidden or not question.has_answer:
        return None
    return question


def preview_markdown(user: User, text: str) -> str:
    """Render a long field's Markdown as its page will show it, for the writer's preview.

    The same sanitizer and bound on parts as a save, off the loop; limited per
    person (``practice_preview``), since each preview is CPU work like a save's.
    """
    permissions.check(user, Action.EDIT_PRACTICE)
    wait = limiter().hit("practice_preview", str(user.id))
    if wait:
        raise RateLimited(retry_after=math.ceil(wait))
    _check_length(text, "text", current_app.config["PRACTICE_FIELD_MAX_LENGTH"])
    try:
        return run_in_process(clean_markdown, text)
    except MarkdownTooComplex as error:
        raise Invalid(
            _l(
                "This text has too many parts to show quickly (%(num)d, at most %(max)d: "
                "every paragraph, list item, table cell and emphasis counts). Split long "
                "tables or lists, or shorten it.",
                num=error.tokens,
                max=error.limit,
            ),
            field="text",
        ) from None


def share_practice(practice: Practice, author: User, body: str, client_id: str) -> Message:
    """Post a message that links a published practice into its theme's room."""
    permissions.check(author, Action.SHARE_PRACTICE, practice)
    room = get_room(practice.theme.slug)
    return rooms.post_message(room, author, body, client_id, practice=practice)


def rerender_practices(*, everything: bool = False, batch_size: int = 200) -> int:
    """Render stored Markdown again where an older renderer made the HTML; return how many.

    It commits batch by batch, so that at a hundred thousand practices it holds
    no long transaction and can be stopped and run again: ``html_version``
    marks what is done. ``everything`` renders every practice again.
    """
    done = 0
    last_id = 0
    while True:
        select = sa.select(Practice).where(Practice.id > last_id)
        if not everything:
            select = select.where(Practice.html_version < MARKDOWN_VERSION)
        batch = list(db.session.scalars(select.order_by(Practice.id).limit(batch_size)))
        if not batch:
            break
        for practice in batch:
            _render(practice)
        db.session.commit()
        db.session.expunge_all()
        done += len(batch)
        last_id = batch[-1].id
    if done:
        logger.info("rendered %d practices with Markdown version %d", done, MARKDOWN_VERSION)
    return done


def latest_revision_id(practice: Practice) -> int | None:
    """The id of a practice's latest revision: what an editor saw when opening the form."""
    return db.session.scalar(
        sa.select(sa.func.max(PracticeRevision.id)).where(
            PracticeRevision.practice_id == practice.id
        )
    )


# Helpers


def _require_status(practice: Practice, status: PracticeStatus) -> None:
    if practice.status is not status:
        raise Invalid(
            _l("This practice is no longer in the state this action needs; reload the page.")
        )


def _changed_under_review() -> Invalid:
    return Invalid(
        _l(
            "The writers changed this practice while you were reviewing it. "
            "Read it again before deciding."
        )
    )


def _require_reviewed(practice: Practice, reviewed: int | None) -> None:
    if reviewed is not None and reviewed != latest_revision_id(practice):
        raise _changed_under_review()


def _require_proposal(practice: Practice) -> PracticeRevision:
    proposal = proposed_change(practice) if practice.is_published else None
    if proposal is None:
        raise Invalid(
            _l("This practice is no longer in the state this action needs; reload the page.")
        )
    return proposal


def _review_comment(comment: str, *, required: bool) -> str:
    comment = comment.strip()
    if required and not comment:
        raise Invalid(
            _l("Tell the writers what to change before sending the practice back."),
            field="comment",
        )
    _check_length(comment, "comment", current_app.config["PRACTICE_FIELD_MAX_LENGTH"])
    return comment


def _record(
    practice: Practice,
    editor: User,
    action: RevisionAction,
    *,
    snapshot: dict[str, Any] | None = None,
    comment: str = "",
) -> None:
    practice.revisions.append(
        PracticeRevision(editor=editor, action=action, snapshot=snapshot, comment=comment)
    )


def _apply(practice: Practice, content: PracticeContent, html: dict[str, str]) -> None:
    """Copy validated content and its rendered Markdown (:func:`_rendered`) onto a practice."""
    practice.title = content.title
    practice.slug = slugify(content.title)
    practice.theme = content.theme
    practice.summary = content.summary
    practice.language = content.language
    for name in (*MARKDOWN_FIELDS, *STANDARD_INDICATORS):
        setattr(practice, name, getattr(content, name))
    practice.year_from = content.year_from
    practice.year_to = content.year_to
    practice.links = list(content.links)
    practice.public_email = content.public_email
    practice.licence = content.licence
    # Keep the tags that stay (their rows are keyed by the tag itself).
    wanted = list(dict.fromkeys(content.tags))
    practice.tags = [tag for tag in practice.tags if tag.tag in wanted] + [
        PracticeTag(tag=tag) for tag in wanted if tag not in practice.tag_names
    ]
    practice.indicators = [
        PracticeIndicator(position=position, name=item.name, value=item.value, unit=item.unit)
        for position, item in enumerate(content.other_indicators)
    ]
    _store_html(practice, html)


def _rendered(content: PracticeContent) -> dict[str, str]:
    """Render the Markdown of validated content off the event loop, or refuse a field.

    Cleaning HTML is pure CPU work that grows with the text's parts (tables, list
    items); on a native thread it leaves the process's loop to serve everyone else.
    """
    try:
        return run_in_process(
            clean_markdown_fields, {name: getattr(content, name) for name in MARKDOWN_FIELDS}
        )
    except MarkdownTooComplex as error:
        raise Invalid(
            _l(
                "This text has too many parts to show quickly (%(num)d, at most %(max)d: "
                "every paragraph, list item, table cell and emphasis counts). Split long "
                "tables or lists, or shorten it.",
                num=error.tokens,
                max=error.limit,
            ),
            field=error.name,
        ) from None


def _render(practice: Practice) -> None:
    """Render a stored practice's Markdown again, however complex (older texts had no bound)."""
    texts = {name: getattr(practice, name) for name in MARKDOWN_FIELDS}
    _store_html(practice, clean_markdown_fields(texts, max_tokens=None))


def _store_html(practice: Practice, html: dict[str, str]) -> None:
    for name in MARKDOWN_FIELDS:
        setattr(practice, f"{name}_html", html[name])
    practice.html_version = MARKDOWN_VERSION


def _shorten(text: str, max_length: int) -> str:
    """Cut a text at a word boundary so that it fits, marking the cut with an ellipsis."""
    text = text.strip()
    if len(text) <= max_length:
        return text
    cut = text[: max_length - 1].rsplit(" ", 1)[0] or text[: max_length - 1]
    return cut.rstrip() + "…"


def _check_length(text: str, name: str, maximum: int) -> None:
    check_storable(text, name)
    if len(text) > maximum:
        raise TooLong(
            _l(
                "At most %(max)d characters, please (this has %(num)d).", max=maximum, num=len(text)
            ),
            field=name,
            max_length=maximum,
        )


class _Problems:
    """What is wrong with a practice's content, field by field, so that all of it shows at once.

    Each check runs in :meth:`check`; a refusal is noted instead of stopping the
    others. :meth:`raise_first` then raises the first, carrying every field's
    message in ``field_errors`` (forms put each next to its field).
    """

    def __init__(self) -> None:
        self.errors: list[ExchangeError] = []

    @contextmanager
    def check(self) -> Iterator[None]:
        try:
            yield
        except (Invalid, TooLong) as error:
            self.errors.append(error)

    def raise_first(self) -> None:
        if not self.errors:
            return
        first = self.errors[0]
        by_field: dict[str, Any] = {}
        for error in self.errors:
            by_field.setdefault(str(error.details.get("field", "")), error.message)
        if len(by_field) > 1:
            first.details["field_errors"] = by_field
        raise first


def _validate(content: PracticeContent) -> None:
    """Normalize ``content`` in place, or raise naming every field at fault (the first first)."""
    config = current_app.config
    problems = _Problems()
    content.title = " ".join(content.title.split())
    with problems.check():
        if not content.title:
            raise Invalid(_l("Give the practice a title."), field="title")
        _check_length(content.title, "title", TITLE_MAX_LENGTH)
    content.summary = content.summary.strip()
    with problems.check():
        _check_length(content.summary, "summary", config["PRACTICE_SUMMARY_MAX_LENGTH"])
    with problems.check():
        content.language = _validated_language(content.language)
    for name in MARKDOWN_FIELDS:
        setattr(content, name, getattr(content, name).strip())
        with problems.check():
            _check_length(getattr(content, name), name, config["PRACTICE_FIELD_MAX_LENGTH"])
    total = len(content.title) + len(content.summary)
    total += sum(len(getattr(content, name)) for name in MARKDOWN_FIELDS)
    with problems.check():
        if total > config["PRACTICE_TOTAL_MAX_LENGTH"]:
            raise TooLong(
                _l(
                    "The practice is too long: at most %(max)d characters in all (it has %(num)d).",
                    max=config["PRACTICE_TOTAL_MAX_LENGTH"],
                    num=total,
                ),
                max_length=config["PRACTICE_TOTAL_MAX_LENGTH"],
            )
    with problems.check():
        if content.theme.is_archived:
            raise Invalid(_l("This room is closed; choose another theme."), field="theme")
    with problems.check():
        content.tags = _validated_tags(content.tags)
    for name in STANDARD_INDICATORS:
        with problems.check():
            setattr(content, name, _validated_amount(getattr(content, name), name))
    with problems.check():
        content.other_indicators = _validated_other_indicators(content.other_indicators)
    _validate_period(content, problems)
    with problems.check():
        content.links = _validated_links(content.links)
    content.public_email = content.public_email.strip().lower()
    with problems.check():
        if content.public_email and not _is_public_email(content.public_email):
            raise Invalid(
                _l(
                    "“%(email)s” is not an email address. Write it as name@example.org, "
                    "or leave it empty.",
                    email=content.public_email[:80],
                ),
                field="public_email",
            )
    content.licence = content.licence.strip()
    with problems.check():
        if content.licence not in LICENCES:
            raise Invalid(_l("Choose the licence from the list."), field="licence")
    problems.raise_first()


#: A domain name of labels (letters, digits, inner hyphens) and a top-level domain of letters.
_DOMAIN_RE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$"
)


def _is_public_email(address: str) -> bool:
    """Whether an address shown to readers looks deliverable (name@domain.tld, nothing else).

    Stricter than sign-up's check: readers copy it into their mail program, so a
    doubled dot, a missing top-level domain or a stray character is a mistake to
    point out, not an address.
    """
    if len(address) > 254 or not EMAIL_RE.match(address):
        return False
    local, _, domain = address.rpartition("@")
    if (
        not local
        or len(local) > 64
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
    ):
        return False
    if any(char in local for char in '"(),:;<>[\\]'):
        return False
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(_DOMAIN_RE.match(ascii_domain))


def _validated_language(language: str | None) -> str | None:
    code = (language or "").strip().lower()
    if not code:
        return None
    if code not in CONTENT_LANGUAGES:
        raise Invalid(
            _l(
                "Choose the language the practice is written in from the list "
                "(“%(code)s” is not one of them).",
                code=code[:20],
            ),
            field="language",
        )
    return code


def _validated_tags(tags: list[str]) -> list[str]:
    result: list[str] = []
    for raw in tags:
        tag = normalize_tag(raw)
        if not tag or tag in result:
            continue
        check_storable(tag, "tags")
        if len(tag) > MAX_TAG_LENGTH:
            raise TooLong(
                _l("A tag can be at most %(max)d characters long.", max=MAX_TAG_LENGTH),
                field="tags",
                max_length=MAX_TAG_LENGTH,
            )
        result.append(tag)
    if len(result) > MAX_TAGS:
        raise Invalid(_l("At most %(max)d tags, please.", max=MAX_TAGS), field="tags")
    return sorted(result)


def _validated_amount(value: float | None, name: str) -> Any:
    if value is None:
        return None
    whole = name in WHOLE_NUMBER_INDICATORS
    maximum = COUNT_MAX if name in {"jobs", "citizens_involved"} else AMOUNT_MAX
    if not math.isfinite(value) or value < 0 or value > maximum:
        raise Invalid(_l("Enter a number between 0 and %(max)d.", max=maximum), field=name)
    if whole and value != int(value):
        raise Invalid(_l("Enter a whole number."), field=name)
    return int(value) if whole else float(value)


def _validated_other_indicators(items: list[OtherIndicator]) -> list[OtherIndicator]:
    result = []
    for item in items:
        name, unit = " ".join(item.name.split()), " ".join(item.unit.split())
        if not name:
            raise Invalid(_l("Give every other indicator a name."), field="other_indicators")
        for text, maximum in ((name, 100), (unit, 40)):
            _check_length(text, "other_indicators", maximum)
        if item.value is None or not math.isfinite(item.value) or abs(item.value) > AMOUNT_MAX:
            raise Invalid(
                _l("The value of '%(name)s' is not a usable number.", name=name),
                field="other_indicators",
            )
        result.append(OtherIndicator(name, float(item.value), unit))
    if len(result) > MAX_OTHER_INDICATORS:
        raise Invalid(
            _l("At most %(max)d other indicators, please.", max=MAX_OTHER_INDICATORS),
            field="other_indicators",
        )
    return result


def _validate_period(content: PracticeContent, problems: _Problems) -> None:
    """Check each year, then that they make a period: it started, and not after it ended."""
    this_year = dt.date.today().year
    latest = this_year + 10
    valid = True
    for name in ("year_from", "year_to"):
        year = getattr(content, name)
        with problems.check():
            if year is not None and not EARLIEST_YEAR <= year <= latest:
                valid = False
                raise Invalid(
                    _l("Enter a year between %(min)d and %(max)d.", min=EARLIEST_YEAR, max=latest),
                    field=name,
                )
    if not valid:
        return
    with problems.check():
        if content.year_from is not None and content.year_from > this_year:
            raise Invalid(
                _l(
                    "A practice shares what was done: it must have started by %(year)d.",
                    year=this_year,
                ),
                field="year_from",
            )
    with problems.check():
        if content.year_to is not None and content.year_from is None:
            raise Invalid(_l("Give the year it started too."), field="year_from")
    with problems.check():
        if content.year_to is not None and content.year_from is not None:
            if content.year_to < content.year_from:
                raise Invalid(
                    _l(
                        "The practice cannot end before it starts: it ends in %(end)d "
                        "but starts in %(start)d.",
                        end=content.year_to,
                        start=content.year_from,
                    ),
                    field="year_to",
                )


def _validated_links(links: list[str]) -> list[str]:
    result: list[str] = []
    for raw in links:
        link = raw.strip()
        if not link:
            continue
        check_storable(link, "links")
        link = _web_address(link)
        if link not in result:
            result.append(link)
    if len(result) > MAX_LINKS:
        raise Invalid(_l("At most %(max)d links, please.", max=MAX_LINKS), field="links")
    return result


#: What may stand unescaped in the path, query and fragment of an address (RFC 3986).
_URL_SAFE = "/?:@!$&'()*+,;=%~-._#"
_HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")


def _web_address(link: str) -> str:
    """Return an http(s) address as a valid URL (percent-encoded, IDNA host), or refuse it."""
    parts = urlsplit(link)
    host = parts.netloc
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or not _HOST_RE.match(host)
        or any(char.isspace() or ord(char) < 32 for char in link)
    ):
        raise Invalid(
            _l("'%(link)s' is not a web address (http:// or https://).", link=link[:80]),
            field="links",
        )
    normalized = urlunsplit(
        (
            parts.scheme.lower(),
            host,
            quote(parts.path, safe=_URL_SAFE),
            quote(parts.query, safe=_URL_SAFE),
            quote(parts.fragment, safe=_URL_SAFE),
        )
    )
    if len(normalized) > MAX_LINK_LENGTH:
        raise TooLong(
            _l("A link can be at most %(max)d characters long.", max=MAX_LINK_LENGTH),
            field="links",
            max_length=MAX_LINK_LENGTH,
        )
    return normalized
