"""Uploaded files: what they are (``files``) apart from their bytes (``file_chunks``).

Listing files, checking who may read one or counting a person's uploads reads
``files`` only; the bytes are read a chunk at a time when a file is served.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import created_at
from ..db import Hideable
from ..db import intpk

if TYPE_CHECKING:
    from ..accounts.models import User

#: Bytes per stored chunk: a range request or a download reads only the chunks it needs.
CHUNK_SIZE = 256 * 1024


class Variant:
    """The renditions a file is stored in."""

    ORIGINAL = "original"
    THUMBNAIL = "thumbnail"


class StoredFile(Hideable, Base):
    """One uploaded file: who sent it, what it is, and what it is attached to.

    ``name`` is the uploader's file name, cleaned for display only: nothing is
    ever looked up or stored under it. A file is attached once (``owner_type``,
    ``owner_id``); until then only its uploader can read it, and it is deleted
    after a day.
    """

    __tablename__ = "files"
    __table_args__ = (
        sa.Index("ix_files_owner_type_owner_id", "owner_type", "owner_id"),
        sa.Index("ix_files_uploader_id_created_at", "uploader_id", "created_at"),
    )

    id: Mapped[intpk]
    uploader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(sa.String(255))
    #: The type found in the content ("image/png"), never the one the client claimed.
    content_type: Mapped[str] = mapped_column(sa.String(100))
    #: Bytes of the stored original (an image as re-encoded, without its metadata).
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: Pixels of an image as stored, and of its thumbnail; None for documents.
    width: Mapped[int | None]
    height: Mapped[int | None]
    thumbnail_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: A description of an image for people who cannot see it, if the uploader gave one.
    alt_text: Mapped[str | None] = mapped_column(sa.String(500))
    #: A picture of a practice: what it shows, and whose picture it is (shown under it).
    caption: Mapped[str | None] = mapped_column(sa.String(500))
    credit: Mapped[str | None] = mapped_column(sa.String(200))
    #: "database" or "directory": where the bytes are (a file keeps its place when the
    #: setting changes), and the name they have there.
    storage: Mapped[str] = mapped_column(sa.String(20))
    storage_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[created_at]
    #: What the file belongs to ("message", 42), once attached; see files/owners.py.
    owner_type: Mapped[str | None] = mapped_column(sa.String(20))
    owner_id: Mapped[int | None]
    #: Order among the owner's files.
    position: Mapped[int] = mapped_column(default=0)
    attached_at: Mapped[dt.datetime | None]

    uploader: Mapped[User] = relationship(foreign_keys=[uploader_id])

    @property
    def is_image(self) -> bool:
        return self.width is not None

    @property
    def is_attached(self) -> bool:
        return self.owner_type is not None


class FileChunk(Base):
    """A slice of a file's bytes, when files live in the database (the default)."""

    __tablename__ = "file_chunks"

    file_id: Mapped[int] = mapped_column(
        sa.ForeignKey("files.id", ondelete="CASCADE"), primary_key=True
    )
    variant: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
