"""Polls against the real server process (python wsgi.py under eventlet) and real clients."""

import pytest

from exchange.accounts.models import Role

from ..conftest import PASSWORD

pytestmark = pytest.mark.live


def connect(live_server, person, room="renewable-energy"):
    client = live_server.socket(live_server.login(person.email, PASSWORD))
    assert client.call("join", {"room": room}, timeout=10)["ok"]
    return client


def test_a_poll_is_opened_voted_and_closed_live(live_server, make_user):
    people = {
        "mod": make_user(Role.MODERATOR, email="mod@example.org"),
        "anna": make_user(Role.ATTENDEE, email="anna@example.org"),
        "elena": make_user(Role.DELEGATE, email="elena@example.org", administration="ferla"),
        "marco": make_user(Role.DELEGATE, email="marco@example.org"),
    }
    clients = {name: connect(live_server, person) for name, person in people.items()}
    ack = clients["mod"].call(
        "poll_open",
        {
            "room": "renewable-energy",
            "question": "Which day?",
            "options": ["Monday", "Tuesday"],
            "multiple": False,
            "anonymous": True,
            "closes_at": None,
            "client_id": "live-1",
        },
        timeout=10,
    )
    assert ack["ok"], ack
    poll = ack["poll"]
    watcher = clients["anna"]
    assert watcher.wait_for(lambda: any(p["id"] == poll["id"] for p in watcher.events("poll")))
    monday, tuesday = (option["id"] for option in poll["options"])
    for voter, choice in (("elena", monday), ("marco", tuesday), ("anna", monday)):
        answer = clients[voter].call(
            "poll_vote", {"poll_id": poll["id"], "option_ids": [choice]}, timeout=10
        )
        assert answer["ok"], answer
    moderator = clients["mod"]
    assert moderator.wait_for(
        lambda: any(
            [o["votes"] for o in p["options"]] == [2, 1] for p in moderator.events("poll_updated")
        )
    )
    assert all("voters" not in o for p in moderator.events("poll_updated") for o in p["options"])
    closed = moderator.call("poll_close", {"poll_id": poll["id"]}, timeout=10)
    assert closed["ok"] and closed["poll"]["open"] is False
    elena = clients["elena"]
    assert elena.wait_for(lambda: any(not p["open"] for p in elena.events("poll_updated")))
    for client in clients.values():
        client.disconnect()
