"""The directory, profiles, editing one's profile, the opt-in at registration, and export."""

import re

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.accounts.privacy import delete_account
from exchange.extensions import db
from exchange.people import services

from ..conftest import PASSWORD
from ..support.live import csrf_token


def list_(app, user, **profile):
    with app.app_context():
        services.update_profile(
            db.session.get(User, user.id),
            listed=True,
            languages=profile.get("languages", []),
            topics=profile.get("topics", []),
            bio=profile.get("bio", ""),
        )


def test_the_directory_is_for_signed_in_people(client):
    response = client.get("/people")
    assert response.status_code == 302 and "/login" in response.location


def test_the_directory_shows_listed_people_with_their_filters(app, client, login, make_user):
    elena = make_user(Role.DELEGATE, name="Elena", administration="ferla")
    list_(app, elena, languages=["it", "en"], topics=["funding"])
    make_user(Role.DELEGATE, name="Hidden Person")
    login(client, make_user(Role.ATTENDEE))
    page = client.get("/people").get_data(as_text=True)
    assert "Elena" in page and "Hidden Person" not in page and "1 person" in page
    assert f'href="/people/{elena.id}"' in page
    assert "Elena" not in client.get("/people?language=de").get_data(as_text=True)
    assert "Elena" in client.get("/people?topic=funding&country=IT").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "q=%25",
        "country=ZZZZ",
        "page=-1",
        "page=99999999999999999999",
        "role=<b>",
        "q=" + "x" * 5000,
    ],
)
def test_odd_filters_never_break_the_directory(client, login, make_user, query):
    login(client, make_user(Role.ATTENDEE))
    assert client.get(f"/people?{query}").status_code in {200, 400}


def test_a_profile_shows_languages_topics_and_bio(app, client, login, make_user):
    elena = make_user(Role.DELEGATE, name="Elena", administration="ferla")
    list_(app, elena, languages=["it"], topics=["funding"], bio="Energy <b>manager</b>")
    login(client, make_user(Role.ATTENDEE))
    page = client.get(f"/people/{elena.id}").get_data(as_text=True)
    assert '<span lang="it">Italiano</span>' in page
    assert "Funding" in page and "Energy &lt;b&gt;manager&lt;/b&gt;" in page


def test_an_unlisted_profile_is_not_found(client, login, make_user):
    quiet = make_user(Role.DELEGATE)
    login(client, make_user(Role.DELEGATE))
    assert client.get(f"/people/{quiet.id}").status_code == 404
    assert client.get("/people/999999").status_code == 404


def test_editing_one_s_profile(app, client, login, make_user):
    elena = login(client, make_user(Role.DELEGATE, name="Elena"))
    token = csrf_token(client.get("/account/profile").get_data(as_text=True))
    response = client.post(
        "/account/profile",
        data={
            "csrf_token": token,
            "listed": "y",
            "languages": ["it", "en"],
            "topics": ["funding"],
            "bio": "Energy manager in Campi Bisenzio.",
        },
        follow_redirects=True,
    )
    assert "Your profile is saved." in response.get_data(as_text=True)
    with app.app_context():
        saved = db.session.get(User, elena.id)
        assert (saved.listed, saved.languages, saved.topics) == (True, ["en", "it"], ["funding"])
        assert saved.attendees_may_message is False  # not ticked


def test_choosing_whether_attendees_may_message_one(app, client, login, make_user):
    elena = login(client, make_user(Role.DELEGATE, name="Elena"))
    form = client.get("/account/profile").get_data(as_text=True)
    assert 'name="attendees_may_message"' in form and "Attendees may send me messages" in form
    token = csrf_token(form)
    client.post("/account/profile", data={"csrf_token": token, "attendees_may_message": "y"})
    with app.app_context():
        assert db.session.get(User, elena.id).attendees_may_message is True
    assert (
        client.get("/account/export.json").get_json()["account"]["profile"]["attendees_may_message"]
        is True
    )
    again = client.get("/account/profile").get_data(as_text=True)
    assert "checked" in re.search(r'<input[^>]*name="attendees_may_message"[^>]*>', again)[0]
    with app.app_context():
        delete_account(db.session.get(User, elena.id), PASSWORD)
        assert db.session.get(User, elena.id).attendees_may_message is False


def test_a_profile_s_mistakes_stay_on_the_form(client, login, make_user):
    login(client, make_user(Role.DELEGATE))
    token = csrf_token(client.get("/account/profile").get_data(as_text=True))
    response = client.post("/account/profile", data={"csrf_token": token, "bio": "x" * 600})
    assert response.status_code == 422
    assert "at most 500 characters" in response.get_data(as_text=True)


def test_naughty_strings_through_the_profile_never_break_it(
    client, login, make_user, naughty_strings
):
    login(client, make_user(Role.DELEGATE))
    token = csrf_token(client.get("/account/profile").get_data(as_text=True))
    for text in naughty_strings[::5]:
        response = client.post(
            "/account/profile",
            data={"csrf_token": token, "listed": "y", "bio": text, "languages": [text]},
        )
        assert response.status_code in {302, 400, 422}, text
    assert client.get("/people").status_code == 200


def test_an_administration_page_lists_its_listed_delegates(app, client, login, make_user):
    elena = make_user(Role.DELEGATE, name="Elena", administration="ferla")
    list_(app, elena)
    make_user(Role.DELEGATE, name="Salvatore", administration="ferla")
    login(client, make_user(Role.ATTENDEE))
    page = client.get("/administrations/ferla").get_data(as_text=True)
    assert f'href="/people/{elena.id}"' in page and "Salvatore" not in page
    assert "1 delegate is not listed in the people directory." in page


def listed_box(page):
    """The opt-in checkbox's tag on the registration page."""
    start = page.index("<input", page.index('name="listed"') - 200)
    return page[start : page.index(">", start)]


def test_registration_asks_for_the_directory_ticked_with_an_invitation_code(client):
    assert "checked" not in listed_box(client.get("/register").get_data(as_text=True))
    assert "checked" in listed_box(client.get("/register?code=ABCD").get_data(as_text=True))


def test_registering_with_the_box_ticked_lists_the_person(app, client, event):
    token = csrf_token(client.get("/register").get_data(as_text=True))
    client.post(
        "/register",
        data={
            "csrf_token": token,
            "name": "Anna",
            "email": "anna@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "listed": "y",
        },
    )
    with app.app_context():
        anna = db.session.scalars(sa.select(User).where(User.email == "anna@example.org")).one()
        assert anna.listed is True


def test_the_profile_is_in_the_data_export_and_goes_with_the_account(app, client, login, make_user):
    elena = login(client, make_user(Role.DELEGATE, name="Elena"))
    list_(app, elena, languages=["it"], bio="Energy manager")
    data = client.get("/account/export.json").get_json()
    assert data["account"]["profile"] == {
        "listed_in_the_directory": True,
        "attendees_may_message": False,
        "languages": ["it"],
        "topics": [],
        "bio": "Energy manager",
    }
    with app.app_context():
        delete_account(db.session.get(User, elena.id), PASSWORD)
        gone = db.session.get(User, elena.id)
        assert (gone.listed, gone.languages, gone.bio) == (False, [], "")


def test_the_demo_fills_the_directory(app, runner, client, login):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        attendee = db.session.scalars(
            sa.select(User).where(User.email == "attendee@demo.example.org")
        ).one()
    login(client, attendee)
    page = client.get("/people").get_data(as_text=True)
    assert "Elena Conti (demo delegate)" in page and "3 people" in page
    listed = page.split('class="people-list"')[1]
    assert "Anna Nowak" not in listed  # the demo attendee did not ask to be listed
