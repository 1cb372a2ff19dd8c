"""The programme is part of the event file: load-event validates and loads its sessions."""

import copy
import datetime as dt
import tomllib
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from exchange.agenda.models import AgendaSession
from exchange.agenda.services import list_sessions
from exchange.event.services import EventFileError
from exchange.event.services import load_event
from exchange.extensions import db

from ..conftest import DEMO_EVENT

ROME = ZoneInfo("Europe/Rome")
LANGUAGES = {"en", "it", "de", "pl", "hu", "sv"}


@pytest.fixture
def demo_data():
    with open(DEMO_EVENT, "rb") as fh:
        return tomllib.load(fh)


def problems_of(data):
    with pytest.raises(EventFileError) as caught:
        load_event(data)
    return caught.value.problems


def test_the_demo_programme_is_in_every_language_of_the_exchange(app_ctx, demo_data):
    load_event(demo_data)
    sessions = list_sessions()
    assert len(sessions) >= 6
    for item in sessions:
        assert set(item.titles) == LANGUAGES
        assert not item.descriptions or set(item.descriptions) == LANGUAGES
        assert item.speakers
    assert sessions[0].slug == "opening"
    assert sessions[0].room.slug == "plenary"


def test_times_without_an_offset_are_in_the_events_time_zone(app_ctx, demo_data):
    load_event(demo_data)
    opening = db.session.scalars(sa.select(AgendaSession).where(AgendaSession.slug == "opening"))
    item = opening.one()
    assert item.starts_at == dt.datetime(2026, 12, 2, 9, 30, tzinfo=ROME)
    assert item.starts_at.utcoffset() == dt.timedelta(0)  # stored and read back in UTC
    assert item.ends_at == dt.datetime(2026, 12, 2, 10, 15, tzinfo=ROME)


def test_a_time_with_an_offset_keeps_it(app_ctx, demo_data):
    demo_data["sessions"][0]["starts_at"] = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
    load_event(demo_data)
    assert list_sessions()[0].starts_at == dt.datetime(2026, 12, 2, 9, 0, tzinfo=ROME)


def test_loading_the_programme_again_changes_nothing(app_ctx, demo_data):
    load_event(demo_data)
    report = load_event(copy.deepcopy(demo_data))
    assert report.created == [] and report.updated == [] and report.archived == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaSession)) == len(
        demo_data["sessions"]
    )


def test_an_edited_session_is_updated_and_a_dropped_one_leaves_the_agenda(app_ctx, demo_data):
    load_event(demo_data)
    edited = copy.deepcopy(demo_data)
    edited["sessions"][0]["title"]["it"] = "Benvenuti"
    edited["sessions"] = [s for s in edited["sessions"] if s["slug"] != "closing"]
    report = load_event(edited)
    assert report.updated == ["session opening"]
    assert report.archived == ["session closing"]
    assert "closing" not in [item.slug for item in list_sessions()]
    assert list_sessions()[0].title_in("it") == "Benvenuti"
    report = load_event(demo_data)  # back in the file: back on the agenda
    assert "session closing" in report.updated
    assert "closing" in [item.slug for item in list_sessions()]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"starts_at": dt.datetime(2026, 12, 1, 18, 0)},
            "sessions[0].starts_at: 2026-12-01 18:00 is outside the event's days "
            "(2026-12-02 to 2026-12-03)",
        ),
        (
            {"ends_at": dt.datetime(2026, 12, 4, 0, 30)},
            "sessions[0].ends_at: 2026-12-04 00:30 is outside the event's days "
            "(2026-12-02 to 2026-12-03)",
        ),
        ({"room": "atlantis"}, "sessions[0].room: 'atlantis' is not a room of this file"),
        (
            {"ends_at": dt.datetime(2026, 12, 2, 9, 0)},
            "sessions[0].ends_at: the session must end after it starts",
        ),
        (
            {"starts_at": "9:30"},
            "sessions[0].starts_at: expected a date and time such as 2026-12-02T09:30:00",
        ),
        ({"title": {"it": "Apertura"}}, "sessions[0].title: an English (en) text is required"),
        ({"slug": "Opening!"}, "sessions[0].slug: 'Opening!' is not a valid slug"),
        ({"speakers": [{"nome": "Anna"}]}, "sessions[0].speakers[0].nome: unknown setting"),
        ({"speakers": [{"name": ""}]}, "sessions[0].speakers[0].name: expected a non-empty text"),
        ({"practices": [0]}, "sessions[0].practices[0]: expected a practice id or slug, not 0"),
        ({"hall": "A"}, "sessions[0].hall: unknown setting"),
        (
            {"recording": "javascript:alert(1)"},
            "sessions[0].recording: expected a web address such as https://example.org/recording",
        ),
        ({"recording": "https://video.example.eu/a b"}, "sessions[0].recording: expected a web"),
    ],
)
def test_a_wrong_session_is_refused_with_its_place(app_ctx, demo_data, change, problem):
    demo_data["sessions"][0].update(change)
    problems = problems_of(demo_data)
    assert any(line.startswith(problem) for line in problems), problems
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaSession)) == 0


def test_a_session_slug_may_appear_once(app_ctx, demo_data):
    demo_data["sessions"][1]["slug"] = "opening"
    assert "sessions: the slug 'opening' appears twice" in problems_of(demo_data)


def test_a_session_may_end_at_midnight_after_the_last_day(app_ctx, demo_data):
    demo_data["sessions"][-1]["ends_at"] = dt.datetime(2026, 12, 4, 0, 0)
    load_event(demo_data)
    assert list_sessions()[-1].ends_at == dt.datetime(2026, 12, 4, tzinfo=ROME)


def test_an_event_without_sessions_has_an_empty_agenda(app_ctx, demo_data):
    del demo_data["sessions"]
    load_event(demo_data)
    assert list_sessions() == []


def test_a_recording_is_added_to_a_session_by_loading_the_file_again(app_ctx, demo_data):
    load_event(demo_data)
    demo_data["sessions"][0]["recording"] = "https://video.example.eu/opening"
    report = load_event(demo_data)
    assert report.updated == ["session opening"]
    assert list_sessions()[0].recording_url == "https://video.example.eu/opening"
