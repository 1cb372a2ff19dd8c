"""The rules of files: limits, attaching, who reads what, and forgetting (both databases)."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from exchange import create_app
from exchange.accounts import privacy
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.db import utcnow
from exchange.errors import Forbidden
from exchange.errors import Invalid
from exchange.errors import NotFound
from exchange.errors import RateLimited
from exchange.errors import TooLarge
from exchange.errors import Unauthenticated
from exchange.extensions import db
from exchange.files import services
from exchange.files.models import FileChunk
from exchange.files.models import StoredFile
from exchange.files.models import Variant
from exchange.moderation import services as moderation
from exchange.rooms.services import get_message

from ..conftest import PASSWORD
from ..conftest import test_config
from ..support import files


def _get(model, key):
    return db.session.get(model, key)


def test_an_upload_is_stored_unattached_and_read_back_whole(app_ctx, elena):
    document = files.ooxml()
    file = services.upload_file(_get(User, elena.id), document, "Bando 2024.docx")
    assert (file.name, file.size, file.owner_type) == ("Bando 2024.docx", len(document), None)
    assert file.content_type.endswith("wordprocessingml.document")
    assert b"".join(services.read_bytes(file, Variant.ORIGINAL)) == document
    assert b"".join(services.read_bytes(file, Variant.ORIGINAL, 10, 20)) == document[10:20]
    with pytest.raises(NotFound):
        services.variant_size(file, Variant.THUMBNAIL)  # documents have none


def test_a_large_file_is_kept_in_chunks_and_read_in_any_range(app_ctx, elena):
    rows = "\n".join(f"{n};Comune {n};{n * 37 % 1000}" for n in range(40_000)).encode()
    assert len(rows) > 3 * 256 * 1024
    file = services.upload_file(_get(User, elena.id), rows, "consumi.csv")
    chunks = db.session.scalar(sa.select(sa.func.count()).where(FileChunk.file_id == file.id))
    assert chunks == -(-len(rows) // (256 * 1024))
    assert b"".join(services.read_bytes(file, Variant.ORIGINAL)) == rows
    for start, stop in [(0, 1), (262_143, 262_145), (300_000, 900_000), (len(rows) - 5, len(rows))]:
        assert (
            b"".join(services.read_bytes(file, Variant.ORIGINAL, start, stop)) == rows[start:stop]
        )


def test_pictures_keep_a_description_and_documents_do_not(app_ctx, elena):
    user = _get(User, elena.id)
    picture = services.upload_file(
        user, files.image(), "roof.png", alt="  The school roof\nwith panels "
    )
    document = services.upload_file(user, files.pdf(), "bando.pdf", alt="ignored")
    assert picture.alt_text == "The school roof with panels"
    assert document.alt_text is None
    with pytest.raises(Invalid) as refused:
        services.upload_file(user, files.image(), "roof.png", alt="x" * 501)
    assert refused.value.details["field"] == "alt"


@pytest.mark.parametrize("role", [Role.ATTENDEE])
def test_only_delegates_and_staff_upload(app_ctx, make_user, role):
    with pytest.raises(Forbidden):
        services.upload_file(make_user(role), files.image(), "x.png")
    with pytest.raises(Unauthenticated):
        services.upload_file(None, files.image(), "x.png")


def test_the_size_limit_is_a_setting_and_says_itself(app_ctx, elena):
    app_ctx.config["UPLOAD_MAX_BYTES"] = 1000
    with pytest.raises(TooLarge) as refused:
        services.upload_file(_get(User, elena.id), files.pdf("x" * 2000), "big.pdf")
    assert refused.value.http_status == 413
    assert refused.value.details["limit"] == "size" and refused.value.details["max_bytes"] == 1000


def test_the_daily_count_holds_and_says_when_more_may_be_sent(app_ctx, elena):
    app_ctx.config["UPLOAD_DAILY_FILES"] = 2
    user = _get(User, elena.id)
    services.upload_file(user, files.image(), "a.png")
    services.upload_file(user, files.image(), "b.png")
    with pytest.raises(RateLimited) as refused:
        services.upload_file(user, files.image(), "c.png")
    assert refused.value.details["limit"] == "daily_files"
    assert 86_000 < refused.value.details["retry_after"] <= 86_400
    # A day later the window has moved on.
    db.session.execute(sa.update(StoredFile).values(created_at=utcnow() - dt.timedelta(hours=25)))
    db.session.commit()
    services.upload_file(user, files.image(), "c.png")


def test_the_daily_bytes_count_what_is_stored(app_ctx, elena):
    user = _get(User, elena.id)
    first = services.upload_file(user, files.pdf("a" * 3000), "a.pdf")
    app_ctx.config["UPLOAD_DAILY_BYTES"] = first.size + 1000
    services.upload_file(user, files.image(), "small.png")  # a few hundred bytes once stored
    with pytest.raises(RateLimited) as refused:
        services.upload_file(user, files.pdf("b" * 3000), "b.pdf")
    assert refused.value.details["limit"] == "daily_bytes"


def test_the_quota_is_each_persons_own(app_ctx, elena, paolo):
    app_ctx.config["UPLOAD_DAILY_FILES"] = 1
    services.upload_file(_get(User, elena.id), files.image(), "a.png")
    services.upload_file(_get(User, paolo.id), files.image(), "b.png")


# --- attaching -------------------------------------------------------------------


def test_the_author_attaches_their_own_files_to_their_message_in_order(
    app, elena, stored, message_of
):
    first, second = stored(elena, files.pdf(), "a.pdf"), stored(elena, files.image(), "b.png")
    message_id = message_of(elena)
    with app.app_context():
        attached = services.attach_files(
            _get(User, elena.id), [second.id, first.id], get_message(message_id)
        )
        assert [file.id for file in attached] == [second.id, first.id]
        assert {(f.owner_type, f.owner_id) for f in attached} == {("message", message_id)}
        assert all(file.attached_at is not None for file in attached)


def test_a_file_is_attached_once_and_only_by_its_uploader(app, elena, paolo, stored, message_of):
    file = stored(elena)
    with app.app_context():
        with pytest.raises(Invalid) as refused:  # Paolo's message, Elena's file
            services.attach_files(_get(User, paolo.id), [file.id], get_message(message_of(paolo)))
        assert refused.value.details == {"field": "attachments", "file_id": file.id}
    with app.app_context():
        services.attach_files(_get(User, elena.id), [file.id], get_message(message_of(elena)))
    with app.app_context(), pytest.raises(Invalid):  # already used
        services.attach_files(_get(User, elena.id), [file.id], get_message(message_of(elena)))


def test_nobody_attaches_to_someone_elses_message(app, elena, paolo, stored, message_of):
    file = stored(paolo)
    with app.app_context(), pytest.raises(Forbidden):
        services.attach_files(_get(User, paolo.id), [file.id], get_message(message_of(elena)))


def test_a_muted_author_attaches_nothing_until_the_mute_ends(
    app, elena, make_user, stored, message_of
):
    file = stored(elena)
    message_id = message_of(elena)
    moderator = make_user(Role.MODERATOR)
    with app.app_context():
        moderation.mute(_get(User, elena.id), _get(User, moderator.id), 10, "calm down")
    with app.app_context(), pytest.raises(Forbidden):
        services.attach_files(_get(User, elena.id), [file.id], get_message(message_id))
    with app.app_context():
        moderation.unmute(_get(User, elena.id), _get(User, moderator.id))
    with app.app_context():
        assert services.attach_files(_get(User, elena.id), [file.id], get_message(message_id))


def test_a_message_carries_at_most_the_configured_number_of_files(app, elena, stored, message_of):
    app.config["ATTACHMENTS_PER_MESSAGE"] = 2
    uploads = [stored(elena, files.image(), f"{n}.png") for n in range(3)]
    message_id = message_of(elena)
    with app.app_context():
        with pytest.raises(Invalid) as refused:
            services.attach_files(
                _get(User, elena.id), [f.id for f in uploads], get_message(message_id)
            )
        assert refused.value.details["limit"] == "per_owner"
        assert refused.value.details["max_files"] == 2
    with app.app_context():
        services.attach_files(_get(User, elena.id), [uploads[0].id], get_message(message_id))
    with app.app_context():
        services.attach_files(_get(User, elena.id), [uploads[1].id], get_message(message_id))
    with app.app_context(), pytest.raises(Invalid):
        services.attach_files(_get(User, elena.id), [uploads[2].id], get_message(message_id))
    with app.app_context():  # a refused attachment changes nothing
        assert _get(StoredFile, uploads[2].id).owner_type is None


@pytest.mark.parametrize("ids", [[1, 1], ["1"], [True], [0], [2**63], "1", None])
def test_malformed_lists_of_files_are_refused(app_ctx, elena, ids):
    with pytest.raises(Invalid):
        services.check_attachable(_get(User, elena.id), ids, "message")


def test_a_refused_file_in_a_list_attaches_none_of_them(app, elena, paolo, stored, message_of):
    mine, theirs = stored(elena), stored(paolo)
    message_id = message_of(elena)
    with app.app_context(), pytest.raises(Invalid):
        services.attach_files(_get(User, elena.id), [mine.id, theirs.id], get_message(message_id))
    with app.app_context():
        assert _get(StoredFile, mine.id).owner_type is None


# --- reading ---------------------------------------------------------------------


def test_an_unattached_file_is_its_uploaders_alone(app, elena, paolo, make_user, stored):
    file = stored(elena)
    moderator = make_user(Role.MODERATOR)
    with app.app_context():
        assert services.readable_file(_get(User, elena.id), file.id).id == file.id
        for reader in (_get(User, paolo.id), _get(User, moderator.id), None):
            with pytest.raises(NotFound):
                services.readable_file(reader, file.id)


def test_a_message_file_is_read_by_whoever_reads_the_room_until_the_message_is_hidden(
    app, elena, paolo, make_user, stored, message_of
):
    file = stored(elena)
    message_id = message_of(elena)
    attendee, moderator = make_user(Role.ATTENDEE), make_user(Role.MODERATOR)
    with app.app_context():
        services.attach_files(_get(User, elena.id), [file.id], get_message(message_id))
    with app.app_context():
        for reader in (elena, paolo, attendee, moderator):
            assert services.may_read(_get(User, reader.id), _get(StoredFile, file.id))
        assert not services.may_read(None, _get(StoredFile, file.id))  # rooms need an account
        moderation.hide_message(get_message(message_id), _get(User, moderator.id), "off topic")
    with app.app_context():
        readable = {
            name: services.may_read(_get(User, person.id), _get(StoredFile, file.id))
            for name, person in {"author": elena, "other": paolo, "moderator": moderator}.items()
        }
        assert readable == {"author": False, "other": False, "moderator": True}


def test_a_hidden_file_leaves_its_message_and_comes_back(
    app, elena, paolo, make_user, stored, message_of
):
    file = stored(elena)
    message_id = message_of(elena)
    moderator = make_user(Role.MODERATOR)
    with app.app_context():
        services.attach_files(_get(User, elena.id), [file.id], get_message(message_id))
        moderation.hide_file(_get(StoredFile, file.id), _get(User, moderator.id), "a face in it")
    with app.app_context():
        hidden = _get(StoredFile, file.id)
        assert hidden.is_hidden and not get_message(message_id).is_hidden
        assert not services.may_read(_get(User, paolo.id), hidden)
        assert services.may_read(_get(User, moderator.id), hidden)
        assert services.files_of_owner(get_message(message_id)) == []
        moderation.restore_file(hidden, _get(User, moderator.id))
    with app.app_context():
        assert services.may_read(_get(User, paolo.id), _get(StoredFile, file.id))


def test_hiding_a_file_needs_a_reason_a_moderator_and_leaves_a_trail(
    app, elena, paolo, make_user, stored, message_of
):
    from exchange.moderation.models import AuditEntry
    from exchange.moderation.models import Notice

    file = stored(elena)
    moderator = make_user(Role.MODERATOR)
    with app.app_context():
        with pytest.raises(Forbidden):
            moderation.hide_file(_get(StoredFile, file.id), _get(User, paolo.id), "mine now")
        with pytest.raises(Invalid):
            moderation.hide_file(_get(StoredFile, file.id), _get(User, moderator.id), " ")
        moderation.hide_file(_get(StoredFile, file.id), _get(User, moderator.id), "private data")
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry)).one()
        assert (entry.action.value, entry.target_type, entry.target_id) == ("hide", "file", file.id)
        assert entry.subject_id == elena.id and entry.reason == "private data"
        notice = db.session.scalars(sa.select(Notice).where(Notice.user_id == elena.id)).one()
        assert notice.kind == "file_hidden" and notice.data["name"] == "photo.png"


# --- forgetting ------------------------------------------------------------------


def test_files_never_attached_are_deleted_after_a_day(app, elena, stored, message_of):
    kept, forgotten, recent = stored(elena), stored(elena), stored(elena)
    with app.app_context():
        services.attach_files(_get(User, elena.id), [kept.id], get_message(message_of(elena)))
        a_day_ago = utcnow() - dt.timedelta(hours=24, minutes=1)
        db.session.execute(
            sa.update(StoredFile)
            .where(StoredFile.id.in_([kept.id, forgotten.id]))
            .values(created_at=a_day_ago)
        )
        db.session.commit()
        assert services.delete_unattached_files() == 1
        assert services.delete_unattached_files() == 0
        remaining = set(db.session.scalars(sa.select(StoredFile.id)))
        assert remaining == {kept.id, recent.id}
        chunked = set(db.session.scalars(sa.select(FileChunk.file_id).distinct()))
        assert chunked == {kept.id, recent.id}


def test_deleting_an_account_deletes_its_unattached_files_and_keeps_attached_ones(
    app, elena, stored, message_of
):
    attached, never_sent = stored(elena), stored(elena)
    with app.app_context():
        services.attach_files(_get(User, elena.id), [attached.id], get_message(message_of(elena)))
    with app.app_context():
        privacy.delete_account(_get(User, elena.id), PASSWORD)
    with app.app_context():
        assert set(db.session.scalars(sa.select(StoredFile.id))) == {attached.id}
        assert _get(StoredFile, never_sent.id) is None
        assert _get(StoredFile, attached.id).uploader.name == "deleted"


def test_the_purge_command_deletes_files_never_attached(app, runner, elena, stored):
    file = stored(elena)
    with app.app_context():
        db.session.execute(sa.update(StoredFile).values(created_at=utcnow() - dt.timedelta(days=2)))
        db.session.commit()
    result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 file(s) never attached." in result.output
    with app.app_context():
        assert _get(StoredFile, file.id) is None


# --- a directory shared by every machine -----------------------------------------


@pytest.fixture
def shared_folder_app(database_url, tmp_path):
    application = create_app(
        {
            **test_config(database_url, tmp_path),
            "FILE_STORAGE": "directory",
            "FILE_DIRECTORY": str(tmp_path / "shared-files"),
        }
    )
    yield application
    with application.app_context():
        db.engine.dispose()


def _stored_paths(folder: Path) -> set[str]:
    return {path.name.split(".", 1)[1] for path in folder.glob("??/*")}


def test_files_can_live_in_a_shared_folder_instead(shared_folder_app, make_user, tmp_path):
    folder = tmp_path / "shared-files"
    with shared_folder_app.app_context():
        user = db.session.merge(make_user(Role.DELEGATE))
        picture = services.upload_file(user, files.jpeg_with_gps(), "roof.jpg")
        assert picture.storage == "directory"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FileChunk)) == 0
        assert _stored_paths(folder) == {"original", "thumbnail"}
        data = b"".join(services.read_bytes(picture, Variant.ORIGINAL))
        assert data.startswith(b"\xff\xd8") and b"Exif" not in data
        assert b"".join(services.read_bytes(picture, Variant.ORIGINAL, 5, 15)) == data[5:15]
        assert not list(folder.glob("??/.*"))  # nothing half-written left behind


def test_a_failed_upload_leaves_nothing_in_the_shared_folder(
    shared_folder_app, make_user, tmp_path, monkeypatch
):
    folder = tmp_path / "shared-files"
    with shared_folder_app.app_context():
        user = db.session.merge(make_user(Role.DELEGATE))

        def fail() -> None:
            raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

        monkeypatch.setattr(db.session, "commit", fail)
        with pytest.raises(sa.exc.OperationalError):
            services.upload_file(user, files.image(), "x.png")
        assert list(folder.glob("??/*")) == []


def test_the_shared_folder_is_cleaned_of_deleted_and_orphaned_files(
    shared_folder_app, make_user, tmp_path
):
    folder = tmp_path / "shared-files"
    with shared_folder_app.app_context():
        user = db.session.merge(make_user(Role.DELEGATE))
        old = services.upload_file(user, files.image(), "old.png")
        fresh = services.upload_file(user, files.pdf(), "fresh.pdf")
        db.session.execute(
            sa.update(StoredFile)
            .where(StoredFile.id == old.id)
            .values(created_at=utcnow() - dt.timedelta(days=2))
        )
        db.session.commit()
        # A crash between writing and committing: a file no row describes.
        orphan = folder / "ab" / "ab0000.original"
        orphan.parent.mkdir(exist_ok=True)
        orphan.write_bytes(b"left over")
        two_days_ago = time.time() - 2 * 86_400
        os.utime(orphan, (two_days_ago, two_days_ago))

        assert services.delete_unattached_files() == 1
        left = {path.name for path in folder.glob("??/*")}
        assert left == {f"{fresh.storage_key}.original"}
