"""The agenda page, its calendar file, and what the home and room pages say is on.

The demo event runs on 2 and 3 December 2026 in Rome; time is moved with the
application's clock, never waited for.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest

from exchange.accounts.models import Role
from exchange.agenda.services import list_sessions
from exchange.event.phases import CLOCK
from exchange.event.services import load_event_file
from exchange.extensions import db

from ..conftest import DEMO_EVENT

ROME = ZoneInfo("Europe/Rome")


def rome(*parts):
    return dt.datetime(*parts, tzinfo=ROME)


@pytest.fixture
def clock(app):
    """Set the time the exchange sees: ``clock(moment)``."""
    app.config["ARCHIVE_GRACE_DAYS"] = 7

    def set_time(moment):
        app.extensions[CLOCK] = lambda: moment

    return set_time


def session_article(page, slug):
    start = page.index(f'id="session-{slug}"')
    return page[page.rindex("<article", 0, start) : page.index("</article>", start)]


def test_the_agenda_lists_the_sessions_by_day_with_their_rooms(client, event, clock):
    clock(rome(2026, 11, 20, 12, 0))
    page = client.get("/agenda").get_data(as_text=True)
    assert page.index("Wednesday, 2 December 2026") < page.index("Thursday, 3 December 2026")
    assert page.index("Opening: why we exchange") < page.index("Closing: what the exchange")
    opening = session_article(page, "opening")
    assert "9:30" in opening and "10:15" in opening
    assert 'href="/rooms/plenary"' in opening
    assert "Chiara Demo (MULTIPLY project)" in opening
    solar = session_article(page, "solar-schools")
    assert 'href="/administrations/demo-musterstadt"' in solar  # a speaker's administration
    assert 'href="/agenda.ics"' in page


def test_the_agenda_is_shown_in_the_readers_time_zone(client, event, clock):
    clock(rome(2026, 11, 20, 12, 0))
    with client.session_transaction() as session:
        session["timezone"] = "Asia/Tokyo"
    page = client.get("/agenda").get_data(as_text=True)
    # Closing starts at 16:00 in Rome: midnight of the next day in Tokyo.
    assert "Friday, 4 December 2026" in page
    assert page.index("Friday, 4 December 2026") < page.index("Closing: what the exchange")
    assert "00:00" in session_article(page, "closing")
    assert "Asia/Tokyo" in page


def test_the_agenda_marks_what_is_live_now_and_next(client, event, clock):
    clock(rome(2026, 12, 2, 10, 45))
    page = client.get("/agenda").get_data(as_text=True)
    assert "Live now" in session_article(page, "solar-schools")
    assert "Live now" in session_article(page, "energy-community-parish")
    assert "Next" in session_article(page, "street-lighting")
    assert "Live now" not in session_article(page, "opening")
    assert "Next" not in session_article(page, "participatory-budget")


def test_the_agenda_follows_the_readers_language(app, client, event, clock):
    app.config["LANGUAGES"] = ["en", "it"]
    page = client.get("/agenda", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "Apertura: perché ci scambiamo esperienze" in page
    assert "Energie rinnovabili" in page


def test_a_presented_practice_is_linked_once_it_is_published(client, make_user, write):
    author = make_user(Role.DELEGATE, administration="ferla")
    practice = write(author, published=True, title="Solar roofs on six school buildings (demo)")
    page = client.get("/agenda").get_data(as_text=True)
    assert f"/practices/{practice.id}-" in session_article(page, "solar-schools")


def test_an_unpublished_practice_is_not_linked(client, make_user, write):
    author = make_user(Role.DELEGATE, administration="ferla")
    practice = write(author, submitted=True, title="Solar roofs on six school buildings (demo)")
    page = client.get("/agenda").get_data(as_text=True)
    assert f"/practices/{practice.id}" not in page


def test_the_agenda_without_sessions_says_so(client):
    page = client.get("/agenda").get_data(as_text=True)
    assert "The programme has not been published yet." in page


def test_the_calendar_file_round_trips_through_icalendar(app, client, event):
    app.config["LANGUAGES"] = ["en", "it"]
    response = client.get("/agenda.ics", headers={"Accept-Language": "it"})
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Big European Exchange"
    entries = {str(entry["UID"]): entry for entry in calendar.walk("VEVENT")}
    assert len(entries) == 7
    opening = entries["opening@localhost"]
    assert str(opening["SUMMARY"]) == "Apertura: perché ci scambiamo esperienze (demo)"
    assert opening.decoded("DTSTART") == rome(2026, 12, 2, 9, 30)
    assert opening.decoded("DTEND") == rome(2026, 12, 2, 10, 15)
    assert str(opening["LOCATION"]) == "Plenaria"
    assert str(opening["URL"]) == "http://localhost/rooms/plenary"
    assert "Chiara Demo (MULTIPLY project)" in str(opening["DESCRIPTION"])
    solar = entries["solar-schools@localhost"]
    assert "Klaus Beispiel (Musterstadt (demo))" in str(solar["DESCRIPTION"])
    assert icalendar.Calendar.from_ical(calendar.to_ical()) == calendar


def test_the_calendar_uids_name_the_sites_own_host(app, client, event):
    app.config["SITE_URL"] = "https://exchange.example.eu"
    app.config["SITE_URL_IS_SET"] = True
    app.config["SERVER_NAME"] = None
    response = client.get("/agenda.ics", base_url="https://exchange.example.eu")
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")]
    assert "opening@exchange.example.eu" in uids


def test_home_before_the_event_says_when_it_opens_and_what_comes_first(client, event, clock):
    clock(rome(2026, 11, 30, 12, 0))
    page = client.get("/").get_data(as_text=True)
    assert "The event has not started yet: it opens on 2 December 2026." in page
    assert "Coming up" in page and "Opening: why we exchange" in page
    assert 'href="/agenda"' in page


def test_home_during_the_event_shows_what_is_on_now(client, event, clock):
    clock(rome(2026, 12, 2, 10, 45))
    page = client.get("/").get_data(as_text=True)
    assert "The event is on." in page
    assert "Live now" in page
    now_section = page[page.index('id="now-title"') : page.index('id="rooms-title"')]
    assert "Solar roofs on schools" in now_section
    assert 'href="/rooms/renewable-energy"' in now_section
    assert "LED street lighting" in now_section  # next
    assert "Opening: why we exchange" not in now_section


def test_home_after_the_event_leads_to_the_library_and_the_agenda(client, event, clock):
    clock(rome(2026, 12, 20, 12, 0))
    page = client.get("/").get_data(as_text=True)
    assert "The event is over" in page
    assert "Live now" not in page and "Coming up" not in page
    assert 'href="/agenda"' in page


def test_a_room_shows_its_current_session_at_the_top(client, make_user, login, clock):
    login(client, make_user(Role.ATTENDEE))
    clock(rome(2026, 12, 2, 10, 45))
    page = client.get("/rooms/renewable-energy").get_data(as_text=True)
    header = page[page.index('id="room-title"') : page.index('id="conversation"')]
    assert "Solar roofs on schools" in header and "Live now" in header
    assert 'href="/agenda#session-solar-schools"' in header
    quiet = client.get("/rooms/funding").get_data(as_text=True)
    assert 'class="room-session"' not in quiet


def test_after_the_event_the_agenda_is_the_archive_with_its_recordings(app, client, clock):
    with app.app_context():
        load_event_file(DEMO_EVENT)
        list_sessions()[0].recording_url = "https://video.example.eu/opening"
        db.session.commit()
    clock(rome(2026, 12, 20, 12, 0))
    page = client.get("/agenda").get_data(as_text=True)
    assert "The event is over: here are its sessions, with their recordings" in page
    opening = session_article(page, "opening")
    assert 'href="https://video.example.eu/opening"' in opening
    assert "Watch the recording" in opening
    assert "Watch the recording" not in session_article(page, "closing")
    home = client.get("/").get_data(as_text=True)
    assert "The sessions, their recordings and slides" in home
