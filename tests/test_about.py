"""Statements about the exchange: privacy and accessibility, with the feedback form."""

from exchange.about.services import open_feedback

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
