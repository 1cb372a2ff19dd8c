"""Invitation codes: a last day, a registration link that carries the code, and a code
entered after registering (an attendee becomes a delegate)."""

import datetime as dt

import pytest
import sqlalchemy as sa

from exchange.accounts import services
from exchange.accounts.models import Invitation
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.db import utcnow
from exchange.errors import ExchangeError
from exchange.event.services import get_administration
from exchange.extensions import db

from ..support.live import csrf_token


def code_for(app, slug="ferla", **options):
    with app.app_context():
        invitation = services.create_invitation(get_administration(slug), **options)
        return invitation.code, invitation.id


def post(client, url, page, **form):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **form}, follow_redirects=True)


def test_an_organizer_gives_a_code_a_last_day(app, client, login, make_user):
    login(client, make_user(Role.ORGANIZER))
    page = post(
        client, "/invitations", "/invitations", administration="ferla", expires_on="2099-06-30"
    ).get_data(as_text=True)
    assert "New invitation code for Ferla" in page
    with app.app_context():
        invitation = db.session.scalars(sa.select(Invitation)).one()
        # The end of 30 June in the reader's time zone (the event's: Europe/Rome, summer time).
        assert invitation.expires_at == dt.datetime(2099, 6, 30, 22, 0, tzinfo=dt.UTC)


def test_a_last_day_in_the_past_is_refused(client, login, make_user):
    login(client, make_user(Role.ORGANIZER))
    token = csrf_token(client.get("/invitations").get_data(as_text=True))
    response = client.post(
        "/invitations",
        data={"csrf_token": token, "administration": "ferla", "expires_on": "2001-01-01"},
    )
    assert response.status_code == 422
    assert "The expiry must be in the future." in response.get_data(as_text=True)


def test_the_page_offers_a_registration_link_that_carries_the_code(app, client, login, make_user):
    code, _ = code_for(app)
    login(client, make_user(Role.ORGANIZER))
    page = client.get("/invitations").get_data(as_text=True)
    link = f"/register?code={services.format_invitation_code(code)}"
    assert link in page and 'data-copy="link-' in page
    # The link fills the code in for whoever follows it.
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    form = client.get(link).get_data(as_text=True)
    assert f'value="{services.format_invitation_code(code)}"' in form


def test_an_expired_code_shows_as_expired_without_a_link(app, client, login, make_user):
    code, invitation_id = code_for(app, expires_at=utcnow() + dt.timedelta(minutes=1))
    with app.app_context():
        db.session.get(Invitation, invitation_id).expires_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
    login(client, make_user(Role.ORGANIZER))
    page = client.get("/invitations").get_data(as_text=True)
    assert "Expired" in page and f"code={services.format_invitation_code(code)}" not in page


def test_an_attendee_enters_a_code_and_becomes_a_delegate(app, client, login, make_user):
    code, invitation_id = code_for(app)
    anna = login(client, make_user(Role.ATTENDEE, name="Anna"))
    page = post(
        client,
        "/account/invitation-code",
        "/account",
        code=services.format_invitation_code(code).lower(),
    ).get_data(as_text=True)
    assert "You are now a delegate of Ferla." in page
    assert "Become a delegate" not in page  # the form is for attendees
    with app.app_context():
        person = db.session.get(User, anna.id)
        assert (person.role, person.administration.slug) == (Role.DELEGATE, "ferla")
        assert db.session.get(Invitation, invitation_id).uses == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_uses": 1, "used": True}, "This invitation code has been used up."),
        ({"revoked": True}, "This invitation code is not valid."),
        ({"expired": True}, "This invitation code has expired."),
    ],
)
def test_a_code_that_no_longer_works_is_refused_with_why(
    app, client, login, make_user, options, message
):
    code, invitation_id = code_for(app, max_uses=options.get("max_uses"))
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        if options.get("used"):
            invitation.uses = 1
        if options.get("revoked"):
            invitation.revoked_at = utcnow()
        if options.get("expired"):
            invitation.expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    anna = login(client, make_user(Role.ATTENDEE))
    page = post(client, "/account/invitation-code", "/account", code=code).get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert db.session.get(User, anna.id).role is Role.ATTENDEE


def test_a_delegate_cannot_change_administration_with_a_code(app, app_ctx, make_user):
    code, _ = code_for(app, slug="aprilia")
    elena = make_user(Role.DELEGATE, administration="ferla")
    with pytest.raises(ExchangeError) as refused:
        services.redeem_invitation(db.session.get(User, elena.id), code)
    assert refused.value.code == "forbidden"


def test_naughty_strings_as_codes_never_break_anything(client, login, make_user, naughty_strings):
    login(client, make_user(Role.ATTENDEE))
    token = csrf_token(client.get("/account").get_data(as_text=True))
    for text in naughty_strings[::3]:
        response = client.post("/account/invitation-code", data={"csrf_token": token, "code": text})
        assert response.status_code in {302, 400}, text


def test_naughty_strings_through_the_invitation_form_never_break_it(
    client, login, make_user, naughty_strings
):
    login(client, make_user(Role.ORGANIZER))
    token = csrf_token(client.get("/invitations").get_data(as_text=True))
    for text in naughty_strings[::3]:
        response = client.post(
            "/invitations",
            data={
                "csrf_token": token,
                "administration": text,
                "max_uses": text,
                "expires_on": text,
            },
        )
        assert response.status_code in {200, 302, 400, 404, 422}, text
