"""Speakers linked to accounts by the event file's ``email``: loading, time, and the agenda."""

import copy
import datetime as dt
import tomllib
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.agenda.models import AgendaSession
from exchange.agenda.services import speaking_session
from exchange.agenda.services import spoken_by
from exchange.event.phases import CLOCK
from exchange.event.services import EventFileError
from exchange.event.services import get_room
from exchange.event.services import load_event
from exchange.extensions import db

from ..conftest import DEMO_EVENT

ROME = ZoneInfo("Europe/Rome")
#: The demo's "solar-schools": 10:30 to 11:30 in Rome on 2 December, in renewable-energy.
STARTS = dt.datetime(2026, 12, 2, 10, 30, tzinfo=ROME)
ENDS = dt.datetime(2026, 12, 2, 11, 30, tzinfo=ROME)


@pytest.fixture
def demo_data():
    with open(DEMO_EVENT, "rb") as fh:
        return tomllib.load(fh)


def with_speaker_email(data, email, slug="solar-schools"):
    data = copy.deepcopy(data)
    item = next(item for item in data["sessions"] if item["slug"] == slug)
    item["speakers"] = [{**item["speakers"][0], "email": email}]
    return data


def session(slug):
    return db.session.scalars(sa.select(AgendaSession).where(AgendaSession.slug == slug)).one()


@pytest.fixture
def klaus(app, make_user):
    user = make_user(Role.DELEGATE, email="klaus@example.de", name="Klaus Beispiel")
    with app.app_context():
        load_event(with_speaker_email(_demo(), "Klaus@Example.DE "))
    return user


def _demo():
    with open(DEMO_EVENT, "rb") as fh:
        return tomllib.load(fh)


def test_a_speakers_email_is_stored_normalized_and_loading_again_changes_nothing(
    app_ctx, event, demo_data
):
    data = with_speaker_email(demo_data, " Klaus@Example.DE")
    report = load_event(data)
    assert report.updated == ["session solar-schools"]
    assert session("solar-schools").speakers == [
        {
            "name": "Klaus Beispiel",
            "administration": "demo-musterstadt",
            "email": "klaus@example.de",
        }
    ]
    assert session("solar-schools").speaker_emails == {"klaus@example.de"}
    again = load_event(copy.deepcopy(data))
    assert again.created == [] and again.updated == [] and again.archived == []


def test_a_file_without_emails_stores_speakers_as_before(app_ctx, event):
    assert all("email" not in speaker for speaker in session("opening").speakers)
    assert session("opening").speaker_emails == set()


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        ("klaus", "sessions[0].speakers[0].email: 'klaus' is not an email address"),
        ("", "sessions[0].speakers[0].email: '' is not an email address"),
        (42, "sessions[0].speakers[0].email: 42 is not an email address"),
        ("a b@example.de", "sessions[0].speakers[0].email: 'a b@example.de' is not an email"),
        ("x@example.de" + "e" * 250, "sessions[0].speakers[0].email: 'x@example.de"),
    ],
)
def test_a_wrong_speaker_email_is_refused_with_its_place(app_ctx, demo_data, email, problem):
    demo_data["sessions"][0]["speakers"][0]["email"] = email
    with pytest.raises(EventFileError) as caught:
        load_event(demo_data)
    assert any(line.startswith(problem) for line in caught.value.problems), caught.value.problems
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaSession)) == 0


def test_hostile_speaker_emails_are_each_refused_with_their_place(
    app_ctx, demo_data, naughty_strings
):
    demo_data["sessions"][0]["speakers"] = [
        {"name": "Naughty", "email": text} for text in naughty_strings
    ]
    with pytest.raises(EventFileError) as caught:
        load_event(demo_data)
    assert caught.value.problems == [
        f"sessions[0].speakers[{index}].email: {text!r} is not an email address"
        for index, text in enumerate(naughty_strings)
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaSession)) == 0


@pytest.mark.parametrize(
    ("moment", "speaking"),
    [
        (STARTS - dt.timedelta(minutes=31), False),
        (STARTS - dt.timedelta(minutes=29), True),
        (STARTS + dt.timedelta(minutes=20), True),
        (ENDS + dt.timedelta(minutes=29), True),
        (ENDS + dt.timedelta(minutes=30), False),
        (ENDS + dt.timedelta(hours=3), False),
    ],
)
def test_a_speaker_speaks_during_the_session_plus_the_grace_period(
    app_ctx, klaus, moment, speaking
):
    user = db.session.get(User, klaus.id)
    found = speaking_session(user, get_room("renewable-energy"), moment)
    assert (found is not None) is speaking
    if speaking:
        assert found.slug == "solar-schools"


def test_the_grace_period_is_a_setting(app_ctx, klaus):
    app_ctx.config["SPEAKER_GRACE_MINUTES"] = 0
    user = db.session.get(User, klaus.id)
    room = get_room("renewable-energy")
    assert speaking_session(user, room, STARTS - dt.timedelta(minutes=1)) is None
    assert speaking_session(user, room, STARTS) is not None
    assert speaking_session(user, room, ENDS) is None


def test_a_speaker_speaks_only_in_the_room_of_their_session(app_ctx, klaus):
    user = db.session.get(User, klaus.id)
    assert speaking_session(user, get_room("funding"), STARTS) is None


def test_an_unconfirmed_address_makes_nobody_a_speaker(app_ctx, klaus):
    user = db.session.get(User, klaus.id)
    user.email_verified_at = None
    db.session.commit()
    assert speaking_session(user, get_room("renewable-energy"), STARTS) is None


def test_a_session_dropped_from_the_file_has_no_speakers_any_more(app_ctx, klaus, demo_data):
    data = with_speaker_email(demo_data, "klaus@example.de")
    data["sessions"] = [item for item in data["sessions"] if item["slug"] != "solar-schools"]
    load_event(data)
    user = db.session.get(User, klaus.id)
    assert speaking_session(user, get_room("renewable-energy"), STARTS) is None


def test_others_are_not_speakers(app_ctx, klaus, make_user):
    other = db.session.get(User, make_user(Role.DELEGATE).id)
    assert speaking_session(other, get_room("renewable-energy"), STARTS) is None
    sessions = list(db.session.scalars(sa.select(AgendaSession)))
    assert spoken_by(other, sessions) == set()
    assert spoken_by(db.session.get(User, klaus.id), sessions) == {session("solar-schools").id}


def test_the_agenda_shows_a_speaker_their_badge_and_nobody_the_address(
    app, client, login, klaus, make_user
):
    app.extensions[CLOCK] = lambda: STARTS
    anonymous = client.get("/agenda").get_data(as_text=True)
    assert "session-badge speaker" not in anonymous
    login(client, klaus)
    page = client.get("/agenda").get_data(as_text=True)
    assert page.count("session-badge speaker") == 1
    solar = page[page.index('id="session-solar-schools"') :]
    assert "session-badge speaker" in solar[: solar.index("</article>")]
    other = app.test_client()
    login(other, make_user(Role.DELEGATE))
    assert "session-badge speaker" not in other.get("/agenda").get_data(as_text=True)
    for body in (anonymous, page, client.get("/agenda.ics").get_data(as_text=True)):
        assert "klaus@example.de" not in body.lower()


def test_a_sessions_page_shows_its_speaker_the_badge(app, client, login, klaus, make_user):
    login(client, klaus)
    assert "session-badge speaker" in client.get("/agenda/solar-schools").get_data(as_text=True)
    assert "session-badge speaker" not in client.get("/agenda/opening").get_data(as_text=True)
    other = app.test_client()
    login(other, make_user(Role.DELEGATE))
    page = other.get("/agenda/solar-schools").get_data(as_text=True)
    assert "session-badge speaker" not in page and "klaus@example.de" not in page
