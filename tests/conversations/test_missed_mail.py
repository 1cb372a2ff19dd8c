"""Direct messages someone has not read reach them in the missed-mail, as mentions and replies
do, through a real SMTP server; read ones, hidden ones and a blocked person's do not."""

import datetime as dt
import uuid

from exchange.accounts.models import User
from exchange.conversations.services import start_conversation
from exchange.db import utcnow
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.notifications.missed import mail_missed
from exchange.people import services as people
from exchange.rooms import services as rooms
from exchange.rooms import unread

from ..support.smtp import text_of

LATER = dt.timedelta(minutes=11)


def write(app, author, slug, body):
    with app.app_context():
        room = get_room(slug, db.session.get(User, author.id))
        return rooms.post_message(room, db.session.get(User, author.id), body, uuid.uuid4().hex).id


def look(app):
    with app.app_context():
        return mail_missed(now=utcnow() + LATER)


def test_an_unread_direct_message_is_mailed_to_the_other_member_only(
    mail_app, mail_server, deliver, conversation, elena, salvatore
):
    write(mail_app, elena, conversation, "Can you send me the tender documents?")
    assert look(mail_app) == 1
    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["To"] == salvatore.email
    text = text_of(mail)
    assert "Elena wrote to you" in text
    assert "Can you send me the tender documents?" in text
    assert f"/rooms/{conversation}#message-" in text
    assert look(mail_app) == 0  # told once


def test_a_direct_message_read_in_time_is_not_mailed(
    mail_app, mail_server, deliver, conversation, elena, salvatore
):
    message_id = write(mail_app, elena, conversation, "Quick question")
    with mail_app.app_context():
        reader = db.session.get(User, salvatore.id)
        unread.mark_read(reader, get_room(conversation, reader), message_id)
        unread.flush_read_positions()
    assert look(mail_app) == 0
    assert deliver() == 0
    assert mail_server.received() == []


def test_a_hidden_direct_message_is_not_mailed(
    mail_app, mail_server, deliver, conversation, elena, salvatore
):
    message_id = write(mail_app, elena, conversation, "Something I take back")
    with mail_app.app_context():
        author = db.session.get(User, elena.id)
        moderation.hide_message(rooms.get_message(message_id), author, "")
    assert look(mail_app) == 0


def test_a_blocked_persons_messages_are_not_mailed_to_the_one_who_blocked_them(
    mail_app, mail_server, deliver, listed_user, elena, salvatore
):
    third = listed_user(name="Third")
    with mail_app.app_context():
        group, _created = start_conversation(
            db.session.get(User, elena.id), [salvatore.id, third.id]
        )
        people.block(db.session.get(User, salvatore.id), elena.id)
        slug = group.slug
    write(mail_app, elena, slug, "To the group")
    assert look(mail_app) == 1
    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["To"] == third.email
