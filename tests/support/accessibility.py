"""WCAG 2.1 A/AA checks with axe-core, injected into pages by Playwright."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def install_axe(context: Any) -> None:
    """Make axe available on every page of a browser context.

    It is added as an init script, through the DevTools protocol, which the
    pages' Content-Security-Policy does not restrict: pages are tested as served.
    """
    context.add_init_script(script=AXE.read_text(encoding="utf-8"))


def axe_violations(page: Any, *, include: str | None = None) -> list[dict[str, Any]]:
    """Run axe on the page (or the part matched by ``include``).

    Return the violations of impact serious or critical.
    """
    results = page.evaluate(
        """async ([include, tags]) => await axe.run(include ? include : document, {
            runOnly: { type: "tag", values: tags },
            resultTypes: ["violations"]
        })""",
        [include, WCAG_TAGS],
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]


def assert_accessible(page: Any, label: str, *, include: str | None = None) -> None:
    violations = axe_violations(page, include=include)
    assert violations == [], f"{label}: {violations}"
