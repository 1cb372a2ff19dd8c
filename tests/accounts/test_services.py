"""Accounts: creation rules, sign-in, sign-in sessions, invitations."""

import datetime as dt

import pytest

from exchange.accounts import services
from exchange.accounts.models import Role
from exchange.db import utcnow
from exchange.errors import Invalid, NotFound
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
