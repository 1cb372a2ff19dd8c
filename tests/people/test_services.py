"""The people directory lists those who agreed, filters them, and shows profiles to whom it may."""

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import ExchangeError
from exchange.event.services import get_administration
from exchange.extensions import db
from exchange.people import services


def me(user):
    return db.session.get(User, user.id)


def listed(user, **profile):
    """Agree to be listed, with a profile."""
    return services.update_profile(
        me(user),
        listed=True,
        languages=profile.get("languages", []),
        topics=profile.get("topics", []),
        bio=profile.get("bio", ""),
    )


def names(directory):
    return [person.name for person in directory.people]


def test_nobody_is_listed_until_they_agree(app_ctx, make_user):
    viewer = make_user(Role.ATTENDEE)
    make_user(Role.DELEGATE, name="Elena")
    assert services.directory(me(viewer), services.Filters()).total == 0


def test_the_directory_lists_who_agreed_by_name(app_ctx, make_user):
    viewer = make_user(Role.ATTENDEE)
    for name in ["zoe", "Anna", "Marco"]:
        listed(make_user(Role.DELEGATE, name=name))
    assert names(services.directory(me(viewer), services.Filters())) == ["Anna", "Marco", "zoe"]


def test_filters_narrow_by_name_country_role_language_and_topic(app_ctx, make_user):
    viewer = make_user(Role.ATTENDEE)
    listed(
        make_user(Role.DELEGATE, name="Elena", administration="ferla"),
        languages=["it", "en"],
        topics=["funding"],
    )
    listed(make_user(Role.MODERATOR, name="Marco"), languages=["de"])
    listed(make_user(Role.ATTENDEE, name="Elisa"), languages=["it"], topics=["plenary"])
    cases = {
        services.Filters(text="eli"): ["Elisa"],
        services.Filters(text="%"): [],
        services.Filters(country="it"): ["Elena"],
        services.Filters(role="moderator"): ["Marco"],
        services.Filters(language="it"): ["Elena", "Elisa"],
        services.Filters(topic="funding"): ["Elena"],
        services.Filters(language="it", topic="plenary"): ["Elisa"],
        services.Filters(role="nonsense"): ["Elena", "Elisa", "Marco"],
    }
    for filters, expected in cases.items():
        assert names(services.directory(me(viewer), filters)) == expected, filters


def test_the_directory_comes_in_pages(app, app_ctx, make_user):
    app.config["PEOPLE_PER_PAGE"] = 2
    viewer = make_user(Role.ATTENDEE)
    for number in range(5):
        listed(make_user(Role.DELEGATE, name=f"Person {number}"))
    last = services.directory(me(viewer), services.Filters(), page=3)
    assert (names(last), last.total, last.pages) == (["Person 4"], 5, 3)
    assert services.directory(me(viewer), services.Filters(), page=99).page == 3


def test_an_unlisted_profile_is_not_found_except_for_staff_and_oneself(app_ctx, make_user):
    hidden = make_user(Role.ATTENDEE, name="Quiet")
    for viewer, sees in [
        (make_user(Role.DELEGATE), False),
        (make_user(Role.ATTENDEE), False),
        (hidden, True),
        (make_user(Role.MODERATOR), True),
        (make_user(Role.ORGANIZER), True),
    ]:
        if sees:
            assert services.profile(me(viewer), hidden.id).name == "Quiet"
        else:
            with pytest.raises(ExchangeError) as refused:
                services.profile(me(viewer), hidden.id)
            assert refused.value.code == "not_found"


def test_an_administration_shows_its_listed_delegates_and_counts_the_others(app_ctx, make_user):
    viewer = make_user(Role.ATTENDEE)
    listed(make_user(Role.DELEGATE, name="Elena", administration="ferla"))
    make_user(Role.DELEGATE, name="Salvatore", administration="ferla")
    shown, others = services.delegates_of(me(viewer), get_administration("ferla"))
    assert ([person.name for person in shown], others) == (["Elena"], 1)


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"languages": ["xx"]}, "languages"),
        ({"topics": ["no-such-room"]}, "topics"),
        ({"bio": "x" * 501}, "bio"),
        ({"bio": "nul \x00 byte"}, "bio"),
    ],
)
def test_a_profile_takes_only_what_the_lists_offer(app_ctx, make_user, profile, field):
    person = make_user(Role.DELEGATE)
    with pytest.raises(ExchangeError) as refused:
        listed(person, **profile)
    assert refused.value.details["field"] == field
    assert me(person).listed is False


def test_leaving_the_directory_takes_one_out_of_it(app_ctx, make_user):
    viewer = make_user(Role.ATTENDEE)
    elena = make_user(Role.DELEGATE, name="Elena")
    listed(elena, bio="Energy manager")
    services.update_profile(me(elena), listed=False, languages=[], topics=[], bio="")
    assert services.directory(me(viewer), services.Filters()).total == 0
