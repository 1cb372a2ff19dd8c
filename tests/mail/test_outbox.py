"""The outbox: mail is written with the change that causes it, delivered once after the commit."""

import datetime as dt
import logging

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.db import utcnow
from exchange.extensions import db
from exchange.mail import services as mail
from exchange.mail.models import OutgoingMail

from ..support.smtp import html_of
from ..support.smtp import text_of


def write_test_mail(app, address="someone@example.org"):
    with app.app_context():
        return mail.send_test_mail(address).message_id


def test_a_committed_mail_is_delivered_with_its_message_id_in_text_and_html(
    mail_app, mail_server, deliver
):
    message_id = write_test_mail(mail_app)
    assert deliver() == 1
    [received] = mail_server.wait_for(1)
    assert received["Message-ID"] == message_id
    assert received["To"] == "someone@example.org"
    assert received["From"] == mail_app.config["MAIL_FROM"]
    assert received["Subject"] == "Test mail from Spazio Virtuale"
    assert "the exchange can send mail" in text_of(received)
    assert '<a href="https://exchange.example.eu">' in html_of(received)
    assert deliver() == 0  # nothing is sent twice


def test_a_mail_of_a_change_that_is_rolled_back_is_never_sent(mail_app, mail_server, deliver):
    with mail_app.app_context():
        mail.queue_mail(
            kind="test", to="someone@example.org", template="test", subject="x", site=""
        )
        db.session.rollback()
    assert deliver() == 0
    assert mail_server.received() == []


def test_a_mail_is_written_in_the_language_of_its_recipient(
    mail_app, mail_server, deliver, make_user
):
    person = make_user(Role.ATTENDEE)
    with mail_app.app_context():
        user = db.session.get(type(person), person.id)
        user.locale = "de"
        mail.queue_mail(
            kind="test", to=user.email, template="test", user=user, subject="Test", site=""
        )
        db.session.commit()
    deliver()
    [received] = mail_server.wait_for(1)
    assert f"Hallo {person.name}," in text_of(received)
    assert '<html lang="de">' in html_of(received)


def test_while_the_mail_server_is_down_mail_waits_and_then_arrives_exactly_once(
    mail_app, mail_server, deliver
):
    mail_server.stop()
    ids = [write_test_mail(mail_app, f"person{n}@example.org") for n in range(5)]
    start = utcnow()
    with mail_app.app_context():
        # The sender looks every few seconds for 30 s: each look finds the server down,
        # and each failure puts the next attempt further away.
        tries = []
        for second in range(0, 30, 2):
            mail.deliver_due(now=start + dt.timedelta(seconds=second))
            tries.append(db.session.scalar(sa.select(sa.func.max(OutgoingMail.attempts))))
        assert tries[0] == 1 and tries[-1] == 2  # retried after 10 s, then left for 30 s
        waits = db.session.scalars(sa.select(OutgoingMail.last_error)).all()
        assert all("Connection refused" in (error or "") for error in waits)

        mail_server.start()  # back on the same port
        for second in range(30, 120, 2):
            mail.deliver_due(now=start + dt.timedelta(seconds=second))
    received = mail_server.wait_for(5)
    assert sorted(m["Message-ID"] for m in received) == sorted(ids)
    with mail_app.app_context():
        assert mail.deliver_due(now=start + dt.timedelta(hours=5)) == 0
    assert len(mail_server.received()) == 5


def test_a_mail_that_keeps_failing_is_shown_to_organizers_on_the_dashboard(
    mail_app, mail_server, client, make_user, login
):
    mail_server.stop()
    write_test_mail(mail_app, "unlucky@example.org")
    start = utcnow()
    with mail_app.app_context():
        for minute in range(0, 10):
            mail.deliver_due(now=start + dt.timedelta(minutes=minute))
    login(client, make_user(Role.ORGANIZER))
    page = client.get("/organizer").get_data(as_text=True)
    assert "1 mail is not getting through" in page
    assert "unlucky@example.org" in page
    assert "ConnectionRefusedError" in page


def test_the_dashboard_says_nothing_about_mail_that_gets_through(
    mail_app, mail_server, deliver, client, make_user, login
):
    write_test_mail(mail_app)
    deliver()
    login(client, make_user(Role.ORGANIZER))
    assert "not getting through" not in client.get("/organizer").get_data(as_text=True)


def test_a_mail_is_given_up_after_the_last_attempt(mail_app, mail_server):
    mail_server.stop()
    mail_app.config["MAIL_MAX_ATTEMPTS"] = 3
    write_test_mail(mail_app)
    start = utcnow()
    with mail_app.app_context():
        for hour in range(5):
            mail.deliver_due(now=start + dt.timedelta(hours=hour))
        stored = db.session.scalars(sa.select(OutgoingMail)).one()
        assert stored.attempts == 3
        assert stored.failed_at is not None and stored.sent_at is None


def test_without_a_mail_server_the_demo_logs_the_mail_in_full_and_keeps_it(app, caplog):
    assert app.config["SMTP_URL"] is None
    message_id = write_test_mail(app, "demo@example.org")
    with caplog.at_level(logging.INFO, logger="exchange.mail"), app.app_context():
        assert mail.deliver_due() == 1
        kept = db.session.scalars(sa.select(OutgoingMail)).one()
        assert kept.sent_at is not None
    logged = caplog.text
    assert f"Message-ID: {message_id}" in logged
    assert "To: demo@example.org" in logged
    assert "the exchange can send mail" in logged


def test_send_test_mail_tells_the_organizer_whether_the_server_took_it(
    mail_app, mail_server, runner
):
    result = runner.invoke(args=["send-test-mail", "organizer@example.org"])
    assert result.exit_code == 0, result.output
    [received] = mail_server.wait_for(1)
    assert received["Message-ID"] in result.output
    mail_server.stop()
    result = runner.invoke(args=["send-test-mail", "organizer@example.org"])
    assert result.exit_code != 0
    assert "did not take the mail" in result.output


@pytest.mark.parametrize("address", ["not-an-address", "two@@example.org", ""])
def test_send_test_mail_refuses_what_is_not_an_address(mail_app, runner, address):
    result = runner.invoke(args=["send-test-mail", address])
    assert result.exit_code != 0
    assert "valid email address" in result.output
