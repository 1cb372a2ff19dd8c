"""The privacy notice states the retention periods the settings give."""


def test_the_privacy_notice_states_the_retention_periods(app, client):
    html = client.get("/privacy").get_data(as_text=True)
    assert "Messages in the rooms: 365 days after they were written" in html
    assert "a small group): 90 days after they were written" in html
    assert "Questions to the rooms: 365 days after they were asked" in html
    app.config["RETENTION_ROOM_MESSAGES_DAYS"] = None
    kept = client.get("/privacy").get_data(as_text=True)
    assert "Messages: as part of the record of the event" in kept
    assert "Questions to the rooms and their votes: as long as the messages." in kept


def test_without_a_direct_period_the_notice_promises_no_erasure_of_direct_messages(app, client):
    app.config["RETENTION_DIRECT_MESSAGES_DAYS"] = None
    html = client.get("/privacy").get_data(as_text=True)
    assert "Messages in the rooms: 365 days after they were written" in html
    assert "Direct messages (conversations" not in html
