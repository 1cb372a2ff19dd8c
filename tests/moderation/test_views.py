"""The moderators' pages: queue, people, slow mode, log; and notices for the people concerned."""

import re

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services
from exchange.rooms import services as rooms

from ..support.live import csrf_token


@pytest.fixture
def staff(client, login, make_user):
    return login(client, make_user(Role.MODERATOR, name="Marco"))


@pytest.fixture
def author(make_user):
    return make_user(Role.DELEGATE, name="Elena")


def post(app, author, body):
    with app.app_context():
        person = db.session.get(User, author.id)
        return rooms.post_message(get_room("plenary"), person, body, body.replace(" ", "-")).id


def report(app, message_id, reporter, reason):
    with app.app_context():
        services.report_message(
            rooms.get_message(message_id), db.session.get(User, reporter.id), reason
        )


def submit(client, url, page_url, **form):
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **form}, follow_redirects=True)


def test_the_queue_shows_each_reported_message_once_with_every_reason(
    app, client, staff, author, make_user
):
    message_id = post(app, author, "a bad joke")
    report(app, message_id, make_user(Role.ATTENDEE, name="Anna"), "offensive")
    report(app, message_id, make_user(Role.ATTENDEE, name="Piotr"), "not funny")
    page = client.get("/moderation").get_data(as_text=True)
    assert page.count('class="queue-item"') == 1
    assert "2 reports" in page and "offensive" in page and "not funny" in page
    assert "a bad joke" in page


def test_hiding_from_the_queue_closes_it_and_tells_the_author(
    app, client, login, staff, author, make_user
):
    message_id = post(app, author, "spam spam")
    report(app, message_id, make_user(Role.ATTENDEE), "spam")
    page = submit(
        client, f"/moderation/messages/{message_id}/hide", "/moderation", reason="Advertising"
    ).get_data(as_text=True)
    assert "The message is hidden" in page and "No open reports." in page

    author_client = app.test_client()
    login(author_client, author)
    home = author_client.get("/").get_data(as_text=True)
    # The room by its name in the reader's language, not by its address.
    assert "A moderator hid your message “spam spam” in Plenary. Reason: Advertising" in home
    italian = author_client.get("/", headers={"Accept-Language": "it"}).get_data(as_text=True)
    notice = re.search(r'<div class="notice" role="status">\s*<p>(.*?)</p>', italian, re.S)
    assert notice is not None and "“spam spam”" in notice[1]
    assert "Plenaria" in notice[1] and "plenary" not in notice[1]
    notice_page = author_client.get("/").get_data(as_text=True)
    token = csrf_token(notice_page)
    with app.app_context():
        notice_id = services.unread_notices(db.session.get(User, author.id))[0].id
    author_client.post(f"/moderation/notices/{notice_id}/read", data={"csrf_token": token})
    assert "A moderator hid your message" not in author_client.get("/").get_data(as_text=True)


def test_dismissing_keeps_the_message(app, client, staff, author, make_user):
    message_id = post(app, author, "fine really")
    report(app, message_id, make_user(Role.ATTENDEE), "hmm")
    page = submit(client, f"/moderation/messages/{message_id}/dismiss", "/moderation").get_data(
        as_text=True
    )
    assert "The reports are dismissed" in page
    with app.app_context():
        assert not rooms.get_message(message_id).is_hidden


def test_moderators_see_hidden_messages_greyed_with_why_in_the_room(app, client, staff, author):
    message_id = post(app, author, "out of line")
    with app.app_context():
        marco = db.session.get(User, staff.id)
        services.hide_message(rooms.get_message(message_id), marco, "Personal attack")
    page = client.get("/rooms/plenary").get_data(as_text=True)
    assert 'class="message is-hidden"' in page
    words = re.sub(r"<[^>]+>", "", page)
    assert "Hidden by Marco: Personal attack" in words


def test_slow_mode_from_the_page(app, client, staff):
    page = submit(client, "/moderation/rooms/funding/slow-mode", "/moderation", seconds="45")
    assert "Slow mode is now 45 seconds." in page.get_data(as_text=True)
    with app.app_context():
        assert get_room("funding").slow_mode_seconds == 45
    bad = submit(client, "/moderation/rooms/funding/slow-mode", "/moderation", seconds="lots")
    assert "must be a whole number" in bad.get_data(as_text=True)


def test_people_can_be_found_muted_banned_and_given_roles(app, client, login, make_user, author):
    login(client, make_user(Role.ORGANIZER, name="Giulia"))
    page = client.get("/moderation/people?q=elena").get_data(as_text=True)
    assert 'id="person-' in page and "Elena" in page
    assert "Giulia</h2>" not in page and 'name="Giulia' not in page
    assert page.count('class="people-admin"') == 1 and page.count("<article") == 1
    people = "/moderation/people"
    assert "is muted" in submit(
        client, f"{people}/{author.id}/mute", people, minutes="15", reason="Calm down"
    ).get_data(as_text=True)
    assert "Muted until" in client.get("/moderation/people?q=elena").get_data(as_text=True)
    assert "is banned" in submit(
        client, f"{people}/{author.id}/ban", people, reason="Spam"
    ).get_data(as_text=True)
    assert "Banned" in client.get("/moderation/people?q=elena").get_data(as_text=True)
    attendee = make_user(Role.ATTENDEE, name="Volunteer")
    assert "is now: Moderator" in submit(
        client, f"{people}/{attendee.id}/role", people, role="moderator"
    ).get_data(as_text=True)
    refused = submit(client, f"{people}/{attendee.id}/role", people, role="organizer")
    assert "command line only" in refused.get_data(as_text=True)


def test_a_reason_is_required_to_mute(app, client, staff, author):
    page = submit(
        client, f"/moderation/people/{author.id}/mute", "/moderation/people", minutes="5", reason=""
    )
    assert "Give a reason" in page.get_data(as_text=True)


def test_the_log_lists_filters_and_exports(app, client, staff, author):
    people = "/moderation/people"
    submit(client, f"{people}/{author.id}/mute", people, minutes="5", reason="first")
    submit(client, f"{people}/{author.id}/unmute", people)
    page = client.get("/moderation/log").get_data(as_text=True)
    assert "mute" in page and "unmute" in page and "first" in page
    only_unmute = client.get("/moderation/log?action=unmute").get_data(as_text=True)
    assert "first" not in only_unmute
    assert client.get("/moderation/log?since=not-a-date").status_code == 400
    export = client.get("/moderation/log.csv?action=mute")
    assert export.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in export.headers["Content-Disposition"]
    rows = export.get_data(as_text=True).strip().splitlines()
    assert len(rows) == 2 and ',"mute",' in rows[1] and "first" in rows[1]


def test_cli_set_role_makes_a_moderator(app, runner, author):
    result = runner.invoke(args=["set-role", "nobody@example.org", "moderator"])
    assert result.exit_code == 1 and "No account has this email address" in result.output
    with app.app_context():
        email = db.session.get(User, author.id).email
    result = runner.invoke(args=["set-role", email, "moderator", "--reason", "Volunteer"])
    assert result.exit_code == 0, result.output
    assert "is now moderator" in result.output


def test_the_menu_tells_moderators_how_many_reported_things_wait(
    app, client, staff, author, make_user
):
    quiet = client.get("/").get_data(as_text=True)
    assert '<span class="visually-hidden report-count-words"></span>' in quiet
    first = post(app, author, "one long advert")
    second = post(app, author, "another advert")
    for reporter in (make_user(Role.DELEGATE), make_user(Role.DELEGATE)):
        report(app, first, reporter, "spam")
    report(app, second, make_user(Role.DELEGATE), "spam")
    page = client.get("/").get_data(as_text=True)
    assert '<span class="nav-count report-count" aria-hidden="true">2</span>' in page
    assert "(2 open reports)" in page
