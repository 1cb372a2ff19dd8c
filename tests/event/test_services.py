"""Loading the event from its TOML description."""

import copy
import tomllib

import pytest
import sqlalchemy as sa

from exchange.event.models import Administration
from exchange.event.models import AdministrationKind
from exchange.event.models import Event
from exchange.event.models import Room
from exchange.event.services import EventFileError
from exchange.event.services import list_rooms
from exchange.event.services import load_event
from exchange.event.services import load_event_file
from exchange.extensions import db

from ..conftest import DEMO_EVENT

P2P_MUNICIPALITIES = {
    "Primiero San Martino di Castrozza",
    "Campi Bisenzio",
    "Ferla",
    "Fluminimaggiore",
    "Aprilia",
    "Rocca Canterano",
    "Montechiarugolo",
}
DEMO_ROOMS = [
    "plenary",
    "renewable-energy",
    "energy-efficiency",
    "sustainable-mobility",
    "participation",
    "energy-communities",
    "adaptation-mitigation",
    "circular-economy",
    "funding",
    "data-for-planning",
    "energy-plans-2030",
]


@pytest.fixture
def demo_data():
    with open(DEMO_EVENT, "rb") as fh:
        return tomllib.load(fh)


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_event_has_its_rooms_in_every_language_of_the_exchange(app_ctx):
    load_event_file(DEMO_EVENT)
    rooms = list_rooms()
    assert [room.slug for room in rooms] == DEMO_ROOMS
    for room in rooms:
        assert set(room.names) == set(room.descriptions) == {"en", "it", "de", "pl", "hu", "sv"}
    assert rooms[1].name_in("it") == "Energie rinnovabili"
    assert rooms[1].name_in("de") == "Erneuerbare Energien"
    assert rooms[1].name_in("fr") == "Renewable energy"  # falls back to English


def test_demo_event_has_the_seven_italian_municipalities_and_marks_the_others_as_demo(app_ctx):
    load_event_file(DEMO_EVENT)
    administrations = db.session.scalars(sa.select(Administration)).all()
    real = [a for a in administrations if not a.is_demo]
    assert {a.name for a in real} == P2P_MUNICIPALITIES
    assert all(a.country == "IT" and a.kind is AdministrationKind.MUNICIPALITY for a in real)
    assert all("(demo)" in a.name for a in administrations if a.is_demo)


def test_the_demo_has_the_exchanges_42_administrations_over_its_six_countries(app_ctx):
    load_event_file(DEMO_EVENT)
    administrations = db.session.scalars(sa.select(Administration)).all()
    assert len(administrations) == 42
    assert {a.country for a in administrations} == {"AT", "DE", "HU", "IT", "PL", "SE"}
    assert sum(not a.is_demo for a in administrations) == 7


def test_the_location_is_given_per_language_or_as_one_text(app_ctx, demo_data):
    load_event(demo_data)
    event = db.session.scalars(sa.select(Event)).one()
    assert (event.location_in("it"), event.location_in("sv")) == (
        "Online e a Roma",
        "Online och i Rom",
    )
    assert event.location == "Online and in Rome"
    plain = copy.deepcopy(demo_data)
    plain["event"]["location"] = "Bruxelles"
    load_event(plain)
    assert (event.location_in("de"), event.locations) == ("Bruxelles", {"en": "Bruxelles"})


def test_loading_again_updates_and_never_duplicates(app_ctx):
    load_event_file(DEMO_EVENT)
    report = load_event_file(DEMO_EVENT)
    assert report.created == [] and report.updated == []
    assert count(Room) == len(DEMO_ROOMS)
    assert count(Event) == 1
    assert count(Administration) == 42


def test_edits_are_applied_and_dropped_rooms_are_archived(app_ctx, demo_data):
    load_event(demo_data)
    edited = copy.deepcopy(demo_data)
    edited["rooms"][0]["name"]["en"] = "Plenary hall"
    edited["rooms"] = [r for r in edited["rooms"] if r["slug"] != "funding"]
    edited["administrations"].append(
        {"slug": "assisi", "name": "Assisi", "country": "it", "kind": "municipality"}
    )
    report = load_event(edited)
    assert "room plenary" in report.updated
    assert report.archived == ["room funding"]
    assert report.created == ["administration assisi"]
    assert "funding" not in [room.slug for room in list_rooms()]
    assert (
        db.session.scalar(sa.select(Administration.country).where(Administration.slug == "assisi"))
        == "IT"
    )
    # Bringing the room back restores it.
    load_event(demo_data)
    assert "funding" in [room.slug for room in list_rooms()]


def test_a_database_holds_one_event(app_ctx, demo_data):
    load_event(demo_data)
    other = copy.deepcopy(demo_data)
    other["event"]["slug"] = "another-event"
    with pytest.raises(EventFileError, match="new database"):
        load_event(other)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["rooms"][0].update(slug="Plenary Room"), "rooms[0].slug"),
        (
            lambda d: d["rooms"][1]["name"].pop("en"),
            "rooms[1].name: an English (en) text is required",
        ),
        (lambda d: d["administrations"][0].update(kind="city"), "administrations[0].kind"),
        (lambda d: d["administrations"][0].update(country="Italy"), "administrations[0].country"),
        (lambda d: d["rooms"][2].update(slug="plenary"), "appears twice"),
        (
            lambda d: d["event"].update(ends_on=d["event"]["starts_on"].replace(year=2025)),
            "cannot end before",
        ),
        (lambda d: d["event"].update(timezone="Mars/Olympus"), "event.timezone"),
        (lambda d: d["rooms"][0].update(colour="blue"), "rooms[0].colour: unknown setting"),
        (lambda d: d.update(rooms=[]), "at least one room"),
        (lambda d: d["administrations"][1].update(demo="yes"), "administrations[1].demo"),
    ],
)
def test_mistakes_are_reported_with_their_place(app_ctx, demo_data, change, problem):
    change(demo_data)
    with pytest.raises(EventFileError) as raised:
        load_event(demo_data)
    assert any(problem in line for line in raised.value.problems), raised.value.problems
    assert count(Event) == 0  # nothing is half-loaded


def test_every_mistake_is_reported_at_once(app_ctx, demo_data):
    demo_data["rooms"][0]["slug"] = "Bad Slug"
    demo_data["administrations"][0]["kind"] = "city"
    with pytest.raises(EventFileError) as raised:
        load_event(demo_data)
    assert len(raised.value.problems) == 2


def test_missing_and_broken_files_are_explained(app_ctx, tmp_path):
    with pytest.raises(EventFileError, match="no such file"):
        load_event_file(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[event\nslug=", encoding="utf-8")
    with pytest.raises(EventFileError, match="not valid TOML"):
        load_event_file(broken)
