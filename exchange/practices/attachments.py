"""Pictures and documents of best practices, on the storage of exchange/files.

A picture needs a description for people who cannot see it (its ``alt``), and
may have a caption and a credit; documents (PDF, office files, CSV) are listed
with their type and size. Who may edit a practice adds and removes its files;
whoever may read the practice reads them (anyone, once it is published); a
moderator hides one file without hiding the practice (moderation/services.py).
The e-book reads a practice's visible pictures through :func:`practice_images`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from .. import permissions
from ..accounts.models import User
from ..errors import Forbidden
from ..errors import Invalid
from ..errors import NotFound
from ..extensions import db
from ..files import services as files
from ..files.models import StoredFile
from ..files.models import Variant
from ..files.owners import OwnerKind
from ..payloads import check_storable
from ..permissions import Action
from ..permissions import can
from .models import Practice

logger = logging.getLogger(__name__)

CAPTION_MAX_LENGTH = 500
CREDIT_MAX_LENGTH = 200


def _may_attach(actor: Any, practice: Practice) -> bool:
    """Those who may edit the practice, while it is in view."""
    return not practice.is_hidden and can(actor, Action.EDIT_PRACTICE, practice)


def _may_read(reader: Any, practice: Practice) -> bool:
    """Anyone, once published; before, those who may edit it; hidden, staff only."""
    if practice.is_hidden:
        return can(reader, Action.SEE_HIDDEN_CONTENT, practice)
    return practice.is_published or can(reader, Action.EDIT_PRACTICE, practice)


PRACTICE_FILES = OwnerKind(
    name="practice",
    model=Practice,
    limit_setting="ATTACHMENTS_PER_PRACTICE",
    may_attach=_may_attach,
    may_read=_may_read,
)


def _clean(text: str | None, field: str, maximum: int) -> str | None:
    text = " ".join((text or "").split())
    if not text:
        return None
    check_storable(text, field)
    if len(text) > maximum:
        raise Invalid(_l("Please keep it under %(max)d characters.", max=maximum), field=field)
    return text


def _alt_needed() -> Invalid:
    return Invalid(
        _l("Describe the picture for people who cannot see it."), field="alt", reason="alt"
    )


def add_file(
    practice: Practice,
    actor: User,
    data: bytes,
    name: str | None,
    *,
    alt: str | None = None,
    caption: str | None = None,
    credit: str | None = None,
    declared_type: str | None = None,
) -> StoredFile:
    """Store a picture or document and attach it to ``practice``; return it.

    The upload is its own unit of work (files.services.upload_file, with its
    limits and examination); attaching is the second. A picture without a
    description is refused: before the upload when the browser says it is one
    (``declared_type``), after it otherwise, and the stored file then expires
    unattached like any upload nothing claimed.
    """
    permissions.check(actor, Action.EDIT_PRACTICE, practice)
    if not _may_attach(actor, practice):
        raise Forbidden()
    caption = _clean(caption, "caption", CAPTION_MAX_LENGTH)
    credit = _clean(credit, "credit", CREDIT_MAX_LENGTH)
    if not (alt or "").strip() and (declared_type or "").startswith("image/"):
        raise _alt_needed()
    files.check_attachable(
        actor, [], PRACTICE_FILES.name, already=files.count_of_owner(practice) + 1
    )
    file = files.upload_file(actor, data, name, alt=alt)
    if file.is_image and not file.alt_text:
        raise _alt_needed()
    try:
        if file.is_image:
            file.caption, file.credit = caption, credit
            db.session.flush()
        files.claim_files(actor, [file.id], practice)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    db.session.refresh(file)
    logger.info("file %r added to practice %r by %r", file.id, practice.id, actor.id)
    return file


def remove_file(practice: Practice, actor: User, file_id: int) -> StoredFile:
    """Take a file off ``practice`` for good, as its editors may; return it.

    A file a moderator hid stays: it is evidence, and moderators restore it or not.
    """
    permissions.check(actor, Action.EDIT_PRACTICE, practice)
    file = files.file_of_owner(practice, file_id)
    if file.is_hidden or practice.is_hidden:
        raise Forbidden()
    try:
        files.delete_attached([file])
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    files.discard([file])
    logger.info("file %r removed from practice %r by %r", file.id, practice.id, actor.id)
    return file


def files_shown(practice: Practice, reader: Any) -> list[StoredFile]:
    """The practice's files as ``reader`` sees them: staff also the hidden ones."""
    staff = can(reader, Action.SEE_HIDDEN_CONTENT, practice)
    return files.files_of_owner(practice, include_hidden=staff)


@dataclass(frozen=True)
class PracticeImage:
    """A picture of a published practice, as the e-book puts it in."""

    id: int
    name: str
    content_type: str
    width: int
    height: int
    alt: str
    caption: str | None
    credit: str | None

    def read(self) -> bytes:
        """The stored picture's bytes (without its metadata, at most 4096 pixels a side)."""
        file = db.session.get(StoredFile, self.id)
        if file is None:
            raise NotFound()
        return b"".join(files.read_bytes(file, Variant.ORIGINAL))


def practice_images(practice: Practice) -> list[PracticeImage]:
    """The pictures everyone may see on ``practice``, in order (none while it is not public)."""
    if not practice.is_public:
        return []
    return [
        PracticeImage(
            id=file.id,
            name=file.name,
            content_type=file.content_type,
            width=file.width or 0,
            height=file.height or 0,
            alt=file.alt_text or "",
            caption=file.caption,
            credit=file.credit,
        )
        for file in files.files_of_owner(practice)
        if file.is_image
    ]
