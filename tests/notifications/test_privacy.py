"""What the exchange keeps about being told of things: exported, deleted, and said in the notice."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from exchange.accounts import privacy
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.db import utcnow
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.mail.models import OutgoingMail
from exchange.notifications import services
from exchange.notifications.missed import mail_missed
from exchange.notifications.missed import unsubscribe_url
from exchange.notifications.models import MailChoice
from exchange.notifications.models import MissedMail
from exchange.notifications.models import RoomLevel
from exchange.rooms import services as rooms
from exchange.rooms.models import Mention

from ..conftest import PASSWORD


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena Conti", email="elena@example.org")


@pytest.fixture
def told(app, make_user, elena):
    """Elena chose her notifications, was mentioned, and has a missed mail waiting."""
    salvatore = make_user(Role.DELEGATE, name="Salvatore")
    with app.app_context():
        person = db.session.get(User, elena.id)
        services.set_room_levels(person, {get_room("funding"): RoomLevel.NOTHING})
        rooms.post_message(
            get_room("plenary"),
            db.session.get(User, salvatore.id),
            "@Elena Conti a question",
            "q1",
            mentions=[elena.id],
        )
        assert mail_missed(now=utcnow() + dt.timedelta(minutes=11)) == 1
    return elena


def test_the_export_holds_the_choices_the_mentions_and_the_missed_mail(app, told):
    with app.app_context():
        data = privacy.personal_data(db.session.get(User, told.id))
    notifications = data["notifications"]
    assert notifications["missed_mail"] == "batched"
    assert notifications["rooms"] == {"funding": "nothing"}
    [mention] = notifications["mentions_of_me"]
    assert mention["room"] == "plenary" and mention["by"] == "name"
    [mail] = [sent for sent in data["mail"] if sent["kind"] == "missed"]
    assert mail["to"] == "elena@example.org" and "a question" in mail["text"]


def test_deleting_the_account_forgets_the_choices_the_mentions_and_the_address(app, told):
    with app.app_context():
        privacy.delete_account(db.session.get(User, told.id), PASSWORD)
        for model in (MailChoice, Mention):
            assert db.session.scalar(sa.select(model).where(model.user_id == told.id)) is None
        # The missed mail was not sent yet: it is dropped with the address.
        assert (
            db.session.scalar(sa.select(OutgoingMail).where(OutgoingMail.kind == "missed")) is None
        )


def test_a_deleted_accounts_unsubscribe_link_no_longer_works(app, client, told):
    with app.app_context():
        person = db.session.get(User, told.id)
        services.set_missed_mail(person, MissedMail.BATCHED)
        path = urlsplit(unsubscribe_url(person)).path
        privacy.delete_account(person, PASSWORD)
    assert client.get(path).status_code == 404


def test_the_privacy_notice_says_what_mail_is_sent_and_why(client, event):
    page = client.get("/privacy").get_data(as_text=True)
    assert "one mail listing what you missed" in page
    assert "turns it off in one click" in page
    assert "Which messages mention you" in page
