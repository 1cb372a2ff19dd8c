"""Fixtures of the open data tests: the library's people, as in the library's own tests."""

from tests.practices.conftest import elena, moderator, salvatore  # noqa: F401
