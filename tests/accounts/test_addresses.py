"""Confirmed addresses: a new account reads until its address is confirmed by a mailed link."""

import re
import statistics
import time

import sqlalchemy as sa

from exchange.accounts import services
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_administration
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.moderation.models import AuditAction
from exchange.moderation.models import AuditEntry

from ..conftest import PASSWORD
from ..support.live import csrf_token
from ..support.smtp import text_of

CONFIRM_LINK = re.compile(r"https://exchange\.example\.eu(/confirm-email/[\w-]+)")


def post_form(client, url, data, **kwargs):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def register(client, email, name="Maria Rossi", code=""):
    return post_form(
        client,
        "/register",
        {
            "name": name,
            "email": email,
            "password": PASSWORD,
            "confirm": PASSWORD,
            "invitation_code": code,
        },
    )


def link_in(message):
    match = CONFIRM_LINK.search(text_of(message))
    assert match, text_of(message)
    return match.group(1)


def send_in_plenary(connect, user):
    connection = connect(user)
    assert connection.emit("join", {"room": "plenary"}, callback=True)["ok"] is True
    return connection.emit(
        "send", {"room": "plenary", "body": "Buongiorno", "client_id": "c1"}, callback=True
    )


def test_a_new_delegate_reads_until_they_follow_the_mailed_link(
    mail_app, mail_server, deliver, connect, event
):
    with mail_app.app_context():
        code = services.create_invitation(get_administration("ferla")).code
    client = mail_app.test_client()
    answer = register(client, "maria@example.org", code=code)
    assert answer.status_code == 200
    assert "Check your mail" in answer.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # not signed in by registering

    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["To"] == "maria@example.org"
    assert mail["Subject"] == "Confirm your email address"
    assert "72 hours" in text_of(mail)

    with mail_app.app_context():
        maria = services.get_user_by_email("maria@example.org")
        assert maria.email_verified_at is None
    refused = send_in_plenary(connect, maria)
    assert refused["ok"] is False
    assert refused["error"]["code"] == "forbidden"
    assert "Confirm your email address first" in refused["error"]["message"]
    signed_in = mail_app.test_client()
    post_form(signed_in, "/login", {"email": "maria@example.org", "password": PASSWORD})
    assert "Until then you can read, but not write" in signed_in.get("/").get_data(as_text=True)

    link = link_in(mail)
    assert client.get(link).status_code == 200  # a page with a button: scanners only GET
    with mail_app.app_context():
        assert db.session.get(User, maria.id).email_verified_at is None
    confirmed = post_form(client, link, {})
    assert confirmed.status_code == 302
    assert "registered as a delegate of Ferla" in client.get("/login").get_data(as_text=True)
    assert client.get(link).status_code == 410  # once only
    assert send_in_plenary(connect, maria)["ok"] is True
    assert "not write" not in signed_in.get("/").get_data(as_text=True)


def test_registering_a_taken_address_answers_the_same_and_tells_its_holder(
    mail_app, mail_server, deliver, make_user
):
    holder = make_user(Role.ATTENDEE, email="taken@example.org")
    taken = register(mail_app.test_client(), "taken@example.org", name="Someone Else")
    free = register(mail_app.test_client(), "free@example.org", name="Someone Else")
    assert taken.status_code == free.status_code == 200

    def words(response, email):
        page = response.get_data(as_text=True).replace(email, "ADDRESS")
        return re.sub(r'="[\w.-]{40,}"|nonce-[\w+/=-]+', "", page)  # tokens differ per page

    assert words(taken, "taken@example.org") == words(free, "free@example.org")
    assert "already exists" not in taken.get_data(as_text=True)
    deliver()
    mails = {m["To"]: m for m in mail_server.wait_for(2)}
    assert "Someone tried to register" in mails["taken@example.org"]["Subject"]
    assert "/reset-password" in text_of(mails["taken@example.org"])
    assert mails["free@example.org"]["Subject"] == "Confirm your email address"
    with mail_app.app_context():
        assert db.session.get(User, holder.id).name == holder.name
        assert db.session.query(User).filter_by(email="taken@example.org").count() == 1


def test_known_and_unknown_addresses_take_the_same_time_to_register(app, make_user):
    app.config["ACCOUNT_ANSWER_SECONDS"] = 0.3
    app.config["RATE_LIMITS"].update(register_address="1000/1s")
    make_user(Role.ATTENDEE, email="known@example.org")

    def answer_time(email):
        client = app.test_client()
        token = csrf_token(client.get("/register").get_data(as_text=True))
        data = {"name": "Anna Nowak", "password": PASSWORD, "confirm": PASSWORD}
        start = time.perf_counter()
        response = client.post("/register", data={"csrf_token": token, "email": email, **data})
        assert response.status_code == 200
        return time.perf_counter() - start

    known, unknown = [], []
    for number in range(7):  # interleaved, so that load on the machine hits both alike
        known.append(answer_time("known@example.org"))
        unknown.append(answer_time(f"new{number}@example.org"))
    assert min(known + unknown) >= 0.3
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.05


def test_a_new_address_is_confirmed_before_it_replaces_the_old_one(
    mail_app, mail_server, deliver, make_user, login
):
    person = make_user(Role.DELEGATE, email="old@example.org")
    client = mail_app.test_client()
    login(client, person)
    token = csrf_token(client.get("/account").get_data(as_text=True))
    refused = client.post(
        "/account/email",
        data={"csrf_token": token, "email": "new@example.org", "password": "not my password"},
    )
    assert refused.status_code == 422
    asked = client.post(
        "/account/email",
        data={"csrf_token": token, "email": "New@Example.org", "password": PASSWORD},
    )
    assert asked.status_code == 302
    deliver()
    [mail] = mail_server.wait_for(1)
    assert mail["To"] == "new@example.org"
    with mail_app.app_context():
        assert db.session.get(User, person.id).email == "old@example.org"  # not yet
    assert post_form(client, link_in(mail), {}).status_code == 302
    with mail_app.app_context():
        changed = db.session.get(User, person.id)
        assert changed.email == "new@example.org"
        assert changed.email_verified_at is not None
    deliver()
    notice = mail_server.wait_for(1, to="old@example.org")[0]
    assert "is now new@example.org" in text_of(notice)


def test_asking_for_an_address_that_has_an_account_mails_nobody(
    mail_app, mail_server, deliver, make_user, login
):
    make_user(Role.ATTENDEE, email="someone@example.org")
    person = make_user(Role.ATTENDEE)
    client = mail_app.test_client()
    login(client, person)
    token = csrf_token(client.get("/account").get_data(as_text=True))
    answer = client.post(
        "/account/email",
        data={"csrf_token": token, "email": "someone@example.org", "password": PASSWORD},
    )
    assert answer.status_code == 302  # the same answer as for a free address
    assert deliver() == 0


def test_the_link_can_be_mailed_again(mail_app, mail_server, deliver, event):
    client = mail_app.test_client()
    register(client, "anna@example.org")
    post_form(client, "/login", {"email": "anna@example.org", "password": PASSWORD})
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/account/confirm-email", data={"csrf_token": token}).status_code == 302
    deliver()
    first, second = mail_server.wait_for(2)
    assert link_in(first) != link_in(second)
    assert post_form(client, link_in(second), {}).status_code == 302


def test_accounts_made_by_organizers_are_confirmed_and_the_cli_confirms_others(
    app, runner, make_user, event
):
    assert make_user(Role.DELEGATE).email_verified_at is not None
    with app.app_context():
        services.register(email="late@example.org", name="Late Comer", password=PASSWORD)
    result = runner.invoke(args=["confirm-email", "LATE@example.org"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert services.get_user_by_email("late@example.org").email_verified_at is not None
    assert runner.invoke(args=["confirm-email", "nobody@example.org"]).exit_code != 0


def unconfirmed_person(app, email="late@example.org"):
    with app.app_context():
        return services.register(email=email, name="Late Comer", password=PASSWORD).id


def test_an_organizer_confirms_an_address_on_the_people_page_with_an_audit_row(
    app, make_user, login, event
):
    person_id = unconfirmed_person(app)
    organizer = make_user(Role.ORGANIZER, name="Olga Organizer")
    client = app.test_client()
    login(client, organizer)
    page = client.get("/moderation/people?q=late").get_data(as_text=True)
    assert "Address not confirmed" in page
    assert f'action="/moderation/people/{person_id}/confirm-address"' in page
    answer = client.post(
        f"/moderation/people/{person_id}/confirm-address",
        data={"csrf_token": csrf_token(page), "next": "/moderation/people?q=late"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "The address of Late Comer is confirmed." in answer
    assert "Address not confirmed" not in answer and "confirm-address" not in answer
    with app.app_context():
        assert db.session.get(User, person_id).email_verified_at is not None
        [entry] = db.session.scalars(sa.select(AuditEntry))
        assert (entry.action, entry.target_type, entry.target_id) == (
            AuditAction.CONFIRM_ADDRESS,
            "user",
            person_id,
        )
        assert (entry.actor_id, entry.subject_id) == (organizer.id, person_id)
    log = client.get("/moderation/log").get_data(as_text=True)
    assert "Address confirmed" in log


def test_confirming_an_address_twice_writes_one_audit_row(app, make_user, event):
    person_id = unconfirmed_person(app)
    organizer = make_user(Role.ORGANIZER)
    with app.app_context():
        for _ in range(2):
            moderation.confirm_address(
                db.session.get(User, person_id), db.session.get(User, organizer.id)
            )
        assert len(list(db.session.scalars(sa.select(AuditEntry)))) == 1


def test_moderators_see_who_is_unconfirmed_but_only_organizers_confirm(
    app, make_user, login, event
):
    person_id = unconfirmed_person(app)
    moderator = make_user(Role.MODERATOR)
    client = app.test_client()
    login(client, moderator)
    page = client.get("/moderation/people?q=late").get_data(as_text=True)
    assert "Address not confirmed" in page
    assert "confirm-address" not in page
    refused = client.post(
        f"/moderation/people/{person_id}/confirm-address", data={"csrf_token": csrf_token(page)}
    )
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(User, person_id).email_verified_at is None


def test_the_command_line_confirms_with_an_audit_row_of_the_system(app, runner, event):
    person_id = unconfirmed_person(app)
    assert runner.invoke(args=["confirm-email", "late@example.org"]).exit_code == 0
    with app.app_context():
        [entry] = db.session.scalars(sa.select(AuditEntry))
        assert entry.actor_id is None and entry.subject_id == person_id
