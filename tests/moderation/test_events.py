"""Moderation over Socket.IO: open clients learn about hides, restores, reports and slow mode."""

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.extensions import db
from exchange.moderation import services
from exchange.rooms import services as rooms

from ..rooms.test_events import events_named


@pytest.fixture
def people(make_user):
    return {
        "author": make_user(Role.DELEGATE, name="Author"),
        "reader": make_user(Role.DELEGATE, name="Reader", administration="ferla"),
        "moderator": make_user(Role.MODERATOR, name="Moderator"),
        "organizer": make_user(Role.ORGANIZER, name="Organizer"),
    }


@pytest.fixture
def cast(connect, people):
    """Connections of an author, a reader, a moderator and an organizer, all in the plenary."""
    connections = {}
    for key, person in people.items():
        connections[key] = connect(person)
        assert connections[key].emit("join", {"room": "plenary"}, callback=True)["ok"]
        connections[key].get_received()
    return connections


def user(person):
    return db.session.get(User, person.id)


def say(connection, body):
    ack = connection.emit(
        "send", {"room": "plenary", "body": body, "client_id": body}, callback=True
    )
    assert ack["ok"], ack
    return ack["message"]


def test_a_hidden_message_vanishes_for_readers_and_greys_out_for_moderators(cast):
    message = say(cast["author"], "not-nice")
    for connection in cast.values():
        connection.get_received()
    ack = cast["moderator"].emit(
        "hide", {"message_id": message["id"], "reason": "Be kind"}, callback=True
    )
    assert ack["ok"] is True
    assert ack["message"]["hidden"]["reason"] == "Be kind"
    assert ack["message"]["hidden"]["by"]["name"] == "Moderator"

    [for_reader] = events_named(cast["reader"], "message_hidden")
    assert set(for_reader) == {"id", "room", "change"}  # no reason for everyone
    assert for_reader["id"] == message["id"]
    [for_organizer] = events_named(cast["organizer"], "message_hidden")
    assert for_organizer["message"]["hidden"]["reason"] == "Be kind"
    [notice] = events_named(cast["author"], "notice")
    assert notice["kind"] == "message_hidden" and notice["data"]["reason"] == "Be kind"

    reader_history = cast["reader"].emit("join", {"room": "plenary"}, callback=True)["messages"]
    assert reader_history == []
    staff_history = cast["organizer"].emit("join", {"room": "plenary"}, callback=True)["messages"]
    assert staff_history[0]["hidden"]["reason"] == "Be kind"
    assert staff_history[0]["hidden"]["by"]["name"] == "Moderator"  # loaded with the page


def test_restoring_puts_it_back_for_everyone(cast):
    message = say(cast["author"], "borderline")
    cast["moderator"].emit(
        "hide", {"message_id": message["id"], "reason": "checking"}, callback=True
    )
    cast["reader"].get_received()
    ack = cast["moderator"].emit("restore", {"message_id": message["id"]}, callback=True)
    assert ack["ok"] and ack["message"]["hidden"] is None
    [restored] = events_named(cast["reader"], "message_restored")
    assert restored["message"]["body"] == "borderline"
    assert "hidden" not in restored["message"]


def test_a_reconnecting_client_learns_what_was_hidden_and_restored_meanwhile(
    cast, connect, make_user
):
    first = say(cast["author"], "first")
    second = say(cast["author"], "second")
    latecomer = connect(make_user(Role.ATTENDEE))
    ack = latecomer.emit("join", {"room": "plenary"}, callback=True)
    cursor, last_id = ack["last_change"], ack["messages"][-1]["id"]
    latecomer.disconnect()

    cast["moderator"].emit("hide", {"message_id": first["id"], "reason": "a"}, callback=True)
    cast["moderator"].emit("hide", {"message_id": second["id"], "reason": "b"}, callback=True)
    cast["moderator"].emit("restore", {"message_id": second["id"]}, callback=True)

    back = connect(make_user(Role.ATTENDEE))
    ack = back.emit(
        "join", {"room": "plenary", "after": last_id, "changes_after": cursor}, callback=True
    )
    changes = {change["id"]: change for change in ack["changes"]}
    assert changes[first["id"]]["hidden"] is True and "message" not in changes[first["id"]]
    assert changes[second["id"]]["hidden"] is False
    assert changes[second["id"]]["message"]["body"] == "second"
    assert ack["last_change"] > cursor


def test_an_author_deletes_their_own_message_without_a_reason(cast):
    message = say(cast["author"], "typo")
    ack = cast["author"].emit("hide", {"message_id": message["id"]}, callback=True)
    assert ack["ok"] is True and "hidden" not in ack["message"]
    assert events_named(cast["reader"], "message_hidden")[0]["id"] == message["id"]


def test_nobody_else_may_hide_a_delegates_message(cast):
    message = say(cast["author"], "mine")
    ack = cast["reader"].emit(
        "hide", {"message_id": message["id"], "reason": "nope"}, callback=True
    )
    assert ack["error"]["code"] == "forbidden"


def test_a_report_reaches_the_moderators_live(cast):
    message = say(cast["author"], "suspicious")
    ack = cast["reader"].emit(
        "report", {"message_id": message["id"], "reason": "looks like spam"}, callback=True
    )
    assert ack["ok"] is True and ack["report"]["reason"] == "looks like spam"
    assert "reporter" not in ack["report"]
    [report] = events_named(cast["moderator"], "report_created")
    assert report["reason"] == "looks like spam"
    assert report["message"]["id"] == message["id"]
    assert events_named(cast["organizer"], "report_created")
    assert events_named(cast["author"], "report_created") == []


def test_a_muted_delegate_is_told_until_when(cast, people, app):
    with app.app_context():
        services.mute(user(people["author"]), user(people["moderator"]), 10, "Calm down")
    ack = cast["author"].emit(
        "send", {"room": "plenary", "body": "hey", "client_id": "m1"}, callback=True
    )
    assert ack["error"]["code"] == "muted"
    assert ack["error"]["until"].endswith("Z")
    # The words give no time: the client writes `until` in its reader's zone and language.
    assert ack["error"]["message"] == "A moderator muted you for a while. Reason: Calm down"
    assert events_named(cast["author"], "notice")[0]["kind"] == "muted"


def test_slow_mode_is_announced_and_enforced(cast):
    ack = cast["moderator"].emit("set_slow_mode", {"room": "plenary", "seconds": 30}, callback=True)
    assert ack == {"ok": True, "room": {"slug": "plenary", "slow_mode_seconds": 30}}
    [update] = events_named(cast["reader"], "room_updated")
    assert update == {"room": {"slug": "plenary", "slow_mode_seconds": 30}}
    say(cast["reader"], "one")
    refused = cast["reader"].emit(
        "send", {"room": "plenary", "body": "two", "client_id": "two"}, callback=True
    )
    assert refused["error"]["code"] == "rate_limited"
    assert "slow mode" in refused["error"]["message"]


def test_a_ban_closes_the_sockets_of_the_banned(cast, people, app):
    with app.app_context():
        services.ban(user(people["author"]), user(people["moderator"]), "Enough")
    assert not cast["author"].is_connected()
    assert cast["reader"].is_connected()


def counts_told(connection):
    return [event["count"] for event in events_named(connection, "report_count")]


def test_staff_hear_the_open_report_count_when_a_report_is_filed_and_others_do_not(cast):
    message = say(cast["author"], "dubious")
    for connection in cast.values():
        connection.get_received()

    ack = cast["reader"].emit(
        "report", {"message_id": message["id"], "reason": "spam?"}, callback=True
    )
    again = cast["reader"].emit(
        "report", {"message_id": message["id"], "reason": "spam?"}, callback=True
    )

    assert ack["ok"] and again["ok"]
    assert counts_told(cast["moderator"]) == [1]  # reporting again changes nothing
    assert counts_told(cast["organizer"]) == [1]
    assert counts_told(cast["reader"]) == [] and counts_told(cast["author"]) == []


def test_the_count_drops_when_reports_are_dismissed_or_settled_by_hiding(app, cast, people):
    kept = say(cast["author"], "kept")
    hidden = say(cast["author"], "hidden")
    for message in (kept, hidden):
        cast["reader"].emit("report", {"message_id": message["id"], "reason": "?"}, callback=True)
    for connection in cast.values():
        connection.get_received()

    cast["moderator"].emit("hide", {"message_id": hidden["id"], "reason": "Spam"}, callback=True)
    assert counts_told(cast["organizer"]) == [1]
    with app.app_context():
        services.dismiss_reports(rooms.get_message(kept["id"]), user(people["moderator"]))
    assert counts_told(cast["organizer"]) == [0]
    assert counts_told(cast["moderator"]) == [1, 0]
    assert counts_told(cast["reader"]) == []


def test_hiding_an_unreported_message_tells_no_count(cast):
    message = say(cast["author"], "plain")
    for connection in cast.values():
        connection.get_received()
    cast["moderator"].emit("hide", {"message_id": message["id"], "reason": "Spam"}, callback=True)
    assert counts_told(cast["moderator"]) == []


def test_staff_hear_the_open_report_count_as_they_connect_and_after_reconnecting(connect, people):
    author, reader = connect(people["author"]), connect(people["reader"])
    moderator, organizer = connect(people["moderator"]), connect(people["organizer"])
    assert counts_told(moderator) == [0] and counts_told(organizer) == [0]
    assert counts_told(author) == [] and counts_told(reader) == []

    # Offline while a report is filed: the count comes with the next connection.
    moderator.disconnect()
    message = say(author, "dubious")
    reader.emit("report", {"message_id": message["id"], "reason": "spam?"}, callback=True)
    moderator.connect()
    assert counts_told(moderator) == [1]
    reader.disconnect()
    reader.connect()
    assert counts_told(reader) == []
