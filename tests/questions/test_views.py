"""The questions page: readable and usable without JavaScript, and its JSON API."""

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.questions import services as questions
from exchange.questions.services import Moderation

from ..support.live import csrf_token


@pytest.fixture
def people(make_user):
    return {
        "anna": make_user(Role.ATTENDEE, name="Anna"),
        "elena": make_user(Role.DELEGATE, name="Elena", administration="ferla"),
        "mod": make_user(Role.MODERATOR, name="Mod"),
    }


def asked(app, person, body, room="renewable-energy"):
    with app.app_context():
        return questions.ask(
            get_room(room), db.session.get(User, person.id), body, f"c{abs(hash(body))}"
        ).id


def test_the_questions_page_needs_an_account(client, event):
    response = client.get("/rooms/renewable-energy/questions")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_room_links_to_its_questions(client, login, people):
    login(client, people["anna"])
    page = client.get("/rooms/renewable-energy").get_data(as_text=True)
    assert 'href="/rooms/renewable-energy/questions"' in page


def test_the_page_shows_the_questions_in_order_without_javascript(app, client, login, people):
    first = asked(app, people["anna"], "First question")
    popular = asked(app, people["anna"], "Popular question")
    with app.app_context():
        questions.vote(questions.get_question(popular), db.session.get(User, people["elena"].id))
    login(client, people["elena"])
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    assert page.index("Popular question") < page.index("First question")
    assert f'id="question-{first}"' in page
    assert 'aria-pressed="true"' in page  # Elena's own vote
    by_time = client.get("/rooms/renewable-energy/questions?order=time").get_data(as_text=True)
    assert by_time.index("Popular question") < by_time.index("First question")  # newest first
    assert 'id="question-template"' in page
    assert "Develop into a practice" in page  # a delegate may
    assert "Mark answered" not in page.split('id="question-template"')[0]  # not a moderator


def test_an_attendee_asks_and_votes_with_plain_forms(app, client, login, people):
    login(client, people["anna"])
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "client_id": "plain-1", "body": "Asked without JS"}
    response = client.post("/rooms/renewable-energy/questions", data=form)
    assert response.status_code == 302
    client.post("/rooms/renewable-energy/questions", data=form)  # resubmitted: stored once
    with app.app_context():
        panel = questions.panel(
            get_room("renewable-energy"), db.session.get(User, people["anna"].id)
        )
        assert [q.body for q in panel.questions] == ["Asked without JS"]
        question_id = panel.questions[0].id
    client.post(f"/questions/{question_id}/vote", data={"csrf_token": csrf_token(page)})
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    assert 'aria-pressed="true"' in page


def test_a_moderator_answers_pins_and_hides_with_plain_forms(app, client, login, people):
    question_id = asked(app, people["anna"], "Who paid?")
    login(client, people["mod"])
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    token = csrf_token(page)
    client.post(
        f"/questions/{question_id}/moderate", data={"csrf_token": token, "action": "answer"}
    )
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    item = page[page.index(f'id="question-{question_id}"') :]
    assert "is-answered" in page and "Answered</strong>" in item
    response = client.post(
        f"/questions/{question_id}/moderate", data={"csrf_token": token, "action": "hide"}
    )
    assert "flash-error" in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post(
        f"/questions/{question_id}/moderate",
        data={"csrf_token": token, "action": "hide", "reason": "Asked twice"},
    )
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    assert "Hidden by Mod: Asked twice" in page


def test_a_moderator_writes_and_rewrites_an_answer_with_the_plain_form(app, client, login, people):
    question_id = asked(app, people["anna"], "Who paid?")
    login(client, people["mod"])
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    item = page[page.index(f'id="question-{question_id}"') : page.index('id="question-template"')]
    assert f'<textarea id="answer-{question_id}" name="answer"' in item
    token = csrf_token(page)
    for text in ("The <i>region</i> paid.", "The region and the EU paid."):
        response = client.post(
            f"/questions/{question_id}/moderate",
            data={"csrf_token": token, "action": "answer", "answer": text},
        )
        assert response.status_code == 302
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    item = page[page.index(f'id="question-{question_id}"') : page.index('id="question-template"')]
    shown = item[item.index('class="question-answer"') : item.index('class="question-actions"')]
    assert "The region and the EU paid." in shown and '<span class="answer-author">Mod' in shown
    assert "hidden" not in shown.split(">", 1)[0]
    assert "The <i>region</i>" not in page  # the first answer is replaced, and never raw HTML
    log = client.get("/moderation/log").get_data(as_text=True)
    assert log.count("Question answered") >= 2
    too_long = client.post(
        f"/questions/{question_id}/moderate",
        data={"csrf_token": token, "action": "answer", "answer": "x" * 1001},
    )
    assert "flash-error" in client.get(too_long.headers["Location"]).get_data(as_text=True)


def test_attendees_see_the_answer_but_no_form_to_write_one(app, client, login, people):
    question_id = asked(app, people["anna"], "Who paid?")
    with app.app_context():
        mod = db.session.get(User, people["mod"].id)
        questions.moderate(
            questions.get_question(question_id), mod, Moderation.ANSWER, answer="The region."
        )
    login(client, people["anna"])
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    assert "The region." in page and 'name="answer"' not in page
    data = client.get("/api/rooms/renewable-energy/questions").get_json()
    assert data["questions"][0]["answer"]["author"]["name"] == "Mod"


def test_a_waiting_question_is_in_the_moderation_queue(app, client, login, people):
    question_id = asked(app, people["anna"], "Is it recorded?", room="plenary")
    login(client, people["mod"])
    page = client.get("/moderation").get_data(as_text=True)
    assert "Questions waiting for approval" in page and "Is it recorded?" in page
    client.post(
        f"/questions/{question_id}/moderate",
        data={"csrf_token": csrf_token(page), "action": "approve"},
    )
    assert "Is it recorded?" not in client.get("/moderation").get_data(as_text=True)


def test_a_delegate_develops_a_question_into_a_draft(app, client, login, people):
    question_id = asked(app, people["anna"], "How did the parish join?")
    login(client, people["elena"])
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    response = client.post(
        f"/questions/{question_id}/develop", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")


def test_a_draft_from_an_answered_question_credits_who_answered(app, client, login, people):
    question_id = asked(app, people["anna"], "How did the parish join?")
    with app.app_context():
        mod = db.session.get(User, people["mod"].id)
        questions.moderate(
            questions.get_question(question_id), mod, Moderation.ANSWER, answer="We met the priest."
        )
    login(client, people["elena"])
    page = client.get("/rooms/renewable-energy/questions").get_data(as_text=True)
    response = client.post(
        f"/questions/{question_id}/develop", data={"csrf_token": csrf_token(page)}
    )
    draft = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Developed from a question by Anna in" in draft and "answered by Mod" in draft
    assert "We met the priest." in draft
    assert f"/rooms/renewable-energy/questions#question-{question_id}" in draft


def test_the_api_lists_the_questions_a_reader_sees(app, client, login, people):
    open_id = asked(app, people["anna"], "Open question")
    asked(app, people["anna"], "Waiting question", room="plenary")
    with app.app_context():
        mod = db.session.get(User, people["mod"].id)
        questions.moderate(questions.get_question(open_id), mod, Moderation.PIN)
    login(client, people["elena"])
    data = client.get("/api/rooms/renewable-energy/questions?order=time").get_json()
    assert data["order"] == "time" and data["voted"] == []
    assert [(q["body"], q["pinned"]) for q in data["questions"]] == [("Open question", True)]
    assert client.get("/api/rooms/plenary/questions").get_json()["questions"] == []
    assert client.get("/api/rooms/atlantis/questions").status_code == 404
