"""What the HTML validators check on our pages: time values, unique ids, selects, descriptions."""

import re
from collections import Counter

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.extensions import db
from exchange.rooms import services as rooms

#: HTML's valid date, or global date and time string with at most milliseconds.
TIME_VALUE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$"
)


@pytest.fixture
def busy(app, client, login, make_user, write):
    """An organizer signed in, a message in the plenary, a published practice."""
    organizer = login(client, make_user(Role.ORGANIZER))
    author = make_user(Role.DELEGATE)
    with app.app_context():
        rooms.post_message(rooms.get_room("plenary"), db.session.get(User, author.id), "hi", "c-1")
    practice = write(author, published=True)
    return organizer, practice


def pages(practice):
    return [
        "/",
        "/rooms/plenary",
        "/moderation/log",
        "/organizer",
        "/account",
        "/invitations",
        "/practices",
        f"/practices/{practice.id}-{practice.slug}",
        f"/practices/{practice.id}/revisions",
    ]


def test_time_values_carry_at_most_milliseconds(client, busy):
    _, practice = busy
    found = []
    for url in pages(practice):
        html = client.get(url).get_data(as_text=True)
        found += [(url, value) for value in re.findall(r'<time[^>]*datetime="([^"]*)"', html)]
    assert len({url for url, _ in found}) >= 4  # room, log, practice, revisions...
    assert [item for item in found if not TIME_VALUE.match(item[1])] == []


def test_no_page_repeats_an_id(client, busy):
    _, practice = busy
    for url in pages(practice):
        html = client.get(url).get_data(as_text=True)
        repeated = [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]
        assert repeated == [], url


def test_the_administration_of_an_invitation_starts_unchosen(client, busy):
    html = client.get("/invitations").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="administration"[^>]*>(.*?)</select>', html, re.S)
    first = re.search(r"<option([^>]*)>([^<]*)</option>", select.group(1))
    assert 'value=""' in first.group(1) and first.group(2).strip()  # empty value, a label
    assert "selected" not in select.group(1).split("</option>", 1)[1].split("<option")[0]
    assert "required" in select.group(0).split(">", 1)[0]


def test_every_page_has_a_description(app, client, busy):
    _, practice = busy
    visitor = app.test_client()
    seen = [(client, url) for url in pages(practice)] + [
        (visitor, url) for url in ("/login", "/register", "/privacy", "/accessibility", "/nowhere")
    ]
    for reader, url in seen:
        html = reader.get(url).get_data(as_text=True)
        descriptions = re.findall(r'<meta name="description" content="([^"]*)"', html)
        assert len(descriptions) == 1 and len(descriptions[0]) > 20, url
    for url in pages(practice):
        assert client.get(url).status_code == 200, url
    show = client.get(f"/practices/{practice.id}-{practice.slug}").get_data(as_text=True)
    assert f'<meta name="description" content="{practice.summary[:40]}' in show
