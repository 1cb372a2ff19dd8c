"""Where the bytes of files live: the database (the default) or a directory every machine shares.

The database is the default because every process on every machine already
reaches it, backups already include it, and a file is stored in the same
transaction as the row that describes it: no file without its row, no row
without its file. A directory (``EXCHANGE_FILE_STORAGE=directory`` with
``EXCHANGE_FILE_DIRECTORY``) keeps large files out of the database, but only
works when every machine mounts the same folder (NFS or the like), and must be
backed up on its own. Each file records where its bytes are, so changing the
setting leaves earlier files readable where they were.

Bytes are read a chunk at a time, each on a connection taken from the pool and
given back at once, so a slow download never holds a database connection.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from flask import current_app
from flask import Flask

from ..db import is_postgresql
from ..errors import ExchangeError
from ..extensions import db
from ..offload import let_others_run
from ..offload import run_off_loop
from .models import CHUNK_SIZE
from .models import FileChunk
from .models import StoredFile
from .models import Variant

logger = logging.getLogger(__name__)


class Storage(Protocol):
    name: str

    def put(self, file: StoredFile, variant: str, data: bytes) -> None:
        """Store a rendition of ``file`` (its row has an id) as part of the open transaction."""

    def read(self, file: StoredFile, variant: str, start: int, stop: int) -> Iterator[bytes]:
        """The bytes ``start`` to ``stop`` (excluded) of a rendition, a chunk at a time."""

    def remove(self, files: Iterable[StoredFile]) -> None:
        """Drop the bytes of ``files`` as part of the open transaction, before it commits."""

    def discard(self, files: Iterable[StoredFile]) -> None:
        """Forget bytes that no row describes: after a rollback, or after deleting rows."""


class DatabaseStorage:
    """Chunks in ``file_chunks``, written and deleted in the transaction of their row."""

    name = "database"

    def put(self, file: StoredFile, variant: str, data: bytes) -> None:
        # One statement a chunk. On PostgreSQL the loop serves others in between (one
        # statement for all would hold it while the driver encodes megabytes). Never on
        # SQLite: its write lock is the whole database's, and whoever else wrote meanwhile
        # would wait for it with the loop held.
        cooperative = is_postgresql(db.session)
        for seq, offset in enumerate(range(0, max(len(data), 1), CHUNK_SIZE)):
            db.session.execute(
                sa.insert(FileChunk),
                {
                    "file_id": file.id,
                    "variant": variant,
                    "seq": seq,
                    "data": data[offset : offset + CHUNK_SIZE],
                },
            )
            if cooperative:
                let_others_run()

    def read(self, file: StoredFile, variant: str, start: int, stop: int) -> Iterator[bytes]:
        # The engine is taken now: the chunks may be read after the request's context ended.
        return _read_chunks(db.engine, file.id, variant, start, stop)

    def remove(self, files: Iterable[StoredFile]) -> None:
        ids = [file.id for file in files if file.storage == self.name]
        for offset in range(0, len(ids), 500):
            db.session.execute(
                sa.delete(FileChunk).where(FileChunk.file_id.in_(ids[offset : offset + 500]))
            )

    def discard(self, files: Iterable[StoredFile]) -> None:
        """Nothing to do: the chunks went (or never came) with their transaction."""


def _read_chunks(
    engine: sa.Engine, file_id: int, variant: str, start: int, stop: int
) -> Iterator[bytes]:
    query = sa.select(FileChunk.data).where(
        FileChunk.file_id == file_id,
        FileChunk.variant == variant,
        FileChunk.seq == sa.bindparam("seq"),
    )
    for seq in range(start // CHUNK_SIZE, (stop - 1) // CHUNK_SIZE + 1):
        with engine.connect() as connection:  # back to the pool between chunks
            data = connection.execute(query, {"seq": seq}).scalar()
        if data is None:
            logger.error("file %r is missing chunk %d of its %s", file_id, seq, variant)
            raise ExchangeError()
        chunk_start = seq * CHUNK_SIZE
        yield bytes(data)[max(start - chunk_start, 0) : stop - chunk_start]


class DirectoryStorage:
    """One file per rendition under a folder shared by every machine.

    Written aside and renamed into place (never half a file under its name),
    before the row commits; a rollback removes it again. A crash in between
    leaves a file no row names: :meth:`sweep` removes those after a day.
    """

    name = "directory"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str, variant: str) -> Path:
        return self.folder / key[:2] / f"{key}.{variant}"

    def put(self, file: StoredFile, variant: str, data: bytes) -> None:
        run_off_loop(_write_atomically, self.path(file.storage_key, variant), data)

    def read(self, file: StoredFile, variant: str, start: int, stop: int) -> Iterator[bytes]:
        path = self.path(file.storage_key, variant)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            logger.error("file %r is missing its %s at %s", file.id, variant, path)
            raise ExchangeError() from None
        with handle:
            handle.seek(start)
            left = stop - start
            while left > 0:
                data = handle.read(min(CHUNK_SIZE, left))
                if not data:
                    return
                left -= len(data)
                yield data

    def remove(self, files: Iterable[StoredFile]) -> None:
        """Nothing before the commit: the files go once no row names them (:meth:`discard`)."""

    def discard(self, files: Iterable[StoredFile]) -> None:
        for file in files:
            if file.storage != self.name:
                continue
            for variant in (Variant.ORIGINAL, Variant.THUMBNAIL):
                self.path(file.storage_key, variant).unlink(missing_ok=True)

    def sweep(self, known: Iterable[str], older_than: float) -> int:
        """Remove files no row names that were last written before ``older_than`` (epoch)."""
        known = set(known)
        removed = 0
        for path in self.folder.glob("??/*.*"):
            key = path.name.split(".", 1)[0]
            if key in known or key.startswith("."):
                continue
            try:
                if path.stat().st_mtime < older_than:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class Storages:
    """The backends of one application: the configured one for new files, all of them to read."""

    def __init__(self, app: Flask) -> None:
        self.backends: dict[str, Storage] = {"database": DatabaseStorage()}
        folder = app.config["FILE_DIRECTORY"]
        if folder:
            path = Path(folder)
            path.mkdir(parents=True, exist_ok=True)
            self.backends["directory"] = DirectoryStorage(path)
        self.default = self.backends[app.config["FILE_STORAGE"]]

    def of(self, file: StoredFile) -> Storage:
        backend = self.backends.get(file.storage)
        if backend is None:
            logger.error(
                "file %r lives in %r storage, which is not configured", file.id, file.storage
            )
            raise ExchangeError()
        return backend

    def directory(self) -> DirectoryStorage | None:
        backend = self.backends.get("directory")
        return backend if isinstance(backend, DirectoryStorage) else None


def init_app(app: Flask) -> None:
    app.extensions["exchange.files.storage"] = Storages(app)


def storages() -> Storages:
    return current_app.extensions["exchange.files.storage"]  # type: ignore[no-any-return]
