"""Q&A against the real server process (python wsgi.py under eventlet) and real clients."""

import pytest

from exchange.accounts.models import Role

from ..conftest import PASSWORD

pytestmark = pytest.mark.live


def connect(live_server, person, room="renewable-energy"):
    client = live_server.socket(live_server.login(person.email, PASSWORD))
    assert client.call("join", {"room": room}, timeout=10)["ok"]
    return client


def test_a_question_is_asked_voted_and_answered_live(live_server, make_user):
    people = {
        "anna": make_user(Role.ATTENDEE, email="anna@example.org"),
        "elena": make_user(Role.DELEGATE, email="elena@example.org", administration="ferla"),
        "marco": make_user(Role.DELEGATE, email="marco@example.org"),
        "mod": make_user(Role.MODERATOR, email="mod@example.org"),
    }
    clients = {name: connect(live_server, person) for name, person in people.items()}
    ack = clients["anna"].call(
        "question_ask",
        {"room": "renewable-energy", "body": "Who paid for it?", "client_id": "live-1"},
        timeout=10,
    )
    assert ack["ok"], ack
    question_id = ack["question"]["id"]
    watcher = clients["mod"]
    assert watcher.wait_for(lambda: any(q["id"] == question_id for q in watcher.events("question")))
    for voter in ("elena", "marco"):
        assert clients[voter].call("question_vote", {"question_id": question_id}, timeout=10)["ok"]
    assert watcher.wait_for(
        lambda: any(q.get("votes") == 2 for q in watcher.events("question_updated"))
    )
    answered = clients["mod"].call(
        "question_moderate", {"question_id": question_id, "action": "answer"}, timeout=10
    )
    assert answered["ok"] and answered["question"]["answered"]
    anna_client = clients["anna"]
    assert anna_client.wait_for(
        lambda: any(q.get("answered") for q in anna_client.events("question_updated"))
    )
    for client in clients.values():
        client.disconnect()
