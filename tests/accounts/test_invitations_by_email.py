"""Invitations by email: an organizer pastes addresses, each gets a personal link by real SMTP,
and the link registers that address as a delegate of the administration."""

import re

import pytest
import sqlalchemy as sa

from exchange.accounts import services
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.extensions import db

from ..conftest import PASSWORD
from ..support.live import csrf_token
from ..support.smtp import html_of
from ..support.smtp import text_of

INVITE_LINK = re.compile(r"https://exchange\.example\.eu(/register\?invite=[\w-]+)")


def invite(client, addresses, administration="ferla"):
    token = csrf_token(client.get("/invitations").get_data(as_text=True))
    return client.post(
        "/invitations/email",
        data={
            "csrf_token": token,
            "mail-administration": administration,
            "mail-addresses": addresses,
        },
        follow_redirects=True,
    )


def link_in(message):
    match = INVITE_LINK.search(text_of(message))
    assert match, text_of(message)
    return match.group(1)


def register_through(client, link, email, name="Maria Rossi"):
    page = client.get(link).get_data(as_text=True)
    token = csrf_token(page)
    return client.post(
        "/register",
        data={
            "csrf_token": token,
            "invite": link.split("invite=")[1],
            "name": name,
            "email": email,
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )


def test_pasted_addresses_get_personal_links_that_make_delegates(
    mail_app, mail_server, deliver, login, make_user
):
    organizer = mail_app.test_client()
    login(organizer, make_user(Role.ORGANIZER, name="Olga"))
    make_user(Role.ATTENDEE, email="known@example.org")
    page = invite(
        organizer,
        "maria@example.org\n  Piotr@Example.org \n\nnot an address\nknown@example.org\n"
        "maria@example.org",
    ).get_data(as_text=True)
    assert "Invited 2 addresses" in page
    assert "Already registered, so not invited" in page and "known@example.org" in page
    assert "Not email addresses, skipped: not an address" in page

    deliver()
    mails = {mail["To"]: mail for mail in mail_server.wait_for(2)}
    assert set(mails) == {"maria@example.org", "piotr@example.org"}
    maria_mail = mails["maria@example.org"]
    assert maria_mail["Subject"] == "You are invited to the exchange as a delegate of Ferla"
    assert "Olga" in text_of(maria_mail) and "30 days" in text_of(maria_mail)
    assert link_in(maria_mail) in html_of(maria_mail).replace("&amp;", "&")

    page = organizer.get("/invitations").get_data(as_text=True)
    assert page.count("Not yet") == 2

    visitor = mail_app.test_client()
    form = visitor.get(link_in(maria_mail)).get_data(as_text=True)
    assert "You are invited as a delegate of Ferla" in form
    assert 'value="maria@example.org"' in form and 'name="invitation_code"' not in form
    assert register_through(visitor, link_in(maria_mail), "maria@example.org").status_code == 200
    with mail_app.app_context():
        maria = services.get_user_by_email("maria@example.org")
        assert (maria.role, maria.administration.slug) == (Role.DELEGATE, "ferla")

    page = organizer.get("/invitations").get_data(as_text=True)
    assert page.count("Joined") == 1 and page.count("Not yet") == 1

    # The link worked once: followed again it offers plain registration.
    again = mail_app.test_client().get(link_in(maria_mail)).get_data(as_text=True)
    assert "This invitation link is not valid any more" in again


def test_a_personal_link_registers_only_its_own_address(
    mail_app, mail_server, deliver, login, make_user
):
    organizer = mail_app.test_client()
    login(organizer, make_user(Role.ORGANIZER))
    invite(organizer, "maria@example.org")
    deliver()
    [mail] = mail_server.wait_for(1)
    answer = register_through(mail_app.test_client(), link_in(mail), "someone.else@example.org")
    assert answer.status_code == 422
    assert "This invitation is for maria@example.org" in answer.get_data(as_text=True)
    with mail_app.app_context():
        taken = sa.select(User.id).where(User.email == "someone.else@example.org")
        assert db.session.scalar(taken) is None


def test_inviting_again_mails_a_fresh_link_and_ends_the_old_one(
    mail_app, mail_server, deliver, login, make_user
):
    organizer = mail_app.test_client()
    login(organizer, make_user(Role.ORGANIZER))
    invite(organizer, "maria@example.org")
    invite(organizer, "maria@example.org")
    deliver()
    first, second = mail_server.wait_for(2)
    old = mail_app.test_client().get(link_in(first)).get_data(as_text=True)
    assert "This invitation link is not valid any more" in old
    fresh = mail_app.test_client().get(link_in(second)).get_data(as_text=True)
    assert "You are invited as a delegate of Ferla" in fresh


@pytest.mark.parametrize(
    ("addresses", "message"),
    [
        ("", "This field is required."),
        ("\n".join(f"p{n}@example.org" for n in range(201)), "at most 200"),
    ],
)
def test_what_cannot_be_sent_stays_on_the_form(client, login, make_user, addresses, message):
    login(client, make_user(Role.ORGANIZER))
    token = csrf_token(client.get("/invitations").get_data(as_text=True))
    response = client.post(
        "/invitations/email",
        data={"csrf_token": token, "mail-administration": "ferla", "mail-addresses": addresses},
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_naughty_strings_through_the_invitation_fields_never_break_it(
    app, client, login, make_user, naughty_strings
):
    login(client, make_user(Role.ORGANIZER))
    token = csrf_token(client.get("/invitations").get_data(as_text=True))
    for administration in ["ferla", *naughty_strings[::50]]:
        response = client.post(
            "/invitations/email",
            data={
                "csrf_token": token,
                "mail-administration": administration,
                "mail-addresses": "\n".join(naughty_strings[::4]),
            },
        )
        assert response.status_code in {302, 400, 404, 422}, administration
    visitor = app.test_client()
    for text in naughty_strings[::9]:
        assert visitor.get("/register", query_string={"invite": text}).status_code in {200, 400}
