"""The rules of files: uploading within limits, attaching, reading, and forgetting.

A file is uploaded on its own (``POST /api/attachments``) and attached later
by the service that stores what it belongs to (a message, a practice), which
calls :func:`attach_files`. Until then only its uploader can read it, and the
hourly clean-up deletes it after a day.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
import threading
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import permissions
from ..accounts.models import User
from ..db import changed_rows
from ..db import is_postgresql
from ..db import utcnow
from ..errors import Forbidden
from ..errors import Invalid
from ..errors import NotFound
from ..errors import RateLimited
from ..errors import TooLarge
from ..extensions import db
from ..offload import run_off_loop
from ..payloads import check_storable
from ..permissions import Action
from ..permissions import can
from ..ratelimit import limiter
from . import content
from .models import StoredFile
from .models import Variant
from .owners import owner_kinds
from .storage import storages

logger = logging.getLogger(__name__)

#: Files uploaded and never attached are deleted this long after their upload.
UNATTACHED_LIFETIME = dt.timedelta(days=1)
#: The window of the per-person upload quota.
QUOTA_WINDOW = dt.timedelta(days=1)
#: Images examined at once by one process: each may take a few hundred MB while decoded.
EXAMINING_AT_ONCE = 2
ALT_MAX_LENGTH = 500


def init_app(app: Flask) -> None:
    # Created here, after wsgi.py patched threading: under eventlet a green semaphore.
    app.extensions["exchange.files.examining"] = threading.BoundedSemaphore(EXAMINING_AT_ONCE)


# --- uploading ------------------------------------------------------------------


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g}"


def too_large(maximum: int) -> TooLarge:
    """The answer to a file over the size limit, naming the limit."""
    return TooLarge(
        _l("This file is too large: at most %(size)s MB are accepted.", size=megabytes(maximum)),
        field="file",
        limit="size",
        max_bytes=maximum,
    )


def count_upload(actor: User) -> None:
    """Count one upload by ``actor``; refuse it when they upload too fast.

    Checked before the file is examined: each picture costs a decoding.
    """
    wait = limiter().hit("upload", str(actor.id))
    if wait:
        raise RateLimited(
            _l("You are sending files too fast. Please wait a moment."),
            limit="rate",
            retry_after=math.ceil(wait),
        )


def upload_file(
    actor: User, data: bytes, name: str | None, *, alt: str | None = None
) -> StoredFile:
    """Examine and store a file of ``actor``'s, unattached; return it.

    Refused with :class:`TooLarge` over the size limit, :class:`RateLimited`
    over the daily quota, :class:`Invalid` for anything not accepted (see
    files/content.py). The examination runs off the event loop.
    """
    permissions.check(actor, Action.UPLOAD_FILE)
    config = current_app.config
    if len(data) > config["UPLOAD_MAX_BYTES"]:
        raise too_large(config["UPLOAD_MAX_BYTES"])
    alt = _clean_alt(alt)
    _check_quota(actor, 0)  # before any work: a person over quota costs no decoding
    db.session.commit()  # ends the read: no connection is held while the file is examined
    limits = content.Limits(config["UPLOAD_MAX_PIXELS"], config["IMAGE_MAX_SIDE"])
    with current_app.extensions["exchange.files.examining"]:
        examined = run_off_loop(content.examine, data, limits)
    backend = storages().default
    file = StoredFile(
        uploader_id=actor.id,
        name=content.display_name(name, examined.type),
        content_type=examined.type.content_type,
        size=len(examined.content),
        sha256=examined.sha256,
        width=examined.width,
        height=examined.height,
        thumbnail_size=len(examined.thumbnail) if examined.thumbnail is not None else None,
        alt_text=alt if examined.type.image else None,
        storage=backend.name,
        storage_key=secrets.token_hex(16),
    )
    try:
        _lock_uploader(actor)
        _check_quota(actor, file.size)  # again, exactly, while no other upload of theirs counts
        db.session.add(file)
        db.session.flush()
        backend.put(file, Variant.ORIGINAL, examined.content)
        if examined.thumbnail is not None:
            backend.put(file, Variant.THUMBNAIL, examined.thumbnail)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        backend.discard([file])
        raise
    logger.info(
        "file %r (%s, %d bytes) uploaded by %r", file.id, file.content_type, file.size, actor.id
    )
    return file


def describe_file(actor: User, file_id: int, alt: str | None) -> StoredFile:
    """Set or change the description of a picture ``actor`` uploaded and has not attached.

    For the composer, which uploads a picture at once and lets its sender describe
    it until the message goes. Anyone else's file, or an attached one, is
    :class:`NotFound`; a document keeps no description.
    """
    permissions.check(actor, Action.UPLOAD_FILE)
    file = db.session.get(StoredFile, file_id) if 0 < file_id < 2**63 else None
    if file is None or file.uploader_id != actor.id or file.owner_type is not None:
        raise NotFound()
    if file.is_image:
        file.alt_text = _clean_alt(alt)
        db.session.commit()
    return file


def _clean_alt(alt: str | None) -> str | None:
    alt = " ".join((alt or "").split())
    if not alt:
        return None
    check_storable(alt, "alt")
    if len(alt) > ALT_MAX_LENGTH:
        raise Invalid(
            _l("The description can be at most %(max)d characters.", max=ALT_MAX_LENGTH),
            field="alt",
        )
    return alt


def _lock_uploader(actor: User) -> None:
    """Make one person's uploads take turns on PostgreSQL (SQLite writers always do)."""
    if is_postgresql(db.session):
        db.session.execute(sa.select(User.id).where(User.id == actor.id).with_for_update())


def _check_quota(actor: User, adding: int) -> None:
    """Refuse an upload that would take ``actor`` over the daily count or bytes."""
    config = current_app.config
    since = utcnow() - QUOTA_WINDOW
    count, used, oldest = db.session.execute(
        sa.select(
            sa.func.count(StoredFile.id),
            sa.func.coalesce(sa.func.sum(StoredFile.size), 0),
            sa.func.min(StoredFile.created_at),
        ).where(StoredFile.uploader_id == actor.id, StoredFile.created_at > since)
    ).one()
    retry_after = _seconds_until(oldest + QUOTA_WINDOW) if oldest is not None else 1
    if count >= config["UPLOAD_DAILY_FILES"]:
        raise RateLimited(
            _l(
                "You have sent %(count)d files in the last 24 hours, the most allowed. "
                "You can send more later.",
                count=config["UPLOAD_DAILY_FILES"],
            ),
            limit="daily_files",
            max_files=config["UPLOAD_DAILY_FILES"],
            retry_after=retry_after,
        )
    if used + adding > config["UPLOAD_DAILY_BYTES"] or (
        adding == 0 and used >= config["UPLOAD_DAILY_BYTES"]
    ):
        raise RateLimited(
            _l(
                "You have sent %(size)s MB of files in the last 24 hours, and this file "
                "would go over the limit. You can send more later.",
                size=megabytes(config["UPLOAD_DAILY_BYTES"]),
            ),
            limit="daily_bytes",
            max_bytes=config["UPLOAD_DAILY_BYTES"],
            retry_after=retry_after,
        )


def _seconds_until(moment: dt.datetime) -> int:
    return max(1, math.ceil((moment - utcnow()).total_seconds()))


# --- attaching ------------------------------------------------------------------


def check_attachable(
    actor: User, file_ids: Sequence[Any], owner_kind: str, already: int = 0
) -> list[int]:
    """Check, without changing anything, that ``actor`` may attach these files; return the ids.

    For services that validate before they store the owner: the files must be
    the actor's own and unattached, listed once each, and no more than the
    owner's limit (``already`` counting the files it carries).
    """
    kind = owner_kinds().named(owner_kind)
    ids = _file_ids(file_ids)
    if already + len(ids) > kind.limit():
        raise Invalid(
            _l("At most %(max)d files can be attached here.", max=kind.limit()),
            field="attachments",
            limit="per_owner",
            max_files=kind.limit(),
        )
    if ids:
        usable = set(
            db.session.scalars(
                sa.select(StoredFile.id).where(
                    StoredFile.id.in_(ids),
                    StoredFile.uploader_id == actor.id,
                    StoredFile.owner_type.is_(None),
                )
            )
        )
        for file_id in ids:
            if file_id not in usable:
                raise _not_attachable(file_id)
    return ids


def _file_ids(file_ids: Sequence[Any]) -> list[int]:
    if not isinstance(file_ids, list | tuple):
        raise Invalid(
            _l("'%(field)s' must be a list of file ids.", field="attachments"), field="attachments"
        )
    ids: list[int] = []
    for file_id in file_ids:
        if isinstance(file_id, bool) or not isinstance(file_id, int) or not 0 < file_id < 2**63:
            raise Invalid(
                _l("'%(field)s' must be a list of file ids.", field="attachments"),
                field="attachments",
            )
        if file_id in ids:
            raise Invalid(_l("A file is listed twice."), field="attachments", file_id=file_id)
        ids.append(file_id)
    return ids


def _not_attachable(file_id: int) -> Invalid:
    return Invalid(
        _l(
            "One of the files cannot be attached: it was not uploaded by you, is already "
            "attached elsewhere, or has expired. Upload it again."
        ),
        field="attachments",
        file_id=file_id,
    )


def claim_files(actor: User, file_ids: Sequence[Any], owner: Any) -> list[StoredFile]:
    """Attach files to ``owner`` within the caller's transaction (which then commits).

    For services that store an owner and its files in one unit of work. Each
    file is claimed by a conditional update, so two owners racing for one file
    cannot both get it.
    """
    kind = owner_kinds().of(owner)
    permissions.check(actor, Action.UPLOAD_FILE)
    if not kind.may_attach(actor, owner):
        raise Forbidden()
    already = db.session.scalar(
        sa.select(sa.func.count(StoredFile.id)).where(
            StoredFile.owner_type == kind.name, StoredFile.owner_id == owner.id
        )
    )
    ids = check_attachable(actor, file_ids, kind.name, already=int(already or 0))
    claim_checked(kind.name, owner.id, actor.id, ids, start=int(already or 0))
    return files_of_owner(owner, include_hidden=True) if ids else []


def claim_checked(
    owner_kind: str, owner_id: int, uploader_id: int, file_ids: Sequence[int], *, start: int = 0
) -> None:
    """Claim files already checked by :func:`check_attachable`, in the caller's transaction.

    For writers that hold ids rather than objects (the chat's group commit): each
    file is taken by a conditional update, so a file claimed meanwhile by another
    owner is refused (:class:`Invalid`) and the caller rolls back.
    """
    now = utcnow()
    for position, file_id in enumerate(file_ids, start=start):
        claimed = db.session.execute(
            sa.update(StoredFile)
            .where(
                StoredFile.id == file_id,
                StoredFile.uploader_id == uploader_id,
                StoredFile.owner_type.is_(None),
            )
            .values(owner_type=owner_kind, owner_id=owner_id, position=position, attached_at=now)
            .execution_options(synchronize_session=False)
        )
        if changed_rows(claimed) != 1:
            raise _not_attachable(file_id)


def attach_files(actor: User, file_ids: Sequence[Any], owner: Any) -> list[StoredFile]:
    """Attach ``actor``'s own unattached files to ``owner``, in order; return the owner's files."""
    try:
        files = claim_files(actor, file_ids, owner)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if files:
        logger.info(
            "%d file(s) attached to %s %r by %r",
            len(file_ids),
            owner_kinds().of(owner).name,
            owner.id,
            actor.id,
        )
    return files


def files_of_owner(owner: Any, *, include_hidden: bool = False) -> list[StoredFile]:
    """The files attached to ``owner``, in order (hidden ones only when asked)."""
    kind = owner_kinds().of(owner)
    query = sa.select(StoredFile).where(
        StoredFile.owner_type == kind.name, StoredFile.owner_id == owner.id
    )
    if not include_hidden:
        query = query.where(StoredFile.visible())
    return list(db.session.scalars(query.order_by(StoredFile.position, StoredFile.id)))


def count_of_owner(owner: Any) -> int:
    """How many files ``owner`` holds, hidden ones too (its limit counts them all)."""
    kind = owner_kinds().of(owner)
    return int(
        db.session.scalar(
            sa.select(sa.func.count(StoredFile.id)).where(
                StoredFile.owner_type == kind.name, StoredFile.owner_id == owner.id
            )
        )
        or 0
    )


def file_of_owner(owner: Any, file_id: int) -> StoredFile:
    """The file ``file_id`` if ``owner`` holds it; otherwise NotFound (absurd ids too)."""
    kind = owner_kinds().of(owner)
    file = db.session.get(StoredFile, file_id) if 0 < file_id < 2**63 else None
    if file is None or file.owner_type != kind.name or file.owner_id != owner.id:
        raise NotFound()
    return file


# --- reading --------------------------------------------------------------------


def may_read(reader: Any, file: StoredFile) -> bool:
    """Whether ``reader`` (possibly anonymous) may read ``file``.

    A hidden file: only moderators and organizers. An unattached one: only its
    uploader. An attached one: whoever may read its owner, as the owner's kind
    says (a hidden owner hides its files from everyone but staff).
    """
    signed_in = reader is not None and getattr(reader, "is_authenticated", False)
    staff = can(reader, Action.SEE_HIDDEN_CONTENT, file)
    if file.is_hidden and not staff:
        return False
    if file.owner_type is None:
        return bool(signed_in and reader.id == file.uploader_id)
    kind = owner_kinds().by_name.get(file.owner_type)
    if kind is None:
        return False
    owner = db.session.get(kind.model, file.owner_id)
    return owner is not None and bool(kind.may_read(reader if signed_in else None, owner))


def readable_file(reader: Any, file_id: int) -> StoredFile:
    """The file if ``reader`` may read it; :class:`NotFound` otherwise, whether it exists or not."""
    file = db.session.get(StoredFile, file_id) if 0 < file_id < 2**63 else None
    if file is None or not may_read(reader, file):
        raise NotFound()
    return file


def read_bytes(
    file: StoredFile, variant: str, start: int = 0, stop: int | None = None
) -> Iterator[bytes]:
    """A rendition's bytes from ``start`` to ``stop`` (excluded), a chunk at a time."""
    size = variant_size(file, variant)
    stop = size if stop is None else min(stop, size)
    if stop <= start:
        return iter(())
    return storages().of(file).read(file, variant, start, stop)


def variant_size(file: StoredFile, variant: str) -> int:
    if variant == Variant.THUMBNAIL:
        if file.thumbnail_size is None:
            raise NotFound()
        return file.thumbnail_size
    return file.size


def files_uploaded_by(user: User) -> list[StoredFile]:
    """Every file ``user`` uploaded, hidden ones included (for their data export)."""
    return list(
        db.session.scalars(
            sa.select(StoredFile).where(StoredFile.uploader_id == user.id).order_by(StoredFile.id)
        )
    )


# --- forgetting -----------------------------------------------------------------


def remove_unattached_files_of(user: User) -> list[StoredFile]:
    """Delete ``user``'s unattached files within the caller's transaction.

    Return them: after the commit, the caller passes them to :func:`discard`
    so that bytes kept outside the database go too.
    """
    files = list(
        db.session.scalars(
            sa.select(StoredFile).where(
                StoredFile.uploader_id == user.id, StoredFile.owner_type.is_(None)
            )
        )
    )
    _remove(files)
    return files


def delete_attached(files: Sequence[StoredFile]) -> None:
    """Delete files an owner's editors took off it, within the caller's transaction.

    After the commit, the caller passes them to :func:`discard`.
    """
    _remove(files)


def _remove(files: Sequence[StoredFile]) -> None:
    if not files:
        return
    for backend in storages().backends.values():
        backend.remove(files)
    db.session.execute(
        sa.delete(StoredFile)
        .where(StoredFile.id.in_([file.id for file in files]))
        .execution_options(synchronize_session=False)
    )


def discard(files: Sequence[StoredFile]) -> None:
    """Remove the bytes of deleted files that live outside the database."""
    for backend in storages().backends.values():
        backend.discard(files)


def delete_unattached_files(now: dt.datetime | None = None, batch: int = 200) -> int:
    """Delete files never attached a day after their upload; return how many.

    Run by every process's hourly clean-up and by ``flask --app wsgi
    purge-expired``. Each batch is its own transaction.
    """
    cutoff = (now or utcnow()) - UNATTACHED_LIFETIME
    deleted = 0
    while True:
        files = list(
            db.session.scalars(
                sa.select(StoredFile)
                .where(StoredFile.owner_type.is_(None), StoredFile.created_at < cutoff)
                .order_by(StoredFile.id)
                .limit(batch)
            )
        )
        if not files:
            break
        _remove(files)
        db.session.commit()
        discard(files)
        deleted += len(files)
    directory = storages().directory()
    if directory is not None:
        keys = db.session.scalars(
            sa.select(StoredFile.storage_key).where(StoredFile.storage == directory.name)
        )
        swept = directory.sweep(keys, older_than=cutoff.timestamp())
        if swept:
            logger.info("removed %d stored file(s) that no row described", swept)
    if deleted:
        logger.info("deleted %d file(s) never attached", deleted)
    return deleted
