"""Reach the real PostgreSQL and Redis of the machine, or say clearly why not.

Outside CI a missing service (or program) skips the tests that need it, with the reason.
In CI (CI=true) it fails them: CI must run every test, not skip it.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlsplit

import pytest

POSTGRESQL_URL = os.environ.get("EXCHANGE_TEST_POSTGRESQL_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("EXCHANGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def require(service: str, url: str, default_port: int) -> None:
    """Skip (or, in CI, fail) the calling test unless ``service`` answers at ``url``."""
    if reachable(url, default_port):
        return
    message = f"{service} is not reachable at {url}"
    if in_ci():
        pytest.fail(f"{message}; CI must run these tests, not skip them")
    pytest.skip(f"{message} (set EXCHANGE_TEST_{service.upper()}_URL to point elsewhere)")


def require_program(name: str, command: str) -> None:
    """Skip (or, in CI, fail) the calling test unless ``command`` is on the PATH."""
    if shutil.which(command):
        return
    message = f"{name} ({command}) is not installed"
    if in_ci():
        pytest.fail(f"{message}; CI must run these tests, not skip them")
    pytest.skip(message)
