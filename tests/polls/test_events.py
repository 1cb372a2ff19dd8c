"""The poll events (docs/protocol.md) through Flask-SocketIO's test client."""

import datetime as dt

import pytest

from exchange.accounts.models import Role
from exchange.event.phases import CLOCK
from exchange.polls import services as polls

NOON = dt.datetime(2026, 12, 2, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def people(app, make_user):
    moments = [NOON]
    app.extensions[CLOCK] = lambda: moments[-1]
    return {
        "anna": make_user(Role.ATTENDEE, name="Anna"),
        "elena": make_user(Role.DELEGATE, name="Elena", administration="ferla"),
        "marco": make_user(Role.DELEGATE, name="Marco"),
        "mod": make_user(Role.MODERATOR, name="Mod"),
        "clock": moments,
    }


def events_named(connection, name):
    return [p["args"][0] for p in connection.get_received() if p["name"] == name]


def joined(connect, person, room="renewable-energy"):
    connection = connect(person)
    assert connection.emit("join", {"room": room}, callback=True)["ok"]
    connection.get_received()
    return connection


def opening(**changes):
    payload = {
        "room": "renewable-energy",
        "question": "Which day?",
        "options": ["Monday", "Tuesday", "Wednesday"],
        "multiple": False,
        "anonymous": False,
        "closes_at": None,
        "client_id": "p1",
    }
    return {**payload, **changes}


def test_a_moderator_opens_a_poll_and_the_room_hears_it(connect, people):
    mod = joined(connect, people["mod"])
    anna = joined(connect, people["anna"])
    elsewhere = joined(connect, people["marco"], room="funding")
    ack = mod.emit("poll_open", opening(closes_at="2026-12-02T12:30:00+01:00"), callback=True)
    assert ack["ok"] is True, ack
    poll = ack["poll"]
    assert poll["question"] == "Which day?" and poll["open"] is True
    assert [option["label"] for option in poll["options"]] == ["Monday", "Tuesday", "Wednesday"]
    assert poll["closes_at"] == "2026-12-02T11:30:00.000Z"
    assert (poll["ballots"], poll["multiple"], poll["anonymous"]) == (0, False, False)
    assert events_named(anna, "poll") == [poll]
    assert events_named(elsewhere, "poll") == []
    again = mod.emit("poll_open", opening(), callback=True)
    assert again["poll"]["id"] == poll["id"]  # a retry stores nothing new


def test_two_ballots_update_everyone_and_a_second_ballot_is_refused(connect, people):
    mod = joined(connect, people["mod"])
    anna = joined(connect, people["anna"])
    elena = joined(connect, people["elena"])
    poll = mod.emit("poll_open", opening(), callback=True)["poll"]
    monday, tuesday = poll["options"][0]["id"], poll["options"][1]["id"]
    first = anna.emit("poll_vote", {"poll_id": poll["id"], "option_ids": [monday]}, callback=True)
    assert first["ok"] and first["chosen"] == [monday]
    second = elena.emit(
        "poll_vote", {"poll_id": poll["id"], "option_ids": [tuesday]}, callback=True
    )
    assert second["poll"]["ballots"] == 2
    updates = events_named(mod, "poll_updated")
    assert [[o["votes"] for o in update["options"]] for update in updates] == [
        [1, 0, 0],
        [1, 1, 0],
    ]
    assert [v["name"] for v in updates[-1]["options"][0]["voters"]] == ["Anna"]
    again = anna.emit("poll_vote", {"poll_id": poll["id"], "option_ids": [tuesday]}, callback=True)
    assert again["ok"] is False and again["error"]["code"] == "forbidden"


def test_an_anonymous_polls_events_name_nobody(connect, people):
    mod = joined(connect, people["mod"])
    anna = joined(connect, people["anna"])
    poll = mod.emit("poll_open", opening(anonymous=True), callback=True)["poll"]
    option = poll["options"][0]["id"]
    ack = anna.emit("poll_vote", {"poll_id": poll["id"], "option_ids": [option]}, callback=True)
    assert ack["ok"] and ack["chosen"] == [option]  # told to the voter, in their own ack only
    (update,) = events_named(mod, "poll_updated")
    assert update["options"][0]["votes"] == 1
    assert "voters" not in update["options"][0] and "Anna" not in repr(update)


def test_closing_by_hand_and_in_time_are_heard_by_the_room(app, connect, people):
    mod = joined(connect, people["mod"])
    anna = joined(connect, people["anna"])
    by_hand = mod.emit("poll_open", opening(client_id="a"), callback=True)["poll"]
    timed = mod.emit(
        "poll_open",
        opening(client_id="b", question="Timed?", closes_at="2026-12-02T11:05:00Z"),
        callback=True,
    )["poll"]
    closed = mod.emit("poll_close", {"poll_id": by_hand["id"]}, callback=True)
    assert closed["ok"] and closed["poll"]["open"] is False and closed["poll"]["closed_at"]
    people["clock"].append(NOON + dt.timedelta(minutes=5))
    with app.app_context():
        assert [poll.id for poll in polls.close_due()] == [timed["id"]]
    updates = events_named(anna, "poll_updated")
    assert [(u["id"], u["open"]) for u in updates if u["id"] in (by_hand["id"], timed["id"])] == [
        (by_hand["id"], False),
        (timed["id"], False),
    ]
    late = anna.emit(
        "poll_vote",
        {"poll_id": timed["id"], "option_ids": [timed["options"][0]["id"]]},
        callback=True,
    )
    assert late["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"options": "Monday, Tuesday"}, "options"),
        ({"options": ["Monday", 2]}, "options"),
        ({"options": ["x"] * 11}, "options"),
        ({"multiple": "yes"}, "multiple"),
        ({"anonymous": 1}, "anonymous"),
        ({"closes_at": "tomorrow"}, "closes_at"),
        ({"closes_at": "2026-12-02T10:00:00Z"}, "closes_at"),
        ({"question": 42}, "question"),
        ({"client_id": "no spaces allowed"}, "client_id"),
    ],
)
def test_malformed_polls_are_refused_naming_the_field(connect, people, changes, field):
    mod = joined(connect, people["mod"])
    ack = mod.emit("poll_open", opening(**changes), callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    assert ack["error"]["field"] == field


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"poll_id": 0, "option_ids": [1]}, "invalid"),
        ({"poll_id": 999_999, "option_ids": [1]}, "not_found"),
        ({"poll_id": "1", "option_ids": [1]}, "invalid"),
        ({"option_ids": [1]}, "invalid"),
        ({"poll_id": "own", "option_ids": "1"}, "invalid"),
        ({"poll_id": "own", "option_ids": [True]}, "invalid"),
        ({"poll_id": "own", "option_ids": []}, "invalid"),
    ],
)
def test_malformed_ballots_are_refused(connect, people, payload, code):
    mod = joined(connect, people["mod"])
    poll = mod.emit("poll_open", opening(), callback=True)["poll"]
    if payload.get("poll_id") == "own":
        payload = {**payload, "poll_id": poll["id"]}
    ack = joined(connect, people["anna"]).emit("poll_vote", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code


def test_opening_and_voting_too_fast_are_flood_controlled(app, connect, people):
    app.config["RATE_LIMITS"]["poll_open"] = "2/60s"
    app.config["RATE_LIMITS"]["poll_vote"] = "1/60s"
    mod = joined(connect, people["mod"])
    acks = [mod.emit("poll_open", opening(client_id=f"f{n}"), callback=True) for n in range(3)]
    assert [ack["ok"] or ack["error"]["code"] for ack in acks] == [True, True, "rate_limited"]
    assert acks[2]["error"]["retry_after"] >= 1
    anna = joined(connect, people["anna"])
    ballots = [
        anna.emit(
            "poll_vote",
            {"poll_id": ack["poll"]["id"], "option_ids": [ack["poll"]["options"][0]["id"]]},
            callback=True,
        )
        for ack in acks[:2]
    ]
    assert [ballot["ok"] or ballot["error"]["code"] for ballot in ballots] == [
        True,
        "rate_limited",
    ]
