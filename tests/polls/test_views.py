"""The polls page: readable and usable without JavaScript, and its JSON API."""

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.polls import services as polls
from exchange.polls.services import Draft

from ..support.live import csrf_token

PAGE = "/rooms/renewable-energy/polls"


@pytest.fixture
def people(make_user):
    return {
        "anna": make_user(Role.ATTENDEE, name="Anna"),
        "elena": make_user(Role.DELEGATE, name="Elena", administration="ferla"),
        "mod": make_user(Role.MODERATOR, name="Mod"),
    }


def opened(app, person, question="Which day?", **kwargs):
    with app.app_context():
        poll = polls.open_poll(
            get_room("renewable-energy"),
            db.session.get(User, person.id),
            Draft(question, ["Monday", "Tuesday"], **kwargs),
            f"c{abs(hash(question))}",
        )
        return poll.id, [option.id for option in poll.options]


def test_the_polls_page_needs_an_account(client, event):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_room_links_to_its_polls(client, login, people):
    login(client, people["anna"])
    page = client.get("/rooms/renewable-energy").get_data(as_text=True)
    assert f'href="{PAGE}"' in page


def test_an_attendee_sees_no_opening_form_and_an_empty_page_says_so(client, login, people):
    login(client, people["anna"])
    page = client.get(PAGE).get_data(as_text=True)
    assert 'id="poll-form"' not in page
    assert "No poll is open in this room." in page and "No poll has closed yet." in page


def test_a_moderator_opens_a_poll_with_the_plain_form(app, client, login, people):
    login(client, people["mod"])
    page = client.get(PAGE).get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page),
        "client_id": "plain-1",
        "question": "Which day?",
        "option": ["Monday", "Tuesday", "", ""],
        "multiple": "yes",
        "closes_in": "15",
    }
    assert client.post(PAGE, data=form).status_code == 302
    client.post(PAGE, data=form)  # resubmitted: stored once
    with app.app_context():
        (poll,) = polls.panel(
            get_room("renewable-energy"), db.session.get(User, people["mod"].id)
        ).polls
        assert (poll.question, poll.multiple, poll.anonymous) == ("Which day?", True, False)
        assert [option.label for option in poll.options] == ["Monday", "Tuesday"]
        assert poll.closes_at is not None
    page = client.get(PAGE).get_data(as_text=True)
    assert "The poll is open." in page and "Close the poll" in page


def test_a_refused_poll_says_why_on_the_page(client, login, people):
    login(client, people["mod"])
    page = client.get(PAGE).get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "client_id": "x", "question": "Q?", "option": ["A"]}
    page = client.post(PAGE, data=form, follow_redirects=True).get_data(as_text=True)
    assert "The poll was not opened: Give the poll between 2 and 10 options." in page


def test_an_attendee_votes_with_the_plain_form_and_sees_the_results_in_words(
    app, client, login, people
):
    poll_id, (monday, _tuesday) = opened(app, people["mod"])
    login(client, people["anna"])
    page = client.get(PAGE).get_data(as_text=True)
    token = csrf_token(page)
    assert f'action="/polls/{poll_id}/vote"' in page
    client.post(f"/polls/{poll_id}/vote", data={"csrf_token": token, "option": str(monday)})
    page = client.get(PAGE).get_data(as_text=True)
    item = page[page.index(f'id="poll-{poll_id}"') : page.index('id="poll-template"')]
    assert "Thank you: your vote was counted." in page
    assert "Votes: 1" in item and "100%" in item and "Votes: 0" in item and "0%" in item
    assert "Your choice</strong>" in item and "You voted." in item
    assert "Anna" in item  # a named poll shows its voters
    again = client.post(
        f"/polls/{poll_id}/vote",
        data={"csrf_token": token, "option": str(monday)},
        follow_redirects=True,
    )
    assert "Your vote was not counted: You have already voted in this poll." in again.get_data(
        as_text=True
    )


def test_a_closed_poll_stays_in_the_history_without_a_ballot_form(app, client, login, people):
    poll_id, (monday, _tuesday) = opened(app, people["mod"])
    login(client, people["mod"])
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    client.post(f"/polls/{poll_id}/close", data={"csrf_token": token})
    login(client, people["elena"])
    page = client.get(PAGE).get_data(as_text=True)
    history = page[page.index('id="closed-polls"') : page.index('id="poll-template"')]
    assert f'id="poll-{poll_id}"' in history and "Which day?" in history
    refused = client.post(
        f"/polls/{poll_id}/vote",
        data={"csrf_token": csrf_token(page), "option": str(monday)},
        follow_redirects=True,
    )
    assert "This poll is closed." in refused.get_data(as_text=True)


def test_the_api_lists_the_polls_and_the_readers_choices(app, client, login, people):
    named, (monday, _tuesday) = opened(app, people["mod"])
    secret, (yes, _no) = opened(app, people["mod"], question="Secret?", anonymous=True)
    with app.app_context():
        anna = db.session.get(User, people["anna"].id)
        polls.vote(polls.get_poll(named), anna, [monday])
        polls.vote(polls.get_poll(secret), anna, [yes])
    login(client, people["anna"])
    data = client.get("/api/rooms/renewable-energy/polls").get_json()
    assert [poll["id"] for poll in data["polls"]] == [secret, named]
    assert data["mine"] == {str(named): [monday], str(secret): []}


def test_hostile_questions_and_options_are_shown_as_text(app, client, login, people):
    with app.app_context():
        polls.open_poll(
            get_room("renewable-energy"),
            db.session.get(User, people["mod"].id),
            Draft("<script>alert(1)</script>?", ['<img src=x onerror="alert(2)">', "B"]),
            "hostile",
        )
    login(client, people["anna"])
    page = client.get(PAGE).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;?" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page


def test_an_anonymous_poll_shows_counts_and_never_names(app, client, login, people):
    poll_id, (monday, _tuesday) = opened(app, people["mod"], question="Secret?", anonymous=True)
    login(client, people["anna"])
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    client.post(f"/polls/{poll_id}/vote", data={"csrf_token": token, "option": str(monday)})
    page = client.get(PAGE).get_data(as_text=True)
    item = page[page.index(f'id="poll-{poll_id}"') : page.index('id="poll-template"')]
    assert "Votes: 1" in item and "You voted." in item
    assert "what you chose is not kept with your name" in item
    assert item.count('class="option-mine" hidden') == 2  # the page does not know the choice
    login(client, people["mod"])
    staff_page = client.get(PAGE).get_data(as_text=True)
    staff_item = staff_page[
        staff_page.index(f'id="poll-{poll_id}"') : staff_page.index('id="poll-template"')
    ]
    assert "Anna" not in staff_item and "Votes: 1" in staff_item
