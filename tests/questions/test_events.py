"""The Q&A events (docs/protocol.md) through Flask-SocketIO's test client."""

import pytest

from exchange.accounts.models import Role


@pytest.fixture
def people(make_user):
    return {
        "anna": make_user(Role.ATTENDEE, name="Anna"),
        "elena": make_user(Role.DELEGATE, name="Elena", administration="ferla"),
        "marco": make_user(Role.DELEGATE, name="Marco"),
        "mod": make_user(Role.MODERATOR, name="Mod"),
    }


def events_named(connection, name):
    return [p["args"][0] for p in connection.get_received() if p["name"] == name]


def joined(connect, person, room="renewable-energy"):
    connection = connect(person)
    assert connection.emit("join", {"room": room}, callback=True)["ok"]
    connection.get_received()
    return connection


def test_an_attendee_asks_and_the_room_hears_the_question(connect, people):
    anna = joined(connect, people["anna"])
    elena = joined(connect, people["elena"])
    elsewhere = joined(connect, people["marco"], room="funding")
    ack = anna.emit(
        "question_ask",
        {"room": "renewable-energy", "body": "Who paid?", "client_id": "q1"},
        callback=True,
    )
    assert ack["ok"] is True
    question = ack["question"]
    assert question["body"] == "Who paid?" and question["author"]["name"] == "Anna"
    assert (question["votes"], question["approved"], question["answered"]) == (0, True, False)
    assert events_named(elena, "question") == [question]
    assert events_named(elsewhere, "question") == []
    again = anna.emit(
        "question_ask",
        {"room": "renewable-energy", "body": "Who paid?", "client_id": "q1"},
        callback=True,
    )
    assert again["question"]["id"] == question["id"]  # a retry stores nothing new


def test_votes_toggle_and_everyone_hears_the_count(connect, people):
    anna = joined(connect, people["anna"])
    elena = joined(connect, people["elena"])
    marco = joined(connect, people["marco"])
    question = anna.emit(
        "question_ask",
        {"room": "renewable-energy", "body": "Who paid?", "client_id": "q1"},
        callback=True,
    )["question"]
    first = elena.emit("question_vote", {"question_id": question["id"]}, callback=True)
    second = marco.emit("question_vote", {"question_id": question["id"]}, callback=True)
    assert (first["voted"], first["votes"], second["voted"], second["votes"]) == (
        True,
        1,
        True,
        2,
    )
    assert [update["votes"] for update in events_named(anna, "question_updated")] == [1, 2]
    back = elena.emit("question_vote", {"question_id": question["id"]}, callback=True)
    assert (back["voted"], back["votes"]) == (False, 1)


def test_a_moderator_marks_a_question_answered_and_the_room_hears_it(connect, people):
    anna = joined(connect, people["anna"])
    mod = joined(connect, people["mod"])
    question = anna.emit(
        "question_ask",
        {"room": "renewable-energy", "body": "Who paid?", "client_id": "q1"},
        callback=True,
    )["question"]
    ack = mod.emit(
        "question_moderate", {"question_id": question["id"], "action": "answer"}, callback=True
    )
    assert ack["ok"] and ack["question"]["answered"] is True
    assert events_named(anna, "question_updated")[-1]["answered"] is True
    hidden = mod.emit(
        "question_moderate",
        {"question_id": question["id"], "action": "hide", "reason": "Asked twice"},
        callback=True,
    )
    assert hidden["ok"]
    assert events_named(anna, "question_updated")[-1] == {
        "id": question["id"],
        "room": "renewable-energy",
        "hidden": True,
    }


def test_a_written_answer_reaches_the_room_and_unanswering_takes_it_away(connect, people):
    anna = joined(connect, people["anna"])
    mod = joined(connect, people["mod"])
    question = anna.emit(
        "question_ask",
        {"room": "renewable-energy", "body": "Who paid?", "client_id": "q1"},
        callback=True,
    )["question"]
    assert question["answer"] is None
    ack = mod.emit(
        "question_moderate",
        {
            "question_id": question["id"],
            "action": "answer",
            "answer": "See https://example.eu/funds",
        },
        callback=True,
    )
    answer = ack["question"]["answer"]
    assert answer["author"] == {"id": people["mod"].id, "name": "Mod"}
    assert 'href="https://example.eu/funds"' in answer["body_html"]  # linked as a message is
    assert answer["answered_at"].endswith("Z")
    assert ack["question"]["answer_body"] == "See https://example.eu/funds"
    assert events_named(anna, "question_updated")[-1]["answer"] == answer
    mod.emit(
        "question_moderate", {"question_id": question["id"], "action": "unanswer"}, callback=True
    )
    heard = events_named(anna, "question_updated")[-1]
    assert (heard["answered"], heard["answer"], heard["answer_body"]) == (False, None, None)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"question_id": 1, "action": "delete"}, "invalid"),
        ({"question_id": 999999, "action": "answer"}, "not_found"),
        ({"question_id": "x", "action": "answer"}, "invalid"),
        ({"question_id": 1, "action": "answer", "answer": 42}, "invalid"),
        ({"question_id": 1, "action": "answer", "answer": "x" * 1001}, "too_long"),
    ],
)
def test_a_wrong_moderation_is_refused_with_its_code(connect, people, payload, code):
    anna = joined(connect, people["anna"])
    anna.emit(
        "question_ask",
        {"room": "renewable-energy", "body": "Who paid?", "client_id": "q1"},
        callback=True,
    )
    mod = joined(connect, people["mod"])
    ack = mod.emit("question_moderate", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code


def test_a_waiting_question_reaches_its_asker_and_moderators_only(connect, people):
    anna = joined(connect, people["anna"], room="plenary")
    elena = joined(connect, people["elena"], room="plenary")
    mod = connect(people["mod"])  # moderators hear of it wherever they are
    mod.get_received()
    ack = anna.emit(
        "question_ask",
        {"room": "plenary", "body": "Is it recorded?", "client_id": "w1"},
        callback=True,
    )
    assert ack["question"]["approved"] is False
    assert events_named(elena, "question") == []
    assert [q["id"] for q in events_named(mod, "question")] == [ack["question"]["id"]]
    assert [q["id"] for q in events_named(anna, "question")] == [ack["question"]["id"]]
    vote = elena.emit("question_vote", {"question_id": ack["question"]["id"]}, callback=True)
    assert vote["error"]["code"] == "not_found"  # others are not told it exists
    mod.emit(
        "question_moderate",
        {"question_id": ack["question"]["id"], "action": "approve"},
        callback=True,
    )
    assert events_named(elena, "question_updated")[-1]["approved"] is True


def test_asking_too_fast_is_flood_controlled(app, connect, people):
    app.config["RATE_LIMITS"]["question_ask"] = "2/60s"
    anna = joined(connect, people["anna"])
    codes = []
    for number in range(3):
        ack = anna.emit(
            "question_ask",
            {"room": "renewable-energy", "body": f"Q{number}", "client_id": f"f{number}"},
            callback=True,
        )
        codes.append(ack["error"]["code"] if not ack["ok"] else "ok")
    assert codes == ["ok", "ok", "rate_limited"]
