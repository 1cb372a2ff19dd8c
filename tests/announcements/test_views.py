"""The announcements page, banners on every page, and closing them with or without scripts."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.announcements import services
from exchange.db import utcnow
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.rooms import services as rooms

from ..support.live import csrf_token


@pytest.fixture
def olga(make_user):
    return make_user(Role.ORGANIZER, name="Olga")


def banner(app, author, body, minutes=60):
    with app.app_context():
        until = utcnow() + dt.timedelta(minutes=minutes)
        return services.publish(db.session.get(User, author.id), body, [], until).id


def announce(client, **form):
    token = csrf_token(client.get("/announcements").get_data(as_text=True))
    return client.post("/announcements", data={"csrf_token": token, **form})


def test_a_moderator_announces_in_chosen_rooms_with_a_banner(app, client, login, make_user):
    login(client, make_user(Role.MODERATOR, name="Marco"))
    response = announce(
        client,
        body="The plenary moves to room B.",
        rooms=["plenary", "funding"],
        banner_until="2099-06-01T18:30",
    )
    assert response.status_code == 302
    page = client.get("/announcements").get_data(as_text=True)
    assert "The plenary moves to room B." in page and "in 2 rooms" in page
    with app.app_context():
        (shown,) = services.banners(None)
        # Read in the reader's time zone: the demo event's, Europe/Rome.
        assert shown.banner_until == dt.datetime(2099, 6, 1, 18, 30, tzinfo=ZoneInfo("Europe/Rome"))
        assert rooms.history(get_room("funding")).messages[-1].body == shown.body


def test_every_room_is_one_tick(app, client, login, olga):
    login(client, olga)
    assert announce(client, body="Good morning", all_rooms="y").status_code == 302
    with app.app_context():
        (announcement,) = services.recent(db.session.get(User, olga.id))
        assert len(announcement.rooms) == 11


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"body": "", "rooms": ["plenary"]}, "Write a message first."),
        ({"body": "Hello"}, "Choose at least one room, or show it as a banner."),
        ({"body": "Hello", "banner_until": "2001-01-01T10:00"}, "Choose a time in the future"),
        ({"body": "Hello", "rooms": ["no-such-room"]}, "is not a valid choice"),
        ({"body": "Hello", "banner_until": "tomorrow"}, "Not a valid datetime value"),
    ],
)
def test_mistakes_stay_on_the_form_next_to_their_field(client, login, olga, form, error):
    login(client, olga)
    response = announce(client, **form)
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)


def test_the_page_is_for_moderators_and_organizers(client, login, make_user):
    login(client, make_user(Role.DELEGATE))
    assert client.get("/announcements").status_code == 403


def test_the_page_speaks_the_reader_s_language(client, login, olga):
    login(client, olga)
    client.get("/announcements", headers={"Accept-Language": "de"})
    page = client.get("/announcements", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Ankündigungen" in page


@pytest.mark.parametrize("path", ["/", "/practices", "/administrations", "/privacy"])
def test_a_banner_shows_on_every_page_for_everyone(app, client, login, make_user, olga, path):
    banner(app, olga, "Coffee is served.")
    assert "Coffee is served." in client.get(path).get_data(as_text=True)
    login(client, make_user(Role.ATTENDEE))
    assert "Coffee is served." in client.get(path).get_data(as_text=True)


def test_closing_a_banner_without_scripts_goes_back_and_is_remembered(
    app, client, login, make_user, olga
):
    elena = login(client, make_user(Role.DELEGATE))
    announcement_id = banner(app, olga, "Coffee is served.")
    token = csrf_token(client.get("/practices").get_data(as_text=True))
    response = client.post(
        f"/announcements/{announcement_id}/dismiss",
        data={"csrf_token": token, "next": "/practices"},
    )
    assert response.status_code == 302 and response.location == "/practices"
    assert "Coffee is served." not in client.get("/practices").get_data(as_text=True)
    with app.app_context():
        assert services.banners(db.session.get(User, elena.id)) == []


def test_a_script_closes_a_banner_with_a_204(app, client, login, make_user, olga):
    login(client, make_user(Role.DELEGATE))
    announcement_id = banner(app, olga, "Coffee is served.")
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(
        f"/announcements/{announcement_id}/dismiss",
        headers={"Accept": "application/json", "X-CSRFToken": token},
    )
    assert response.status_code == 204
    assert "Coffee is served." not in client.get("/").get_data(as_text=True)


def test_a_visitor_s_closed_banners_are_kept_in_a_cookie(app, client, olga):
    first = banner(app, olga, "First banner")
    banner(app, olga, "Second banner")
    token = csrf_token(client.get("/").get_data(as_text=True))
    client.post(f"/announcements/{first}/dismiss", data={"csrf_token": token})
    page = client.get("/").get_data(as_text=True)
    assert "First banner" not in page and "Second banner" in page


@pytest.mark.parametrize("cookie", ["", "junk", "x.-1.0x", "9" * 40, "." * 4000, "１"])
def test_a_mangled_cookie_is_ignored(app, client, olga, cookie):
    banner(app, olga, "Still here")
    client.set_cookie("dismissed_banners", cookie)
    assert "Still here" in client.get("/").get_data(as_text=True)


def test_closing_an_unknown_banner_is_not_found(client, login, make_user):
    login(client, make_user(Role.DELEGATE))
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/announcements/999/dismiss", data={"csrf_token": token})
    assert response.status_code == 404


def test_taking_a_banner_down_from_the_page(app, client, login, olga):
    login(client, olga)
    announcement_id = banner(app, olga, "Wrong time")
    token = csrf_token(client.get("/announcements").get_data(as_text=True))
    response = client.post(
        f"/announcements/{announcement_id}/end", data={"csrf_token": token}, follow_redirects=True
    )
    assert "The banner is down." in response.get_data(as_text=True)
    assert "Wrong time" not in client.get("/practices").get_data(as_text=True)


def test_banners_arrive_live_and_leave_live(app, olga, make_user, connect):
    elena = make_user(Role.DELEGATE)
    socket = connect(elena)
    other_tab = connect(elena)
    announcement_id = banner(app, olga, "Live banner")
    received = [p for p in socket.get_received() if p["name"] == "banner"]
    assert received[0]["args"][0]["id"] == announcement_id
    assert received[0]["args"][0]["body_html"] == "Live banner"
    other_tab.get_received()
    with app.app_context():
        services.dismiss(db.session.get(User, elena.id), announcement_id)
    ended = [p["args"][0] for p in other_tab.get_received() if p["name"] == "banner_ended"]
    assert ended == [{"id": announcement_id}]


def test_naughty_strings_never_break_the_form(client, login, olga, naughty_strings):
    login(client, olga)
    token = csrf_token(client.get("/announcements").get_data(as_text=True))
    for text in naughty_strings[::7]:
        response = client.post(
            "/announcements",
            data={"csrf_token": token, "body": text, "banner_until": text, "rooms": [text]},
        )
        assert response.status_code in {302, 400, 422}, text
