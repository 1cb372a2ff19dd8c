"""Time the Markdown renderer on hostile input as long as a practice's field may be.

    .venv/bin/python -m bench.markdown_render
    .venv/bin/python -m bench.markdown_render --repeat 3

Every long field of a practice goes through ``exchange.sanitize.clean_markdown``
(markdown-it-py, then bleach) when it is saved and when the rules change, in the
request that saves it: a renderer whose time grew faster than its input would let
one delegate stall a process. Each input below is known to make Markdown parsers
work hard (deep nesting, long runs of delimiters and backticks, unclosed brackets),
or is made of parts only (one-column tables, one-word list items, emphasis), which
the renderer refuses beyond ``sanitize.MARKDOWN_MAX_TOKENS`` before cleaning them;
each is cut to ``PRACTICE_FIELD_MAX_LENGTH`` characters, the most a field takes,
and ordinary prose of the same length is timed beside them for comparison. What is
timed is what a save costs: the rendering, or the refusal. (Saves render off the
event loop; bench/hostile.py measures the loop while they happen.) The tests
(tests/test_sanitize.py) render the same inputs and check that the output is safe
and linear in size; this says how long it takes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from exchange.config import DefaultConfig

FIELD_MAX_LENGTH = DefaultConfig.PRACTICE_FIELD_MAX_LENGTH
#: The most one field may take to render, at its longest, however hostile.
TARGET_MS = 250.0

#: Inputs known to make Markdown parsers work hard, each about a field's maximum length.
PATHOLOGICAL = {
    "nested blockquotes": ">" * 20_000,
    "nested lists": "".join("  " * depth + "- item\n" for depth in range(300)),
    "emphasis markers": "*a" * 10_000,
    "mixed emphasis": "*_" * 10_000,
    "backtick runs": "".join("`" * n + "x" for n in range(1, 190)),
    "unclosed brackets": "[" * 20_000,
    "unclosed links": "[a](" * 5_000,
    "link references": "[abcdefgh]: http://x.example\n" * 200 + "[abcdefgh]" * 1_400,
    "html-like": "<a" * 10_000,
    "entities": "&amp;" * 4_000,
    "table cells": "|" * 10_000 + "\n" + "|-" * 5_000 + "\n" + "|x" * 5_000,
}

#: Texts made of parts only: each part costs the HTML cleaner time, so beyond
#: ``MARKDOWN_MAX_TOKENS`` parts they are refused (a practice of them took 9 s to save).
HOSTILE_STRUCTURE = {
    "one-column tables": "|a|\n|-|\n\n" * 3_000,
    "one long one-column table": "|a|\n|-|\n" + "|b|\n" * 7_000,
    "tables without pipes at the edges": "a|b\n-|-\n" + "c|d\n" * 5_000,
    "one-word list items": "- a\n" * 7_000,
    "one-word ordered items": "1. a\n" * 6_000,
    "emphasis on every line": "*a*\n" * 6_000,
}

#: What a field usually holds, as long as a field may be: the yardstick.
PROSE = (
    "## What was done\n\nThe municipality installed **solar panels** on 12 school roofs "
    "and set up an [energy community](https://example.org/community) with 140 families.\n\n"
    "- 1.2 MW installed\n- 430 t CO2 a year avoided\n\n> Citizens asked for monthly reports.\n\n"
)


@dataclass(frozen=True)
class RenderTiming:
    """How long one input took to render, over the repeats."""

    name: str
    characters: int
    milliseconds: list[float]
    html_characters: int
    #: Refused for having too many parts (``sanitize.MarkdownTooComplex``), not rendered.
    refused: bool = False

    @property
    def median_ms(self) -> float:
        return statistics.median(self.milliseconds)

    @property
    def worst_ms(self) -> float:
        return max(self.milliseconds)

    @property
    def met(self) -> bool:
        return self.worst_ms <= TARGET_MS


def inputs() -> dict[str, str]:
    """Ordinary prose, then every hostile input, each cut to a field's maximum."""
    prose = (PROSE * (FIELD_MAX_LENGTH // len(PROSE) + 1))[:FIELD_MAX_LENGTH]
    return {"ordinary prose": prose} | {
        name: text[:FIELD_MAX_LENGTH] for name, text in (PATHOLOGICAL | HOSTILE_STRUCTURE).items()
    }


def _render(text: str) -> str | None:
    """What saving the text does: its HTML, or None when it is refused."""
    from exchange.sanitize import clean_markdown
    from exchange.sanitize import MarkdownTooComplex

    try:
        return clean_markdown(text)
    except MarkdownTooComplex:
        return None


def run(repeat: int = 5) -> list[RenderTiming]:
    """Render each input ``repeat`` times (after one warm-up) and time each rendering."""
    timings = []
    for name, text in inputs().items():
        html = _render(text)
        spent = []
        for _ in range(repeat):
            started = time.perf_counter()
            _render(text)
            spent.append((time.perf_counter() - started) * 1000)
        timings.append(RenderTiming(name, len(text), spent, len(html or ""), refused=html is None))
    return timings


def table(timings: Sequence[RenderTiming]) -> str:
    """The timings as a Markdown table, each against the target."""
    lines = [
        "| input | characters | HTML characters | median ms | worst ms | target | |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for timing in timings:
        mark = "met" if timing.met else "**missed**"
        html = "refused" if timing.refused else f"{timing.html_characters:,}"
        lines.append(
            f"| {timing.name} | {timing.characters:,} | {html} | "
            f"{timing.median_ms:.1f} | {timing.worst_ms:.1f} | {TARGET_MS:.0f} | {mark} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.markdown_render", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--repeat", type=int, default=5, help="renderings of each input")
    options = parser.parse_args(argv)
    timings = run(options.repeat)
    print(table(timings))
    return 0 if all(timing.met for timing in timings) else 1


if __name__ == "__main__":
    sys.exit(main())
