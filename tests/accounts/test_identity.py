"""The account behind a sign-in token, read on every event without the ORM's cost."""

import pytest
import sqlalchemy as sa

from exchange.accounts import services
from exchange.accounts.identity import identity_cache
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.db import utcnow
from exchange.event.services import get_administration
from exchange.extensions import db


@pytest.fixture
def token(app, make_user):
    with app.app_context():
        user = db.session.get(User, make_user(Role.DELEGATE, name="Ada", administration="ferla").id)
        return services.start_login_session(user).token


def load(app, token):
    """What one request or socket event sees: a fresh application context, a fresh session."""
    with app.app_context():
        user = services.user_for_token(token)
        if user is None:
            return None
        return {
            "id": user.id,
            "name": user.name,
            "role": user.role,
            "administration": user.administration.name if user.administration else None,
            "in_session": user in db.session,
            "login": user.current_login.id,
            "token": user.get_id(),
        }


def change(app, token, **values):
    """Change the account's row as another process would: no object of this one is told."""
    with app.app_context():
        user_id = services.user_for_token(token).id
        db.session.execute(sa.update(User).where(User.id == user_id).values(**values))
        db.session.commit()


def test_an_unchanged_account_is_built_once_and_copied_into_each_session(app, token):
    first, second = load(app, token), load(app, token)
    assert first == second
    assert first["name"] == "Ada" and first["in_session"] and first["token"] == token
    assert first["administration"] == "Ferla"
    cache = app.extensions["exchange.identities"]
    assert (cache.misses, cache.hits) == (1, 1)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"name": "Ada L."}, {"name": "Ada L."}),
        ({"role": Role.ATTENDEE}, {"role": Role.ATTENDEE}),
        ({"administration_id": None, "role": Role.ORGANIZER}, {"administration": None}),
    ],
)
def test_any_change_to_the_account_shows_on_the_next_event(app, token, values, expected):
    load(app, token)
    change(app, token, **values)
    seen = load(app, token)
    assert {key: seen[key] for key in expected} == expected


def test_a_renamed_administration_shows_on_the_next_event(app, token):
    load(app, token)
    with app.app_context():
        get_administration("ferla").name = "Città di Ferla"
        db.session.commit()
    assert load(app, token)["administration"] == "Città di Ferla"


def test_a_ban_or_a_revoked_session_acts_on_the_next_event(app, token, make_user):
    assert load(app, token) is not None
    change(app, token, banned_at=utcnow())
    assert load(app, token) is None

    with app.app_context():
        other = services.start_login_session(
            db.session.get(User, make_user(Role.DELEGATE, administration="ferla").id)
        )
        other_token = other.token
    assert load(app, other_token) is not None
    with app.app_context():
        services.end_login_session(db.session.get(type(other), other.id))
    assert load(app, other_token) is None


def test_a_changed_account_can_be_saved_from_the_copy(app, token):
    """The copy in the session is an ordinary loaded object: changing it writes the row."""
    load(app, token)
    with app.app_context():
        user = services.user_for_token(token)
        user.name = "Ada Lovelace"
        db.session.commit()
    assert load(app, token)["name"] == "Ada Lovelace"


def test_the_cache_forgets_the_least_recently_used_tokens(app, make_user):
    with app.app_context():
        identity_cache().size = 2
        tokens = [
            services.start_login_session(
                db.session.get(User, make_user(Role.DELEGATE, administration="ferla").id)
            ).token
            for _ in range(3)
        ]
    for token in tokens:
        assert load(app, token) is not None
    assert len(app.extensions["exchange.identities"].entries) == 2
