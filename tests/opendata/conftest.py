"""Fixtures of the open data tests: the library's people, as in the library's own tests."""

from tests.practices.conftest import elena  # noqa: F401
from tests.practices.conftest import moderator  # noqa: F401
from tests.practices.conftest import salvatore  # noqa: F401
