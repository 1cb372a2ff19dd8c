"""Statements about the exchange: privacy and accessibility, with the feedback form."""

from exchange.about.models import AccessibilityFeedback
from exchange.about.services import open_feedback
from exchange.accounts.models import Role
from exchange.extensions import db

from .support.live import csrf_token


def send(client, **form):
    token = csrf_token(client.get("/accessibility").get_data(as_text=True))
    return client.post("/accessibility", data={"csrf_token": token, **form})


def test_the_statement_says_how_compliant_and_how_to_complain(client, event):
    page = client.get("/accessibility").get_data(as_text=True)
    assert "partially compliant with WCAG 2.1 level AA" in page
    assert "EN 301 549" in page and "AgID" in page
    assert 'href="/accessibility"' in client.get("/").get_data(as_text=True)


def test_feedback_is_recorded_for_the_organizers(app, client, event):
    response = send(client, message="The chat log is too fast for me.", page="/rooms/plenary")
    assert response.status_code == 302
    with app.app_context():
        [feedback] = open_feedback()
    assert feedback.page == "/rooms/plenary"


def test_empty_feedback_is_explained(client, event):
    response = send(client, message="   ")
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True) or (
        "Tell us what did not work" in response.get_data(as_text=True)
    )


def test_feedback_from_one_address_is_limited(app, client, event):
    app.config["RATE_LIMITS"]["feedback_address"] = "2/3600s"
    statuses = [send(client, message=f"note {n}").status_code for n in range(3)]
    assert statuses == [302, 302, 429]


def answer(client, feedback_id):
    token = csrf_token(client.get("/organizer/accessibility-feedback").get_data(as_text=True))
    return client.post(
        f"/organizer/accessibility-feedback/{feedback_id}/answered", data={"csrf_token": token}
    )


def test_organizers_read_the_feedback_and_mark_it_answered(app, client, login, make_user):
    send(
        client,
        message="The chat is too fast for me.\nCould it pause?",
        name="Ada",
        email="ada@example.org",
        page="/rooms/plenary",
    )
    send(client, message="<script>alert(1)</script> the PDF has no tags")
    with app.app_context():
        first, second = (item.id for item in open_feedback())
    login(client, make_user(Role.ORGANIZER, name="Giulia Bianchi"))
    dashboard = client.get("/organizer").get_data(as_text=True)
    assert 'href="/organizer/accessibility-feedback"' in dashboard
    page = client.get("/organizer/accessibility-feedback").get_data(as_text=True)
    assert "2 messages to answer" in page
    assert "The chat is too fast for me.\nCould it pause?" in page
    assert '<a href="mailto:ada@example.org">ada@example.org</a>' in page
    assert "About the page: /rooms/plenary" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page

    assert answer(client, first).status_code == 302
    assert answer(client, first).status_code == 302  # again: nothing changes
    page = client.get("/organizer/accessibility-feedback").get_data(as_text=True)
    assert "1 message to answer" in page
    answered = page[page.index("Answered recently") :]
    assert "Could it pause?" in answered and "by Giulia Bianchi" in answered
    with app.app_context():
        assert [item.id for item in open_feedback()] == [second]
        stored = db.session.get(AccessibilityFeedback, first)
        assert stored.handled_by.name == "Giulia Bianchi" and stored.handled_at is not None
    assert answer(client, 2**40).status_code == 404


def test_nothing_waiting_is_said_plainly(client, login, make_user):
    login(client, make_user(Role.ORGANIZER))
    page = client.get("/organizer/accessibility-feedback").get_data(as_text=True)
    assert "Nothing is waiting for an answer." in page and "Answered recently" not in page


def test_only_organizers_read_the_feedback(client, login, make_user):
    assert client.get("/organizer/accessibility-feedback").status_code == 302  # sign in
    login(client, make_user(Role.MODERATOR))
    assert client.get("/organizer/accessibility-feedback").status_code == 403
