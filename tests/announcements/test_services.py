"""Announcements: posted in the rooms chosen, as a banner until a time, closed per person."""

import datetime as dt

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.announcements import services
from exchange.announcements.models import Announcement
from exchange.db import utcnow
from exchange.errors import ExchangeError
from exchange.event.services import get_room
from exchange.event.services import list_rooms
from exchange.extensions import db
from exchange.rooms import services as rooms
from exchange.rooms.models import Message


@pytest.fixture
def olga(make_user):
    return make_user(Role.ORGANIZER, name="Olga")


def me(user):
    return db.session.get(User, user.id)


def later(minutes=60):
    return utcnow() + dt.timedelta(minutes=minutes)


def test_an_announcement_is_a_message_in_each_chosen_room(app_ctx, olga):
    chosen = [get_room("plenary"), get_room("funding")]
    announcement = services.publish(me(olga), "Lunch at one.", chosen, None)
    assert announcement.rooms == ["plenary", "funding"]
    for room in chosen:
        last = rooms.history(room).messages[-1]
        assert (last.body, last.author_id) == ("Lunch at one.", olga.id)


def test_every_room_means_every_open_room(app_ctx, olga):
    services.publish(me(olga), "The plenary starts.", list_rooms(), None)
    posted = db.session.scalar(
        sa.select(sa.func.count()).select_from(Message).where(Message.body == "The plenary starts.")
    )
    assert posted == len(list_rooms())


def test_a_banner_alone_posts_in_no_room(app_ctx, olga):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Message))
    announcement = services.publish(me(olga), "Wi-Fi: exchange2026", [], later())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == before
    assert services.banners(None) == [announcement]


@pytest.mark.parametrize(
    ("body", "chosen", "until", "field"),
    [
        ("   ", ["plenary"], None, "body"),
        ("x" * 4001, ["plenary"], None, "body"),
        ("Nowhere", [], None, "rooms"),
        ("Too late", [], -5, "banner_until"),
    ],
)
def test_what_cannot_be_announced_is_refused_with_its_field(
    app_ctx, olga, body, chosen, until, field
):
    with pytest.raises(ExchangeError) as refused:
        services.publish(
            me(olga),
            body,
            [get_room(slug) for slug in chosen],
            later(until) if until is not None else None,
        )
    assert refused.value.details["field"] == field
    assert db.session.scalars(sa.select(Announcement)).first() is None


@pytest.mark.parametrize("role", [Role.ATTENDEE, Role.DELEGATE])
def test_only_moderators_and_organizers_announce(app_ctx, make_user, role):
    with pytest.raises(ExchangeError) as refused:
        services.publish(me(make_user(role)), "Hello all", [get_room("plenary")], later())
    assert refused.value.code == "forbidden"


def test_a_banner_shows_until_its_time(app_ctx, olga):
    shown = services.publish(me(olga), "Coffee break", [], later(30))
    ended = services.publish(me(olga), "Gone soon", [], later(30))
    ended.banner_until = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert services.banners(None) == [shown]


def test_a_dismissed_banner_stays_dismissed_for_that_person_only(app_ctx, olga, make_user):
    elena, marta = make_user(Role.DELEGATE), make_user(Role.ATTENDEE)
    banner = services.publish(me(olga), "Coffee break", [], later())
    services.dismiss(me(elena), banner.id)
    services.dismiss(me(elena), banner.id)  # twice is once
    assert services.banners(me(elena)) == []
    assert services.banners(me(marta)) == [banner]


def test_a_visitor_s_dismissals_come_from_their_browser(app_ctx, olga):
    first = services.publish(me(olga), "One", [], later())
    second = services.publish(me(olga), "Two", [], later())
    assert services.banners(None, [first.id]) == [second]


def test_taking_a_banner_down_ends_it_for_everyone(app_ctx, olga, make_user):
    banner = services.publish(me(olga), "Wrong room!", [], later())
    services.end_banner(me(make_user(Role.MODERATOR)), banner.id)
    assert services.banners(None) == []
    with pytest.raises(ExchangeError) as refused:
        services.end_banner(me(make_user(Role.DELEGATE)), banner.id)
    assert refused.value.code == "forbidden"


def test_banners_carry_sanitized_text(app_ctx, olga):
    banner = services.publish(
        me(olga), "<script>alert(1)</script> see https://example.org", [], later()
    )
    assert "<script>" not in banner.body_html
    assert '<a href="https://example.org"' in banner.body_html
