"""Debian's chromium, driven by Playwright: never a downloaded browser.

Outside CI a missing chromium skips the browser tests with the reason; in CI
(.ci/run installs it) a missing one fails them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import pytest

from .services import in_ci

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    if shutil.which(CHROMIUM):
        return
    message = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    if in_ci():
        pytest.fail(f"{message}; CI must run the browser tests")
    pytest.skip(message)


def launch() -> Iterator[Any]:
    """Start chromium once per test session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@dataclass
class PageWatch:
    """Everything a page did that an injected payload could cause."""

    origin: str
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "request",
            lambda request: (
                None
                if request.url.startswith((self.origin, "data:"))
                else self.foreign_requests.append(request.url)
            ),
        )

    def assert_clean(self) -> None:
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        assert self.console == [], f"the console was used: {self.console}"
        assert self.errors == [], f"a script failed: {self.errors}"
        assert self.foreign_requests == [], f"requests left the site: {self.foreign_requests}"


def wait_until(page: Any, expression: str, timeout: float = 15) -> None:
    """Poll a JavaScript expression from outside the page until it is true.

    (Playwright's wait_for_function evaluates strings inside the page, which
    our Content-Security-Policy rightly forbids.)
    """
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(expression):
            return
        time.sleep(0.05)
    raise AssertionError(f"never became true: {expression}")
