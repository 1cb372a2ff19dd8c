"""Accounts: creation rules, sign-in, sign-in sessions, invitations."""

import datetime as dt

import pytest

from exchange.accounts import services
from exchange.accounts.models import Role
from exchange.db import utcnow
from exchange.errors import Invalid
from exchange.errors import NotFound
from exchange.errors import RateLimited
from exchange.event.services import get_administration
from exchange.extensions import db

from ..conftest import PASSWORD


@pytest.fixture
def ctx(app_ctx, event):
    return app_ctx


def new_user(**fields):
    values = {"email": "ada@example.org", "name": "Ada", "password": PASSWORD}
    values.update(fields)
    return services.create_user(**values)


def test_email_is_normalized_and_password_hashed(ctx):
    user = new_user(email="  Ada@Example.ORG ")
    assert user.email == "ada@example.org"
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:")


def test_an_email_has_one_account(ctx):
    new_user()
    with pytest.raises(Invalid, match="already exists") as raised:
        new_user(email="ADA@example.org")
    assert raised.value.details["field"] == "email"


def test_a_delegate_belongs_to_an_administration(ctx):
    with pytest.raises(Invalid, match="administration"):
        new_user(role=Role.DELEGATE)
    delegate = new_user(role=Role.DELEGATE, administration=get_administration("ferla"))
    assert delegate.administration.slug == "ferla"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "valid email"),
        ("name", "   ", "Enter your name"),
        ("name", "x" * 101, "Enter your name"),
        ("password", "short", "at least 10"),
        ("password", "aaaaaaaaaaaa", "too easy to guess"),
        ("password", "Password123", "too easy to guess"),
        ("password", "ada-lovelace-rules", "does not contain your name"),
        ("password", "x1y2" * 300, "too long"),
    ],
)
def test_invalid_fields_are_refused_by_name(ctx, field, value, message):
    with pytest.raises(Invalid, match=message) as raised:
        new_user(**{field: value})
    assert raised.value.details["field"] == field


def test_authenticate_accepts_the_right_password_only(ctx):
    user = new_user()
    assert services.authenticate("ADA@example.org", PASSWORD).id == user.id
    with pytest.raises(Invalid) as wrong:
        services.authenticate("ada@example.org", "wrong password!")
    with pytest.raises(Invalid) as unknown:
        services.authenticate("nobody@example.org", PASSWORD)
    assert str(wrong.value.message) == str(unknown.value.message)  # reveals nothing


def test_a_revoked_sign_in_session_no_longer_loads_its_user(ctx):
    user = new_user()
    login = services.start_login_session(user)
    assert services.user_for_token(login.token).id == user.id
    assert login.token not in login.token_hash  # only the hash is stored
    services.end_login_session(login)
    assert services.user_for_token(login.token) is None
    assert services.user_for_token("made-up") is None


def test_registering_with_an_invitation_makes_a_delegate_of_its_administration(ctx):
    invitation = services.create_invitation(get_administration("aprilia"))
    formatted = services.format_invitation_code(invitation.code).lower()
    user = services.register(
        email="d@example.org", name="D", password=PASSWORD, invitation_code=formatted
    )
    assert user.role is Role.DELEGATE
    assert user.administration_id == invitation.administration_id
    db.session.refresh(invitation)
    assert invitation.uses == 1


def test_registering_without_a_code_makes_an_attendee(ctx):
    user = services.register(email="a@example.org", name="A", password=PASSWORD)
    assert user.role is Role.ATTENDEE and user.administration_id is None


def test_unknown_revoked_expired_and_used_up_codes_are_refused(ctx):
    aprilia = get_administration("aprilia")
    with pytest.raises(Invalid, match="not valid"):
        services.register(
            email="a@example.org", name="A", password=PASSWORD, invitation_code="NOPE-NOPE-NOPE"
        )

    revoked = services.create_invitation(aprilia)
    services.revoke_invitation(revoked.id)
    with pytest.raises(Invalid, match="not valid"):
        services.register(
            email="b@example.org", name="B", password=PASSWORD, invitation_code=revoked.code
        )

    expiring = services.create_invitation(aprilia, expires_at=utcnow() + dt.timedelta(seconds=60))
    expiring.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(Invalid, match="expired"):
        services.register(
            email="c@example.org", name="C", password=PASSWORD, invitation_code=expiring.code
        )

    single = services.create_invitation(aprilia, max_uses=1)
    services.register(
        email="d@example.org", name="D", password=PASSWORD, invitation_code=single.code
    )
    with pytest.raises(Invalid, match="used up"):
        services.register(
            email="e@example.org", name="E", password=PASSWORD, invitation_code=single.code
        )


def test_invitation_codes_are_readable_and_unique(ctx):
    codes = {services.create_invitation(get_administration("ferla")).code for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) == 12 and set(code) <= set(services.INVITATION_ALPHABET)


def test_revoking_an_unknown_invitation_is_not_found(ctx):
    with pytest.raises(NotFound):
        services.revoke_invitation(12345)


def test_each_failure_beyond_the_free_ones_doubles_the_wait(app_ctx, make_user, monkeypatch):
    app_ctx.config["LOGIN_DELAYS"]["login_account"].update(free=2, first=2, longest=60)
    user = make_user(Role.DELEGATE)
    clock = [1_000_000.0]
    monkeypatch.setattr("exchange.ratelimit.time.time", lambda: clock[0])

    def try_password(password):
        try:
            return services.sign_in(user.email, password, "192.0.2.1")
        except (Invalid, RateLimited) as error:
            return error

    assert isinstance(try_password("wrong one"), Invalid)
    assert isinstance(try_password("wrong two"), Invalid)
    waits = []
    for _ in range(7):
        refused = try_password(PASSWORD)  # even the right password waits, from this address
        assert isinstance(refused, RateLimited)
        waits.append(refused.details["retry_after"])
        clock[0] += refused.details["retry_after"]
        assert isinstance(try_password("wrong again"), Invalid)
    assert waits == [2, 4, 8, 16, 32, 60, 60]
    clock[0] += 60
    assert try_password(PASSWORD).id == user.id
    assert isinstance(try_password("a slip after success"), Invalid)  # the count starts over
    # Failures from elsewhere never refuse the owner, before or after.
    assert services.sign_in(user.email, PASSWORD, "198.51.100.1").id == user.id


def test_an_unknown_email_costs_one_hash_check_like_a_known_one(app_ctx, make_user, monkeypatch):
    """Same work on both paths (no timing difference), and the dummy hash is made only once."""
    user = make_user(Role.DELEGATE)
    calls = {"check": 0, "generate": 0}
    real_check, real_generate = services.check_password_hash, services.generate_password_hash

    def counting_check(*args):
        calls["check"] += 1
        return real_check(*args)

    def counting_generate(*args, **kwargs):
        calls["generate"] += 1
        return real_generate(*args, **kwargs)

    monkeypatch.setattr(services, "check_password_hash", counting_check)
    monkeypatch.setattr(services, "generate_password_hash", counting_generate)
    monkeypatch.setattr(services, "_UNKNOWN_USER_HASH", {})
    for number in range(5):
        with pytest.raises(Invalid):
            services.authenticate(f"nobody{number}@example.org", "some password")
    assert calls == {"check": 5, "generate": 1}
    for _ in range(5):
        with pytest.raises(Invalid):
            services.authenticate(user.email, "some password")
    assert calls == {"check": 10, "generate": 1}
