"""Direct messages follow their own, shorter retention period, dry run and real run alike, on
both databases: a conversation's old messages lose their words while the rooms' of the same
age stay, and the rooms' period never reaches into conversations."""

import datetime as dt

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.conversations.services import start_conversation
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.files.models import StoredFile
from exchange.files.services import attach_files
from exchange.files.services import upload_file
from exchange.retention.services import apply_retention
from exchange.retention.services import expired
from exchange.retention.services import RETENTION_REASON
from exchange.rooms import services as rooms
from exchange.rooms.models import Message

from ..support.files import image

NOW = dt.datetime(2028, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def written(app_ctx, make_user):
    """A conversation's messages of 100, 91, 89 and 10 days ago, and room messages of 100 and
    400 days ago; the conversation's oldest carries a picture."""
    elena = db.session.get(User, make_user(Role.DELEGATE, name="Elena").id)
    salvatore = db.session.get(User, make_user(Role.DELEGATE, name="Salvatore").id)
    salvatore.listed = True
    db.session.commit()
    conversation, _created = start_conversation(elena, [salvatore.id])
    ages = {}
    for days in (100, 91, 89, 10):
        message = rooms.post_message(conversation, elena, f"Privately, {days} days ago", f"d{days}")
        ages[message.id] = ("direct", days)
    picture = upload_file(elena, image(), "roof.png")
    oldest_direct = next(i for i, age in ages.items() if age == ("direct", 100))
    attach_files(elena, [picture.id], db.session.get(Message, oldest_direct))
    for days in (400, 100):
        message = rooms.post_message(get_room("plenary"), elena, f"In the room, {days}", f"r{days}")
        ages[message.id] = ("room", days)
    for message_id, (_kind, days) in ages.items():
        db.session.get(Message, message_id).created_at = NOW - dt.timedelta(days=days)
    db.session.commit()
    return {"ages": ages, "picture": picture.id}


def ids_of(written, *ages):
    return sorted(i for i, age in written["ages"].items() if age in ages)


def test_direct_messages_past_their_period_go_and_room_messages_of_the_same_age_stay(written):
    report = apply_retention(NOW)
    expected = ids_of(written, ("direct", 100), ("direct", 91), ("room", 400))
    assert report.message_ids == expected
    assert report.file_ids == [written["picture"]]
    for message_id in written["ages"]:
        message = db.session.get(Message, message_id)
        db.session.refresh(message)
        if message_id in expected:
            assert (message.body, message.body_html) == ("", "")
            assert message.hidden_reason == RETENTION_REASON
        else:
            assert message.body.startswith(("Privately", "In the room"))
            assert message.hidden_at is None
    assert db.session.get(StoredFile, written["picture"]) is None


def test_the_dry_run_lists_what_the_real_run_erases_and_changes_nothing(written):
    planned = expired(NOW)
    text = "\n".join(planned.lines())
    assert "direct messages written before 2028-03-03T12:00:00+00:00" in text
    assert "Room messages written before 2027-06-02T12:00:00+00:00" in text
    assert all(db.session.get(Message, i).body for i in written["ages"])
    assert apply_retention(NOW, dry_run=True).message_ids == planned.message_ids
    assert apply_retention(NOW).message_ids == planned.message_ids
    assert apply_retention(NOW).message_ids == []


def test_without_a_direct_period_conversations_are_kept_and_rooms_still_follow_theirs(
    app_ctx, written
):
    app_ctx.config["RETENTION_DIRECT_MESSAGES_DAYS"] = None
    report = apply_retention(NOW)
    assert report.message_ids == ids_of(written, ("room", 400))
    assert "Direct messages are kept" in "\n".join(report.lines())


def test_without_a_room_period_only_conversations_follow_theirs(app_ctx, written):
    app_ctx.config["RETENTION_ROOM_MESSAGES_DAYS"] = None
    report = apply_retention(NOW)
    assert report.message_ids == ids_of(written, ("direct", 100), ("direct", 91))
    assert report.question_ids == []
    assert "Room messages and questions are kept" in "\n".join(report.lines())


def test_with_neither_period_nothing_goes(app_ctx, written):
    app_ctx.config["RETENTION_ROOM_MESSAGES_DAYS"] = None
    app_ctx.config["RETENTION_DIRECT_MESSAGES_DAYS"] = None
    assert apply_retention(NOW).message_ids == []
    assert all(db.session.get(Message, i).body for i in written["ages"])
