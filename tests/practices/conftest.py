"""Fixtures of the library's tests: its people, and practices written through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from exchange.accounts.models import Role, User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.practices import services
from exchange.practices.models import Practice


def content(**fields: Any) -> services.PracticeContent:
    """A complete practice (ready to submit), with ``fields`` changed; needs an app context."""
    values: dict[str, Any] = {
        "title": "Solar roofs on schools",
        "theme": "renewable-energy",
        "summary": "Six schools produce their own electricity.",
        "challenge": "Schools were the largest item of the electricity bill.",
        "actions": "We installed photovoltaic panels on six roofs.",
        "results": "About half of their electricity is now their own.",
        "year_from": 2021,
    }
    values.update(fields)
    values["theme"] = get_room(values["theme"])
    return services.PracticeContent(**values)


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


@pytest.fixture
def write(app: Flask, make_user: Callable[..., User]) -> Callable[..., Practice]:
    """Write a practice through the services: ``write(author, published=True, title=...)``.

    It runs in its own application context and returns the stored practice,
    detached (its columns are loaded; fetch it again to follow relationships).
    """
    reviewers: list[User] = []

    def write_practice(
        author: User, *, published: bool = False, submitted: bool = False, **fields: Any
    ) -> Practice:
        with app.app_context():
            author = db.session.merge(author)
            practice = services.create_practice(author, content(**fields))
            if submitted or published:
                services.submit_practice(practice, author)
            if published:
                if not reviewers:
                    reviewers.append(make_user(Role.MODERATOR, name="Reviewer"))
                services.publish_practice(practice, db.session.merge(reviewers[0]))
            return practice

    return write_practice
