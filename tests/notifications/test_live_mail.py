"""The serving process itself mails what people missed: python wsgi.py, a real SMTP server."""

import time
import uuid

import pytest

from exchange.accounts.models import Role

from ..conftest import PASSWORD
from ..support.live import LiveServer
from ..support.smtp import text_of

pytestmark = pytest.mark.live


@pytest.fixture
def mailing_server(database_url, tmp_path, mail_server):
    """``python wsgi.py`` mailing to ``mail_server``, with a batch of six seconds."""
    server = LiveServer(
        database_url,
        tmp_path,
        env={
            "EXCHANGE_SMTP_URL": mail_server.url,
            "EXCHANGE_MISSED_MAIL_BATCH_MINUTES": "0.1",
            "EXCHANGE_MISSED_MAIL_CHECK_SECONDS": "0.5",
            "EXCHANGE_MAIL_POLL_SECONDS": "0.2",
        },
    ).start()
    yield server
    server.stop()


def mention(client, person, body):
    ack = client.call(
        "send",
        {"room": "plenary", "body": body, "client_id": uuid.uuid4().hex, "mentions": [person.id]},
        timeout=10,
    )
    assert ack["ok"], ack
    return ack["message"]


def test_a_mention_while_away_is_mailed_once_and_one_read_in_time_is_not(
    mailing_server, mail_server, make_user
):
    elena = make_user(Role.DELEGATE, name="Elena Conti", email="elena@example.org")
    salvatore = make_user(Role.DELEGATE, name="Salvatore", email="salvatore@example.org")
    writer = mailing_server.socket(mailing_server.login(salvatore.email, PASSWORD))

    mention(writer, elena, "@Elena Conti are you there?")
    [mail] = mail_server.wait_for(1, timeout=30, to="elena@example.org")
    assert "are you there?" in text_of(mail)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Now she is here, and reads what names her as soon as it arrives.
    reader = mailing_server.socket(mailing_server.login(elena.email, PASSWORD))
    reader.on(
        "mention",
        lambda event: reader.emit(
            "read", {"room": event["room"], "message_id": event["message"]["id"]}
        ),
    )
    mention(writer, elena, "@Elena Conti thanks, seen it?")
    time.sleep(12)  # two batches' time
    assert len(mail_server.received("elena@example.org")) == 1
    reader.disconnect()
    writer.disconnect()
