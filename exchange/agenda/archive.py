"""What a session leaves behind: its recording link and its slides.

Organizers add them after the event (or during it) on the session's page; the
agenda then becomes the archive's table of contents. Slides are documents (PDF
and office files) on the storage of exchange/files, attached to the session as
owner kind ``session``; they are public like the agenda. Each change is one
unit of work with its audit row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import permissions
from ..accounts.models import User
from ..errors import Forbidden
from ..errors import Invalid
from ..errors import NotFound
from ..extensions import db
from ..files import services as files
from ..files.content import TYPES
from ..files.models import StoredFile
from ..files.owners import OwnerKind
from ..moderation.models import AuditAction
from ..moderation.services import audit_change
from ..payloads import check_storable
from ..permissions import Action
from ..permissions import can
from .models import AgendaSession

logger = logging.getLogger(__name__)

RECORDING_MAX_LENGTH = 500
#: What slides may be: PDF and office documents, never pictures or tables of text.
SLIDE_TYPES = frozenset(
    TYPES[key].content_type
    for key in ("pdf", "pptx", "odp", "ppt", "docx", "odt", "doc", "xlsx", "ods", "xls")
)
#: The audit log's ``target_type`` of these changes.
TARGET_TYPE = "session"


def _may_attach(actor: Any, session: AgendaSession) -> bool:
    """Organizers, on a session still in the agenda."""
    return not session.is_archived and can(actor, Action.MANAGE_SESSION_ARCHIVE, session)


def _may_read(reader: Any, session: AgendaSession) -> bool:
    """Anyone, signed in or not, while the session is in the agenda; after, organizers."""
    return not session.is_archived or can(reader, Action.MANAGE_SESSION_ARCHIVE, session)


SESSION_FILES = OwnerKind(
    name="session",
    model=AgendaSession,
    limit_setting="ATTACHMENTS_PER_SESSION",
    may_attach=_may_attach,
    may_read=_may_read,
)


def session_by_slug(slug: str) -> AgendaSession:
    """The session of the agenda named ``slug``; :class:`NotFound` if it left the agenda."""
    session = db.session.scalars(
        sa.select(AgendaSession).where(
            AgendaSession.slug == slug, AgendaSession.is_archived.is_(False)
        )
    ).first()
    if session is None:
        raise NotFound()
    return session


def clean_recording_url(value: str | None) -> str:
    """Check a recording's address: empty (no recording) or a full ``https://`` address."""
    value = (value or "").strip()
    if not value:
        return ""
    check_storable(value, "recording_url")
    if len(value) > RECORDING_MAX_LENGTH:
        raise Invalid(
            _l("The address can be at most %(max)d characters.", max=RECORDING_MAX_LENGTH),
            field="recording_url",
        )
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme != "https"
        or not parts.hostname
        or "." not in parts.hostname
        or parts.username is not None
        or parts.password is not None
        or port == 0
        or any(ord(character) < 33 or ord(character) == 127 for character in value)
    ):
        raise Invalid(
            _l(
                "Give a full web address starting with https://, such as %(example)s.",
                example="https://video.example.org/opening",
            ),
            field="recording_url",
        )
    return value


def set_recording(session: AgendaSession, actor: User, url: str | None) -> AgendaSession:
    """Set (or, with an empty address, clear) where the session's recording is watched."""
    permissions.check(actor, Action.MANAGE_SESSION_ARCHIVE, session)
    url = clean_recording_url(url)
    if url == session.recording_url:
        return session
    before = session.recording_url
    session.recording_url = url
    audit_change(
        actor,
        AuditAction.SET_RECORDING,
        TARGET_TYPE,
        session.id,
        session=session.slug,
        before=before,
        after=url,
    )
    db.session.commit()
    logger.info("recording of session %r set by %r", session.id, actor.id)
    return session


def add_slides(
    session: AgendaSession,
    actor: User,
    data: bytes,
    name: str | None,
    *,
    declared_type: str | None = None,
) -> StoredFile:
    """Store a document and attach it to ``session`` as its slides; return it.

    Pictures and tables are refused: before the upload when the browser says the
    file is one, after the examination otherwise (the stored file then expires
    unattached, like any upload nothing claimed).
    """
    permissions.check(actor, Action.MANAGE_SESSION_ARCHIVE, session)
    if not _may_attach(actor, session):
        raise Forbidden()
    declared = (declared_type or "").lower()
    if declared.startswith("image/") or declared.startswith("text/"):
        raise _not_slides()
    files.check_attachable(actor, [], SESSION_FILES.name, already=files.count_of_owner(session) + 1)
    file = files.upload_file(actor, data, name)
    if file.content_type not in SLIDE_TYPES:
        raise _not_slides()
    try:
        files.claim_files(actor, [file.id], session)
        audit_change(
            actor,
            AuditAction.ADD_SLIDES,
            TARGET_TYPE,
            session.id,
            session=session.slug,
            file=file.id,
            name=file.name,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    db.session.refresh(file)
    logger.info("slides %r added to session %r by %r", file.id, session.id, actor.id)
    return file


def _not_slides() -> Invalid:
    return Invalid(
        _l("Slides must be a PDF or an office document (presentation, text or spreadsheet)."),
        field="file",
        reason="type",
    )


def remove_slides(session: AgendaSession, actor: User, file_id: int) -> StoredFile:
    """Take a file of slides off ``session`` for good; return it.

    A file a moderator hid stays: it is evidence, and moderators restore it or not.
    """
    permissions.check(actor, Action.MANAGE_SESSION_ARCHIVE, session)
    file = files.file_of_owner(session, file_id)
    if file.is_hidden:
        raise Forbidden()
    try:
        audit_change(
            actor,
            AuditAction.REMOVE_SLIDES,
            TARGET_TYPE,
            session.id,
            session=session.slug,
            file=file.id,
            name=file.name,
        )
        files.delete_attached([file])
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    files.discard([file])
    logger.info("slides %r removed from session %r by %r", file.id, session.id, actor.id)
    return file


def slides_of(sessions: Iterable[AgendaSession]) -> dict[int, list[StoredFile]]:
    """The visible slides of each session, by session id, in order (one query for all)."""
    ids = [item.id for item in sessions]
    found: dict[int, list[StoredFile]] = {session_id: [] for session_id in ids}
    if not ids:
        return found
    for file in db.session.scalars(
        sa.select(StoredFile)
        .where(
            StoredFile.owner_type == SESSION_FILES.name,
            StoredFile.owner_id.in_(ids),
            StoredFile.visible(),
        )
        .order_by(StoredFile.position, StoredFile.id)
    ):
        found[file.owner_id or 0].append(file)
    return found


def slides_shown(session: AgendaSession, reader: Any) -> list[StoredFile]:
    """The session's slides as ``reader`` sees them: staff also the hidden ones."""
    staff = can(reader, Action.SEE_HIDDEN_CONTENT, session)
    return files.files_of_owner(session, include_hidden=staff)
