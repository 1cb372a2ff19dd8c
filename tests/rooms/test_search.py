"""Chat search: GET /api/messages over every room, ranked, never a hidden message."""

import datetime as dt
import uuid

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.rooms import services as rooms
from exchange.rooms.models import Message


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena", email="elena@example.org")


@pytest.fixture
def salvatore(make_user):
    return make_user(
        Role.DELEGATE, name="Salvatore", email="salvatore@example.org", administration="ferla"
    )


@pytest.fixture
def reader(client, login, make_user):
    login(client, make_user(Role.ATTENDEE, name="Anna"))
    return client


def post(app, author, body, room="plenary"):
    with app.app_context():
        message = rooms.post_message(
            get_room(room), db.session.get(User, author.id), body, uuid.uuid4().hex
        )
        return message.id


def found(client, **params):
    answer = client.get("/api/messages", query_string=params)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_a_search_finds_words_in_every_room_by_prefix_and_without_accents(
    app, reader, elena, salvatore
):
    tender = post(app, elena, "Our tender for the school roofs closed yesterday", "funding")
    energia = post(app, salvatore, "La comunità energetica di Ferla è partita", "plenary")
    post(app, salvatore, "Nothing to see here", "plenary")

    data = found(reader, q="tend roof")
    assert [m["id"] for m in data["messages"]] == [tender]
    assert data["total"] == 1 and data["total_exact"] and not data["has_more"]
    assert data["messages"][0]["room"] == "funding"
    assert [m["id"] for m in found(reader, q="COMUNITA")["messages"]] == [energia]


def test_results_are_ranked_and_can_be_narrowed_by_room_author_and_dates(
    app, reader, elena, salvatore
):
    once = post(app, elena, "solar panels, and a long story about many other things we did")
    often = post(app, salvatore, "solar solar solar", "renewable-energy")
    assert [m["id"] for m in found(reader, q="solar")["messages"]] == [often, once]
    assert [m["id"] for m in found(reader, q="solar", room="plenary")["messages"]] == [once]
    assert [m["id"] for m in found(reader, q="solar", author=elena.id)["messages"]] == [once]
    with app.app_context():
        db.session.get(Message, once).created_at -= dt.timedelta(days=3)
        db.session.commit()
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date().isoformat()
    assert [m["id"] for m in found(reader, q="solar", after=yesterday)["messages"]] == [often]
    assert [m["id"] for m in found(reader, q="solar", before=yesterday)["messages"]] == [once]


def test_a_search_never_returns_a_hidden_message_not_even_to_moderators(
    app, client, login, elena, make_user
):
    moderator = make_user(Role.MODERATOR)
    hidden = post(app, elena, "heat pump offer, withdrawn")
    kept = post(app, elena, "heat pump offer, still valid")
    with app.app_context():
        moderation.hide_message(
            rooms.get_message(hidden), db.session.get(User, moderator.id), "spam"
        )
    for person in (elena, moderator):
        login(client, person)
        assert [m["id"] for m in found(client, q="heat pump")["messages"]] == [kept]


def test_an_edit_changes_what_a_message_is_found_by(app, reader, elena):
    message_id = post(app, elena, "We used biomass")
    with app.app_context():
        rooms.edit_message(
            rooms.get_message(message_id), db.session.get(User, elena.id), "We used geothermal"
        )
    assert found(reader, q="biomass")["messages"] == []
    assert [m["id"] for m in found(reader, q="geothermal")["messages"]] == [message_id]


def test_results_come_in_pages(app, reader, elena):
    ids = [post(app, elena, f"district heating note {n}") for n in range(25)]
    first = found(reader, q="district heating")
    second = found(reader, q="district heating", page=2)
    assert first["total"] == 25 and first["has_more"] and not second["has_more"]
    assert len(first["messages"]) == 20 and len(second["messages"]) == 5
    assert {m["id"] for m in first["messages"] + second["messages"]} == set(ids)


def test_a_search_considers_a_bounded_window_of_matches(app, reader, elena):
    app.config["MESSAGE_SEARCH_WINDOW"] = 3
    for n in range(5):
        post(app, elena, f"biogas plant {n}")
    data = found(reader, q="biogas")
    assert data["total"] == 3 and data["total_exact"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "q"), ({"q": "a"}, "q"), ({"q": '"*:()'}, "q"), ({"q": "x", "before": "soon"}, None)],
)
def test_a_search_without_words_is_invalid(reader, event, params, field):
    answer = reader.get("/api/messages", query_string=params)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "invalid"
    if field:
        assert error["field"] == field


def test_naughty_strings_never_break_a_search(app, reader, elena, naughty_strings):
    post(app, elena, "An ordinary message")
    for text in naughty_strings[:200]:
        if "\x00" in text:
            continue
        answer = reader.get("/api/messages", query_string={"q": text})
        assert answer.status_code in {200, 400}, text


def test_anonymous_people_cannot_search(client, event):
    assert client.get("/api/messages?q=solar").status_code == 401


def test_the_search_page_works_without_javascript(app, reader, elena):
    message_id = post(app, elena, "Our wind turbine tender", "renewable-energy")
    page = reader.get("/rooms/search?q=turbine").get_data(as_text=True)
    assert "1 message" in page and "Our wind turbine tender" in page
    assert f'href="/rooms/renewable-energy#message-{message_id}"' in page
    empty = reader.get("/rooms/search?q=nothingmatches").get_data(as_text=True)
    assert "No message has these words." in empty
    refused = reader.get("/rooms/search?q=a").get_data(as_text=True)
    assert 'aria-invalid="true"' in refused and "at least one word" in refused
    room_page = reader.get("/rooms/plenary").get_data(as_text=True)
    assert 'action="/rooms/search"' in room_page
