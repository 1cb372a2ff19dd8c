"""Fixtures of the file tests: people, signed-in clients with their CSRF token, uploads."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.files import services
from exchange.files.models import StoredFile
from exchange.rooms import services as rooms

from ..support import files
from ..support.live import csrf_token


@pytest.fixture
def elena(make_user: Callable[..., User]) -> User:
    return make_user(Role.DELEGATE, name="Elena Conti", email="elena@example.org")


@pytest.fixture
def paolo(make_user: Callable[..., User]) -> User:
    return make_user(Role.DELEGATE, name="Paolo Rossi", administration="ferla")


@pytest.fixture
def signed_in(app: Flask, login: Callable[..., User]) -> Callable[[User | None], FlaskClient]:
    """A test client signed in as ``user`` (None: anonymous), holding its page's CSRF token."""

    def open_client(user: User | None) -> FlaskClient:
        client = app.test_client()
        if user is not None:
            login(client, user)
        client.token = csrf_token(client.get("/privacy").get_data(as_text=True))  # type: ignore[attr-defined]
        return client

    return open_client


def upload(client: FlaskClient, data: bytes, name: str = "file", **form: Any) -> Any:
    """POST /api/attachments as the composer does: multipart, CSRF token in the header."""
    return client.post(
        "/api/attachments",
        data={"file": (io.BytesIO(data), name), **form},
        headers={"X-CSRFToken": client.token, "Accept": "application/json"},  # type: ignore[attr-defined]
    )


@pytest.fixture
def stored(app: Flask) -> Callable[..., StoredFile]:
    """Upload through the service: ``stored(user, data=..., name=...)``."""

    def store(user: User, data: bytes | None = None, name: str = "photo.png") -> StoredFile:
        with app.app_context():
            return services.upload_file(db.session.merge(user), data or files.image(), name)

    return store


@pytest.fixture
def message_of(app: Flask) -> Callable[..., int]:
    """A message in the plenary by ``user``; return its id."""
    counter = iter(range(1, 10_000))

    def post(user: User, body: str = "The tender documents, as promised") -> int:
        with app.app_context():
            author = db.session.merge(user)
            return rooms.post_message(get_room("plenary"), author, body, f"m{next(counter)}").id

    return post
