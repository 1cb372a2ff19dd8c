"""The retention job erases exactly what the settings say, on both databases, and its dry
run lists the same; practices, the e-book and newer messages are untouched."""

import datetime as dt
import io
import zipfile

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.event.phases import CLOCK
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.files.models import StoredFile
from exchange.files.services import attach_files
from exchange.files.services import upload_file
from exchange.moderation import services as moderation
from exchange.moderation.models import Notice
from exchange.practices import ebook
from exchange.practices.models import Practice
from exchange.retention.services import apply_retention
from exchange.retention.services import expired
from exchange.rooms import services as rooms
from exchange.rooms.models import Message

from ..support.files import image

NOW = dt.datetime(2028, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def chat(app_ctx, make_user, write):
    """Messages of 400, 366, 364 and 10 days ago; the oldest has a picture and was hidden."""
    elena = make_user(Role.DELEGATE, name="Elena Conti")
    moderator = make_user(Role.MODERATOR, name="Marco Rossi")
    write(elena, published=True, title="Solar roofs on schools")
    author = db.session.merge(elena)
    room = get_room("plenary")
    ids = {}
    for days in (400, 366, 364, 10):
        message = rooms.post_message(room, author, f"Written {days} days ago", f"m-{days}")
        ids[days] = message.id
    picture = upload_file(author, image(), "roof.png")
    attach_files(author, [picture.id], db.session.get(Message, ids[400]))
    moderation.hide_message(db.session.get(Message, ids[400]), db.session.merge(moderator), "Off")
    for days, message_id in ids.items():
        db.session.get(Message, message_id).created_at = NOW - dt.timedelta(days=days)
    for notice in db.session.scalars(sa.select(Notice)):
        notice.created_at = NOW - dt.timedelta(days=399)
    db.session.commit()
    return {"ids": ids, "picture": picture.id, "moderator": moderator}


def epub_texts():
    """The e-book's documents (the archive's timestamps aside)."""
    archive = zipfile.ZipFile(io.BytesIO(ebook.export("epub").data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_the_dry_run_lists_what_the_job_removes_and_changes_nothing(chat):
    planned = apply_retention(NOW, dry_run=True)
    assert planned.message_ids == [chat["ids"][400], chat["ids"][366]]
    assert planned.file_ids == [chat["picture"]]
    assert len(planned.notice_ids) == 1
    assert db.session.get(Message, chat["ids"][400]).body == "Written 400 days ago"
    assert db.session.get(StoredFile, chat["picture"]) is not None

    done = apply_retention(NOW)
    assert (done.message_ids, done.file_ids, done.notice_ids) == (
        planned.message_ids,
        planned.file_ids,
        planned.notice_ids,
    )


def test_messages_older_than_the_period_lose_their_text_and_files_and_nothing_else(chat):
    practices_before = [
        (p.id, p.title, p.updated_at) for p in db.session.scalars(sa.select(Practice))
    ]
    book_before = epub_texts()

    apply_retention(NOW)
    db.session.expire_all()

    for days in (400, 366):
        erased = db.session.get(Message, chat["ids"][days])
        assert (erased.body, erased.body_html) == ("", "")
        assert erased.is_hidden and erased.hidden_reason == "retention"
        assert erased.author_id is not None and erased.room.slug == "plenary"
    for days in (364, 10):
        kept = db.session.get(Message, chat["ids"][days])
        assert kept.body == f"Written {days} days ago" and not kept.is_hidden
    assert db.session.get(StoredFile, chat["picture"]) is None
    notice = db.session.scalars(sa.select(Notice)).one()
    assert "excerpt" not in notice.data and notice.data["reason"] == "Off"
    # The moderation log keeps who hid which message, when and why.
    reader = db.session.merge(chat["moderator"])
    entry = moderation.audit_entries(reader, moderation.AuditFilter())[0]
    assert (entry.target_id, entry.reason) == (chat["ids"][400], "Off")
    assert [(p.id, p.title, p.updated_at) for p in db.session.scalars(sa.select(Practice))] == (
        practices_before
    )
    assert epub_texts() == book_before
    history = rooms.history(get_room("plenary")).messages
    assert [m.body for m in history] == ["Written 364 days ago", "Written 10 days ago"]
    assert expired(NOW).message_ids == []  # erased once, never again


def test_the_period_is_a_setting_and_none_keeps_everything(app_ctx, chat):
    app_ctx.config["RETENTION_ROOM_MESSAGES_DAYS"] = 30
    assert len(expired(NOW).message_ids) == 3
    app_ctx.config["RETENTION_ROOM_MESSAGES_DAYS"] = None
    report = apply_retention(NOW)
    assert report.message_ids == [] and report.cutoff is None
    assert db.session.get(Message, chat["ids"][400]).body == "Written 400 days ago"


def test_the_cli_dry_run_prints_the_same_as_the_job_removes(app, chat, runner):
    app.extensions[CLOCK] = lambda: NOW
    dry = runner.invoke(args=["apply-retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was changed." in dry.output
    listed = f"2 message(s) erased: {chat['ids'][400]}, {chat['ids'][366]}"
    assert listed in dry.output
    done = runner.invoke(args=["apply-retention"])
    assert listed in done.output and "Dry run" not in done.output
    assert "0 message(s) erased: none" in runner.invoke(args=["apply-retention"]).output
