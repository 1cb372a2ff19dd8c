"""Sign-in, sign-out, registration and invitation pages."""

import pytest

from exchange.accounts import services
from exchange.accounts.models import Role
from exchange.event.services import get_administration

from ..conftest import PASSWORD
from ..support.live import csrf_token


def post_form(client, url, data, **kwargs):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def test_sign_in_with_the_form_and_land_where_you_were_going(client, make_user):
    user = make_user(Role.DELEGATE)
    response = post_form(
        client, "/login?next=/rooms/plenary", {"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/rooms/plenary"
    assert client.get("/rooms/plenary").status_code == 200


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_sign_in_never_redirects_to_another_site(client, make_user, target):
    user = make_user(Role.ATTENDEE)
    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD}, query_string={"next": target}
    )
    assert response.headers["Location"] == "/"


def test_a_wrong_password_is_explained_without_saying_which_part_is_wrong(client, make_user):
    user = make_user(Role.ATTENDEE)
    response = post_form(client, "/login", {"email": user.email, "password": "not the password"})
    assert response.status_code == 422
    assert "The email address or the password is not correct." in response.get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused(client, make_user):
    user = make_user(Role.ATTENDEE)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)


def test_sign_out_is_a_post_that_ends_the_session_for_good(client, make_user):
    user = make_user(Role.DELEGATE)
    post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    stolen_cookie = client.get_cookie("exchange_session").value
    assert client.get("/logout").status_code == 405
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/rooms/plenary").status_code == 302  # back to the sign-in page
    # A copy of the old cookie does not work either: the session was revoked.
    client.set_cookie("exchange_session", stolen_cookie)
    assert client.get("/rooms/plenary").status_code == 302


def test_register_with_an_invitation_link(client, app, event):
    with app.app_context():
        code = services.create_invitation(get_administration("fluminimaggiore")).code
    page = client.get(f"/register?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in page
    response = post_form(
        client,
        "/register",
        {
            "name": "Maria",
            "email": "maria@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "invitation_code": code,
        },
    )
    assert response.status_code == 200
    assert "Check your mail" in response.get_data(as_text=True)
    with app.app_context():
        maria = services.get_user_by_email("maria@example.org")
        assert maria.role is Role.DELEGATE
        assert maria.administration.slug == "fluminimaggiore"


def test_register_shows_each_problem_next_to_its_field(client, event):
    response = post_form(
        client,
        "/register",
        {"name": "Maria", "email": "maria@example.org", "password": "short", "confirm": "short"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="password-error"' in page and "at least 10" in page
    assert 'aria-invalid="true"' in page


def test_invitations_are_for_organizers(client, make_user, login):
    assert client.get("/invitations").status_code == 302
    login(client, make_user(Role.MODERATOR))
    assert client.get("/invitations").status_code == 403


def test_an_organizer_creates_and_revokes_codes(client, app, make_user, login):
    login(client, make_user(Role.ORGANIZER))
    response = post_form(
        client, "/invitations", {"administration": "ferla", "max_uses": "5"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "New invitation code for Ferla" in page
    with app.app_context():
        invitation = services.list_invitations()[0]
        assert invitation.max_uses == 5
    token = csrf_token(page)
    client.post(f"/invitations/{invitation.id}/revoke", data={"csrf_token": token})
    with app.app_context():
        assert services.list_invitations()[0].revoked_at is not None


def delays(app, name, **values):
    app.config["LOGIN_DELAYS"][name].update(values)


def attempt(client, email, password, address="192.0.2.1"):
    return post_form(
        client,
        "/login",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_repeated_wrong_passwords_slow_down_that_address_on_that_account(app, client, make_user):
    delays(app, "login_account", free=3)
    user = make_user(Role.DELEGATE)
    for _ in range(3):
        assert attempt(client, user.email, "not the password").status_code == 422
    slowed = attempt(client, user.email, PASSWORD)
    assert slowed.status_code == 429
    assert "Too many sign-in attempts. Please wait 1 minute" in slowed.get_data(as_text=True)


def test_a_guesser_never_locks_the_owner_out_of_their_account(app, make_user):
    """However many failures come from elsewhere, the right password works at once."""
    delays(app, "login_account", free=1, longest=3600)
    delays(app, "login_address", free=1, longest=3600)
    victim = make_user(Role.MODERATOR)
    guesser = app.test_client()
    for number in range(40):  # from many addresses, as a botnet would
        address = f"203.0.113.{number % 4}"
        assert attempt(guesser, victim.email, f"guess {number}", address).status_code in (422, 429)
    assert attempt(app.test_client(), victim.email, PASSWORD, "198.51.100.9").status_code == 302


def test_one_address_cannot_try_endlessly(app, client, make_user):
    delays(app, "login_address", free=4)
    users = [make_user(Role.ATTENDEE) for _ in range(5)]
    statuses = [attempt(client, u.email, "wrong guess!").status_code for u in users]
    assert statuses == [422, 422, 422, 422, 429]
    # Another address is not slowed down by it.
    assert attempt(client, users[0].email, PASSWORD, "192.0.2.77").status_code == 302


def test_mass_registration_from_one_address_is_slowed_down(app, client, event):
    app.config["RATE_LIMITS"].update({"register_address": "2/3600s"})
    statuses = []
    for number in range(3):
        client.get("/")  # a fresh visitor each time, same address
        client.delete_cookie("exchange_session")
        statuses.append(
            post_form(
                client,
                "/register",
                {
                    "name": f"Bot {number}",
                    "email": f"bot{number}@example.org",
                    "password": PASSWORD,
                    "confirm": PASSWORD,
                },
            ).status_code
        )
    assert statuses == [200, 200, 429]
