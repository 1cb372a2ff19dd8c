"""Q&A against the real server process (python wsgi.py under eventlet) and real clients."""

import datetime as dt

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


def test_a_speaker_answers_live_in_their_session_and_is_refused_outside_it(
    app, live_server, make_user
):
    from exchange.agenda.models import AgendaSession
    from exchange.db import utcnow
    from exchange.event.services import get_room
    from exchange.extensions import db

    klaus = make_user(Role.DELEGATE, email="klaus@example.de")
    anna = make_user(Role.ATTENDEE, email="anna@example.org")
    start = utcnow()
    with app.app_context():
        for slug, room, begins in (
            ("live-talk", "renewable-energy", start - dt.timedelta(minutes=10)),
            ("earlier-talk", "funding", start - dt.timedelta(hours=3)),
        ):
            where = get_room(room)
            db.session.add(
                AgendaSession(
                    event_id=where.event_id,
                    slug=slug,
                    titles={"en": slug},
                    starts_at=begins,
                    ends_at=begins + dt.timedelta(hours=1),
                    room=where,
                    speakers=[{"name": "Klaus", "administration": "", "email": klaus.email}],
                )
            )
        db.session.commit()
    asker = connect(live_server, anna)
    speaker = connect(live_server, klaus)
    ids = {}
    for room in ("renewable-energy", "funding"):
        ack = asker.call(
            "question_ask",
            {"room": room, "body": f"A question to {room}", "client_id": f"speaker-{room}"},
            timeout=10,
        )
        assert ack["ok"], ack
        ids[room] = ack["question"]["id"]
    pinned = speaker.call(
        "question_moderate", {"question_id": ids["renewable-energy"], "action": "pin"}, timeout=10
    )
    assert pinned["ok"] and pinned["question"]["pinned"], pinned
    answered = speaker.call(
        "question_moderate",
        {"question_id": ids["renewable-energy"], "action": "answer"},
        timeout=10,
    )
    assert answered["ok"] and answered["question"]["answered"], answered
    assert asker.wait_for(lambda: any(q.get("answered") for q in asker.events("question_updated")))
    for payload in (
        {"question_id": ids["funding"], "action": "answer"},  # their session there is over
        {"question_id": ids["renewable-energy"], "action": "hide", "reason": "Off topic"},
    ):
        refused = speaker.call("question_moderate", payload, timeout=10)
        assert refused["ok"] is False and refused["error"]["code"] == "forbidden", refused
    for client in (asker, speaker):
        client.disconnect()
