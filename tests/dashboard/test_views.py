"""The organizers' dashboard: live figures, charts made on the server, CSV exports."""

import csv
import io

import pytest
import sqlalchemy as sa

from exchange.accounts.invitations import invite_by_email
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.conversations.services import start_conversation
from exchange.dashboard.charts import bar_chart
from exchange.dashboard.charts import column_chart
from exchange.event.models import Administration
from exchange.event.models import Room
from exchange.event.services import get_administration
from exchange.extensions import db
from exchange.people import services as people
from exchange.rooms.services import post_message

from ..csv_checks import assert_safe_for_spreadsheets


@pytest.fixture
def organizer(client, login, make_user):
    return login(client, make_user(Role.ORGANIZER))


def say(connect, person, body, room="plenary"):
    connection = connect(person)
    connection.emit("join", {"room": room}, callback=True)
    ack = connection.emit("send", {"room": room, "body": body, "client_id": body}, callback=True)
    assert ack["ok"]
    return connection


def test_only_organizers_see_the_dashboard(client, login, make_user):
    assert client.get("/organizer").status_code == 302
    login(client, make_user(Role.MODERATOR))
    assert client.get("/organizer").status_code == 403
    assert client.get("/organizer/export/rooms.csv").status_code == 403


def test_the_dashboard_shows_who_is_online_what_is_said_and_who_is_missing(
    client, organizer, connect, make_user
):
    ferla = make_user(Role.DELEGATE, administration="ferla")
    make_user(Role.DELEGATE, administration="aprilia")  # registered, silent
    say(connect, ferla, "hello-from-ferla", room="funding")
    page = client.get("/organizer").get_data(as_text=True)
    assert 'role="img"' in page and "<title" in page  # the charts
    assert "People online per room" in page
    missing = page[page.index("No delegate registered yet") :]
    assert "Montechiarugolo" in missing and "Ferla" not in missing.split("Registered but")[0]
    silent = page[page.index("Registered but not written yet") :].split("no practice published")[0]
    assert "Aprilia" in silent and "Ferla" not in silent


def test_the_figures_refresh_from_their_own_address(client, organizer):
    fragment = client.get("/organizer/figures").get_data(as_text=True)
    assert fragment.lstrip().startswith("<div") or 'id="figures"' in fragment
    assert "<html" not in fragment


def test_csv_exports(client, organizer, connect, make_user):
    say(connect, make_user(Role.DELEGATE, administration="ferla"), "counted", room="funding")
    rooms = list(
        csv.DictReader(
            io.StringIO(client.get("/organizer/export/rooms.csv").get_data(as_text=True))
        )
    )
    funding = next(row for row in rooms if row["room"] == "funding")
    assert funding["messages_last_24h"] == "1" and funding["online_now"] == "1"
    hours = list(
        csv.reader(io.StringIO(client.get("/organizer/export/hours.csv").get_data(as_text=True)))
    )
    assert len(hours) == 25 and hours[0][0] == "hour_utc"
    assert sum(int(value) for row in hours[1:] for value in row[1:]) == 1
    administrations = list(
        csv.DictReader(
            io.StringIO(client.get("/organizer/export/administrations.csv").get_data(as_text=True))
        )
    )
    ferla = next(row for row in administrations if row["administration"] == "ferla")
    assert ferla["delegates"] == "1" and ferla["messages"] == "1" and ferla["country"] == "Italy"
    assert client.get("/organizer/export/secrets.csv").status_code == 404


def test_charts_escape_their_labels_and_scale_to_the_largest_value():
    svg = str(bar_chart("Rooms", [("<script>", 2), ("Funding", 4)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'width="1.0"' not in svg  # both bars drawn
    empty = str(column_chart("Hours", []))
    assert empty.startswith("<svg") and "Hours" in empty


def test_the_dashboard_counts_the_library_by_theme_and_country(client, organizer, make_user, write):
    ferla = make_user(Role.DELEGATE, administration="ferla")
    aprilia = make_user(Role.DELEGATE, administration="aprilia")
    make_user(Role.DELEGATE, administration="montechiarugolo")  # registered, nothing published
    write(ferla, published=True, title="Solar roofs")
    write(ferla, published=True, title="Bike lanes", theme="sustainable-mobility")
    write(aprilia, published=True, title="Energy community", theme="energy-communities")
    write(aprilia, submitted=True, title="Still in review")
    page = client.get("/organizer").get_data(as_text=True)
    assert "Published practices per theme" in page and "Published practices per country" in page
    library = page[page.index("The library of best practices") :]
    assert '>3</span> <span class="tile-label">published practices' in page
    assert '>1</span> <span class="tile-label">practices waiting for review' in page
    assert '<th scope="row">Italy</th><td>3</td>' in library
    unpublished = page[page.index("Registered but no practice published yet") :]
    assert "Montechiarugolo" in unpublished and "Ferla" not in unpublished

    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/organizer/export/practices.csv").get_data(as_text=True))
        )
    )
    counts = {(row["by"], row["key"]): int(row["published_practices"]) for row in rows}
    assert counts[("theme", "renewable-energy")] == 1
    assert counts[("theme", "sustainable-mobility")] == 1
    assert counts[("theme", "funding")] == 0
    assert counts[("country", "IT")] == 3
    administrations = client.get("/organizer/export/administrations.csv").get_data(as_text=True)
    ferla_row = next(
        r for r in csv.DictReader(io.StringIO(administrations)) if r["name"] == "Ferla"
    )
    assert ferla_row["practices"] == "2"


@pytest.mark.parametrize("table", ["rooms", "hours", "administrations", "practices"])
def test_every_dashboard_export_is_safe_to_open_in_a_spreadsheet(
    app, client, organizer, make_user, write, table
):
    hostile = "Ferla;=cmd|' /C calc'!A0"
    with app.app_context():
        db.session.scalars(sa.select(Administration).filter_by(slug="ferla")).one().name = hostile
        room = db.session.scalars(sa.select(Room).filter_by(slug="renewable-energy")).one()
        room.names = {language: "@SUM(1+1)*cmd" for language in room.names}
        db.session.commit()
    write(make_user(Role.DELEGATE, administration="ferla"), published=True, title="Solar roofs")
    export = client.get(f"/organizer/export/{table}.csv").get_data(as_text=True)
    rows = assert_safe_for_spreadsheets(export)
    assert len(rows) > 1


def test_the_dashboard_counts_the_directory_and_invitations_by_email(
    app, client, organizer, make_user
):
    with app.app_context():
        elena = db.session.get(User, make_user(Role.DELEGATE).id)
        people.update_profile(elena, listed=True, languages=[], topics=[], bio="")
        boss = db.session.get(User, organizer.id)
        invite_by_email(boss, get_administration("ferla"), "a@example.org\nb@example.org")
    page = client.get("/organizer/figures").get_data(as_text=True)
    assert (
        '<span class="tile-value">1</span> <span class="tile-label">people in the directory' in page
    )
    assert '<span class="tile-value">0 / 2</span> <span class="tile-label">invited by email' in page


def test_the_dashboard_counts_questions_and_votes_never_their_words(
    client, organizer, connect, make_user
):
    asker = connect(make_user(Role.ATTENDEE))
    voter = connect(make_user(Role.DELEGATE))
    ack = asker.emit(
        "question_ask",
        {"room": "funding", "body": "A secret worry about tenders", "client_id": "q-1"},
        callback=True,
    )
    assert voter.emit("question_vote", {"question_id": ack["question"]["id"]}, callback=True)["ok"]
    figures = client.get("/organizer/figures").get_data(as_text=True)
    tile = figures[figures.index("questions asked") - 80 : figures.index("votes for questions")]
    assert '<span class="tile-value">1</span>' in tile
    assert "A secret worry" not in figures


def test_polls_are_counted_and_closed_ones_exported_without_voters(
    client, organizer, connect, make_user
):
    moderator = make_user(Role.MODERATOR, name="Giulia")
    voters = [make_user(Role.ATTENDEE, name=f"Voter {n}") for n in range(3)]
    opener = connect(moderator)
    polls = {}
    for key, anonymous in (("named", False), ("secret", True), ("open", False)):
        ack = opener.emit(
            "poll_open",
            {
                "room": "plenary",
                "question": f'=HYPERLINK("x") {key}?',
                "options": ["Yes", "No"],
                "anonymous": anonymous,
                "client_id": key,
            },
            callback=True,
        )
        polls[key] = ack["poll"]
    for voter in voters:
        connection = connect(voter)
        for poll in polls.values():
            yes = poll["options"][0]["id"]
            ack = connection.emit(
                "poll_vote", {"poll_id": poll["id"], "option_ids": [yes]}, callback=True
            )
            assert ack["ok"], ack
    for key in ("named", "secret"):
        assert opener.emit("poll_close", {"poll_id": polls[key]["id"]}, callback=True)["ok"]
    figures = client.get("/organizer/figures").get_data(as_text=True)
    tile = figures[figures.index("polls opened") - 80 : figures.index("ballots in polls")]
    assert '<span class="tile-value">3</span>' in tile
    assert '<span class="tile-value">9</span>' in figures[figures.index("ballots in polls") - 80 :]
    response = client.get("/organizer/export/polls.csv")
    text = response.get_data(as_text=True)
    assert_safe_for_spreadsheets(text)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["poll", "room", "question", "closed_at", "anonymous", "option", "votes"]
    assert [(row[4], row[5], row[6]) for row in rows[1:]] == [
        ("no", "Yes", "3"),
        ("no", "No", "0"),
        ("yes", "Yes", "3"),
        ("yes", "No", "0"),
    ]
    assert "open?" not in text  # only closed polls
    assert "Voter" not in text and "Giulia" not in text


def test_the_dashboard_counts_conversations_and_their_messages_never_who_or_what(
    client, organizer, make_user
):
    elena = make_user(Role.DELEGATE, name="Elena")
    peers = [make_user(Role.DELEGATE, name=f"Peer {n}") for n in range(2)]
    with client.application.app_context():
        for peer in peers:
            db.session.get(User, peer.id).listed = True
        db.session.commit()
        writer = db.session.get(User, elena.id)
        for n, peer in enumerate(peers):
            conversation, _created = start_conversation(writer, [peer.id])
            for k in range(n + 2):
                post_message(conversation, writer, f"Between us only {n}-{k}", f"dm-{n}-{k}")
    figures = client.get("/organizer/figures").get_data(as_text=True)
    started = figures[figures.index("conversations started") - 80 :]
    assert '<span class="tile-value">2</span>' in started[:120]
    written = figures[figures.index("direct messages") - 80 :]
    assert '<span class="tile-value">5</span>' in written[:120]
    assert "Between us only" not in figures
    assert "Peer 0" not in figures
    # The rooms' message count stays the rooms'.
    rooms_tile = figures[: figures.index('<span class="tile-label">messages</span>')]
    assert rooms_tile.endswith('<span class="tile-value">0</span> ')
