"""Forgotten passwords: a single-use link by mail, the same answer for every address."""

import datetime as dt
import re
import statistics
import time

import pytest
import sqlalchemy as sa

from exchange.accounts.models import AccountToken
from exchange.accounts.models import Role
from exchange.db import utcnow
from exchange.extensions import db

from ..conftest import PASSWORD
from ..support.live import csrf_token
from ..support.smtp import html_of
from ..support.smtp import text_of

NEW_PASSWORD = "a brand new passphrase for spring"
LINK = re.compile(r"https://exchange\.example\.eu(/reset-password/[\w-]+)")


def post_form(client, url, data, **kwargs):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def ask_for_reset(client, email):
    return post_form(client, "/reset-password", {"email": email})


def reset_link(message):
    match = LINK.search(text_of(message))
    assert match, text_of(message)
    return match.group(1)


@pytest.fixture
def quick_answers(mail_app):
    mail_app.config["ACCOUNT_ANSWER_SECONDS"] = 0.05


def test_the_sign_in_page_offers_a_way_back_in(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/reset-password"' in page
    assert "Forgot your password?" in page


def test_a_forgotten_password_is_reset_through_the_mailed_link_end_to_end(
    mail_app, mail_server, deliver, make_user, login, quick_answers
):
    person = make_user(Role.DELEGATE)
    elsewhere = mail_app.test_client()
    login(elsewhere, person)  # signed in on another device
    assert elsewhere.get("/account").status_code == 200

    browser = mail_app.test_client()
    answer = ask_for_reset(browser, person.email.upper())
    assert answer.status_code == 200
    assert "Check your mail" in answer.get_data(as_text=True)
    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["To"] == person.email
    assert mail["Subject"] == "Set a new password"
    assert "List-Unsubscribe" not in mail  # security mail cannot be unsubscribed from
    link = reset_link(mail)
    assert f'href="https://exchange.example.eu{link}"' in html_of(mail)
    assert "30 minutes" in text_of(mail)

    assert browser.get(link).status_code == 200
    done = post_form(browser, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert browser.get("/account").status_code == 200  # signed in here
    assert elsewhere.get("/account").status_code == 302  # and nowhere else

    assert browser.get(link).status_code == 410  # the link works once
    again = post_form(
        mail_app.test_client(), "/login", {"email": person.email, "password": PASSWORD}
    )
    assert again.status_code == 422  # the old password is gone
    fresh = mail_app.test_client()
    assert (
        post_form(fresh, "/login", {"email": person.email, "password": NEW_PASSWORD}).status_code
        == 302
    )


def test_only_the_latest_use_counts_every_earlier_link_dies_with_it(
    mail_app, mail_server, deliver, make_user, quick_answers
):
    person = make_user(Role.ATTENDEE)
    client = mail_app.test_client()
    ask_for_reset(client, person.email)
    ask_for_reset(client, person.email)
    deliver()
    first, second = (reset_link(m) for m in mail_server.wait_for(2))
    post_form(client, second, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert mail_app.test_client().get(first).status_code == 410


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    mail_app, mail_server, deliver, make_user, quick_answers
):
    person = make_user(Role.ATTENDEE, email="known@example.org")
    known = ask_for_reset(mail_app.test_client(), person.email)
    unknown = ask_for_reset(mail_app.test_client(), "unknown@example.org")
    assert known.status_code == unknown.status_code == 200

    def words(response, email):
        page = response.get_data(as_text=True).replace(email, "ADDRESS")
        return re.sub(r'="[\w.-]{40,}"|nonce-[\w+/=-]+', "", page)  # tokens differ per page

    assert words(known, "known@example.org") == words(unknown, "unknown@example.org")
    deliver()
    assert [m["To"] for m in mail_server.wait_for(1)] == ["known@example.org"]
    time.sleep(0.2)
    assert len(mail_server.received()) == 1


def test_known_and_unknown_addresses_take_the_same_time_to_answer(mail_app, make_user):
    mail_app.config["ACCOUNT_ANSWER_SECONDS"] = 0.15
    mail_app.config["RATE_LIMITS"].update(reset_address="1000/1s", reset_account="1000/1s")
    person = make_user(Role.ATTENDEE)
    client = mail_app.test_client()
    token = csrf_token(client.get("/reset-password").get_data(as_text=True))

    def answer_time(email):
        start = time.perf_counter()
        response = client.post("/reset-password", data={"csrf_token": token, "email": email})
        assert response.status_code == 200
        return time.perf_counter() - start

    known, unknown = [], []
    for _round in range(9):  # interleaved, so that load on the machine hits both alike
        known.append(answer_time(person.email))
        unknown.append(answer_time("nobody@example.org"))
    assert min(known + unknown) >= 0.15
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.03


def test_asking_too_often_for_one_address_is_refused_whether_it_exists_or_not(
    mail_app, make_user, quick_answers
):
    person = make_user(Role.ATTENDEE)
    for email in (person.email, "nobody@example.org"):
        client = mail_app.test_client()
        answers = [ask_for_reset(client, email).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]


def test_a_link_stops_working_after_its_time(
    mail_app, mail_server, deliver, make_user, quick_answers
):
    person = make_user(Role.ATTENDEE)
    client = mail_app.test_client()
    ask_for_reset(client, person.email)
    deliver()
    link = reset_link(mail_server.wait_for(1)[0])
    with mail_app.app_context():
        stored = db.session.scalars(sa.select(AccountToken)).one()
        assert stored.expires_at - stored.created_at == dt.timedelta(minutes=30)
        stored.expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    expired = client.get(link)
    assert expired.status_code == 410
    assert "expired or has already been used" in expired.get_data(as_text=True)


def test_the_new_password_follows_the_same_rules_and_the_link_survives_a_weak_one(
    mail_app, mail_server, deliver, make_user, quick_answers
):
    person = make_user(Role.ATTENDEE)
    client = mail_app.test_client()
    ask_for_reset(client, person.email)
    deliver()
    link = reset_link(mail_server.wait_for(1)[0])
    weak = post_form(client, link, {"password": "1234567890", "confirm": "1234567890"})
    assert weak.status_code == 422
    assert "too easy to guess" in weak.get_data(as_text=True)
    assert (
        post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )


def test_a_made_up_link_is_refused(client):
    assert client.get("/reset-password/" + "x" * 43).status_code == 410
    assert client.get("/reset-password/" + "x" * 300).status_code == 410


def test_the_reset_mail_is_written_in_the_language_the_person_chose(
    mail_app, mail_server, deliver, make_user, quick_answers
):
    person = make_user(Role.ATTENDEE)
    with mail_app.app_context():
        stored = db.session.get(type(person), person.id)
        stored.locale = "pl"
        db.session.commit()
    ask_for_reset(mail_app.test_client(), person.email)
    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["Subject"] == "Ustaw nowe hasło"
    assert '<html lang="pl">' in html_of(mail)
