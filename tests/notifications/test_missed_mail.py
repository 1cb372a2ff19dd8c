"""Mail for what people missed, sent to a real SMTP server (aiosmtpd), never a mock."""

import datetime as dt
import uuid
import zoneinfo
from urllib.parse import urlsplit

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.accounts.tokens import request_password_reset
from exchange.db import utcnow
from exchange.event.services import current_event
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.notifications import services
from exchange.notifications.missed import mail_missed
from exchange.notifications.missed import mentions_in
from exchange.notifications.missed import replies_in
from exchange.notifications.models import MailChoice
from exchange.notifications.models import MissedMail
from exchange.rooms import services as rooms
from exchange.rooms import unread
from exchange.rooms.models import Message

from ..support.live import csrf_token
from ..support.smtp import html_of
from ..support.smtp import text_of

LATER = dt.timedelta(minutes=11)


@pytest.fixture
def elena(app, make_user):
    user = make_user(Role.DELEGATE, name="Elena Conti", email="elena@example.org")
    with app.app_context():
        db.session.get(User, user.id).locale = "it"
        db.session.commit()
    return user


@pytest.fixture
def salvatore(make_user):
    return make_user(Role.DELEGATE, name="Salvatore", email="salvatore@example.org")


def say(app, author, body, mentions=(), room="plenary", reply_to=None):
    with app.app_context():
        message = rooms.post_message(
            get_room(room),
            db.session.get(User, author.id),
            body,
            uuid.uuid4().hex,
            mentions=[person.id for person in mentions],
            reply_to=reply_to,
        )
        return message.id


def look(app, now):
    """One look for what people missed, as a serving process does every minute."""
    with app.app_context():
        return mail_missed(now=now)


def test_a_mention_while_away_brings_one_mail_after_the_batch_with_everything_unread(
    mail_app, mail_server, deliver, elena, salvatore
):
    say(mail_app, salvatore, "@Elena Conti how did you tender the roofs?", [elena])
    assert look(mail_app, utcnow() + dt.timedelta(minutes=5)) == 0  # not yet: she may read it
    say(mail_app, salvatore, "@Elena Conti and the maintenance?", [elena], room="funding")

    assert look(mail_app, utcnow() + LATER) == 1
    assert look(mail_app, utcnow() + LATER) == 0  # told once
    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["To"] == "elena@example.org"
    assert mail["Subject"] == "2 novità che ti sei perso su Spazio Virtuale"
    text = text_of(mail)
    assert "Salvatore ti ha menzionato in Plenaria" in text
    assert "and the maintenance?" in text and "Finanziamenti" in text
    assert "https://exchange.example.eu/rooms/plenary#message-" in text
    assert "Salvatore" in html_of(mail)
    unsubscribe = mail["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith("https://exchange.example.eu/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_each_look_reads_only_what_nobody_was_checked_for_yet(mail_app, elena, salvatore):
    """A look every minute over the last day must not read that whole day again each time."""
    question = say(mail_app, elena, "Who has tendered solar roofs?")
    say(mail_app, salvatore, "@Elena Conti we did", [elena], reply_to=question)
    later = utcnow() + LATER
    window = (later - dt.timedelta(hours=25), later)
    with mail_app.app_context():
        assert [item.user_id for item in mentions_in(*window)] == [elena.id]
        assert [item.user_id for item in replies_in(*window)] == [elena.id]
    assert look(mail_app, later) == 1
    with mail_app.app_context():
        assert mentions_in(*window) == [] and replies_in(*window) == []
        services.set_missed_mail(db.session.get(User, salvatore.id), MissedMail.OFF)
    say(mail_app, elena, "@Salvatore thanks", [salvatore], reply_to=question + 1)
    with mail_app.app_context():
        assert mentions_in(*window) == [] and replies_in(*window) == []  # he wants none


def test_nothing_is_mailed_when_the_mention_was_read_in_time(
    mail_app, mail_server, deliver, elena, salvatore
):
    message_id = say(mail_app, salvatore, "@Elena Conti quick question", [elena])
    with mail_app.app_context():
        unread.mark_read(db.session.get(User, elena.id), get_room("plenary"), message_id)
        unread.flush_read_positions()  # what a serving process writes within a second
    assert look(mail_app, utcnow() + LATER) == 0
    assert deliver() == 0
    assert mail_server.received() == []


def test_a_reply_to_ones_message_is_mailed_too(mail_app, mail_server, deliver, elena, salvatore):
    question = say(mail_app, elena, "Who has tendered solar roofs?")
    say(mail_app, salvatore, "We did, in 2023.", reply_to=question)
    assert look(mail_app, utcnow() + LATER) == 1
    deliver()
    [mail] = mail_server.wait_for(1)
    assert "Salvatore ti ha risposto in Plenaria" in text_of(mail)


def test_a_hidden_message_is_not_mailed(app, mail_app, mail_server, make_user, elena, salvatore):
    message_id = say(mail_app, salvatore, "@Elena Conti spam", [elena])
    with mail_app.app_context():
        moderation.hide_message(
            rooms.get_message(message_id), db.session.get(User, make_user("moderator").id), "spam"
        )
    assert look(mail_app, utcnow() + LATER) == 0


def the_day_after_tomorrow_at(app, hour):
    """A moment of a day of the test's own, in the event's time zone, so that a test of the
    daily digest does not depend on when it runs."""
    with app.app_context():
        zone = zoneinfo.ZoneInfo(current_event().timezone)
    day = utcnow().astimezone(zone) + dt.timedelta(days=2)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def test_off_mails_nothing_and_the_digest_comes_once_a_day(
    mail_app, mail_server, deliver, elena, salvatore
):
    with mail_app.app_context():
        services.set_missed_mail(db.session.get(User, elena.id), MissedMail.OFF)
    say(mail_app, salvatore, "@Elena Conti one", [elena])
    assert look(mail_app, utcnow() + LATER) == 0

    chosen = the_day_after_tomorrow_at(mail_app, mail_app.config["MISSED_MAIL_DIGEST_HOUR"] + 2)
    with mail_app.app_context():
        services.set_missed_mail(db.session.get(User, elena.id), MissedMail.DIGEST)
        db.session.get(MailChoice, elena.id).checked_until = chosen
        db.session.commit()
    two = say(mail_app, salvatore, "@Elena Conti two", [elena])
    with mail_app.app_context():
        db.session.get(Message, two).created_at = chosen + dt.timedelta(minutes=1)
        db.session.commit()

    assert look(mail_app, chosen + LATER) == 0  # chosen after that day's digest hour: wait
    next_day = chosen + dt.timedelta(days=1)
    assert look(mail_app, next_day) == 1  # the next day's digest, from its hour on
    assert look(mail_app, next_day + dt.timedelta(hours=1)) == 0  # once a day
    deliver()
    [mail] = mail_server.wait_for(1)
    assert "Elena Conti two" in text_of(mail)
    assert "Elena Conti one" not in text_of(mail)  # written while she wanted no mail


def test_the_unsubscribe_link_asks_first_and_one_click_turns_the_mail_off(
    mail_app, mail_server, deliver, elena, salvatore
):
    say(mail_app, salvatore, "@Elena Conti hello", [elena])
    look(mail_app, utcnow() + LATER)
    deliver()
    [mail] = mail_server.wait_for(1)
    path = urlsplit(mail["List-Unsubscribe"].strip().strip("<>")).path
    client = mail_app.test_client()

    page = client.get(path)
    assert page.status_code == 200 and "elena@example.org" in page.get_data(as_text=True)
    with mail_app.app_context():
        assert services.missed_mail(db.session.get(User, elena.id)) is MissedMail.BATCHED

    # A mail program's one-click POST carries no form token and no cookie (RFC 8058).
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    with mail_app.app_context():
        assert services.missed_mail(db.session.get(User, elena.id)) is MissedMail.OFF
    say(mail_app, salvatore, "@Elena Conti again", [elena])
    assert look(mail_app, utcnow() + LATER + LATER) == 0


def test_a_forged_unsubscribe_link_is_not_found(client, event):
    assert client.get("/unsubscribe/not-a-token").status_code == 404
    assert client.post("/unsubscribe/not-a-token").status_code == 404


def test_security_mail_never_offers_to_unsubscribe(mail_app, mail_server, deliver, elena):
    with mail_app.app_context():
        request_password_reset("elena@example.org", "192.0.2.1")
        db.session.commit()
    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["List-Unsubscribe"] is None


def test_the_settings_page_keeps_the_mail_choice(client, login, elena):
    login(client, elena)
    token = csrf_token(client.get("/account/notifications").get_data(as_text=True))
    client.post("/account/notifications", data={"csrf_token": token, "missed_mail": "digest"})
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'value="digest" aria-describedby="missed-digest-hint" checked' in page
