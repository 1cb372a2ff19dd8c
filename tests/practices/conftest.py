"""Fixtures of the library's tests: its people (practices are written with ``write``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User


@pytest.fixture
def elena(make_user: Callable[..., User]) -> User:
    return make_user(Role.DELEGATE, name="Elena Conti", administration="campi-bisenzio")


@pytest.fixture
def colleague(make_user: Callable[..., User]) -> User:
    """Another delegate of Elena's administration."""
    return make_user(Role.DELEGATE, name="Paolo Neri", administration="campi-bisenzio")


@pytest.fixture
def salvatore(make_user: Callable[..., User]) -> User:
    """A delegate of another administration."""
    return make_user(Role.DELEGATE, name="Salvatore Greco", administration="ferla")


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    return make_user(Role.MODERATOR, name="Marco Rossi")


@pytest.fixture
def organizer(make_user: Callable[..., User]) -> User:
    return make_user(Role.ORGANIZER, name="Giulia Bianchi")


@pytest.fixture
def attendee(make_user: Callable[..., User]) -> User:
    return make_user(Role.ATTENDEE, name="Anna Nowak")
