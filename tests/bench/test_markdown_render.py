"""The Markdown renderer's benchmark times every hostile input at a field's full length."""

from __future__ import annotations

from bench import __main__ as bench
from bench import markdown_render
from bench.report import Report
from exchange.config import DefaultConfig


def test_every_input_is_timed_at_the_longest_a_field_may_be():
    timings = markdown_render.run(repeat=2)

    assert [timing.name for timing in timings] == [
        "ordinary prose",
        *markdown_render.PATHOLOGICAL,
    ]
    prose = timings[0]
    assert prose.characters == DefaultConfig.PRACTICE_FIELD_MAX_LENGTH
    for timing in timings:
        assert 0 < timing.characters <= DefaultConfig.PRACTICE_FIELD_MAX_LENGTH
        assert len(timing.milliseconds) == 2 and min(timing.milliseconds) > 0
        assert timing.html_characters > 0
    table = markdown_render.table(timings)
    assert table.count("\n") == len(timings) + 1 and "| nested blockquotes | 20,000 |" in table


def test_the_report_shows_the_renderer_and_judges_its_slowest_input():
    fast = markdown_render.RenderTiming("ordinary prose", 20_000, [3.0, 4.0], 25_000)
    slow = markdown_render.RenderTiming("nested lists", 5_000, [10.0, 900.0], 9_000)
    report = Report(command="python -m bench", repeat=1, quick=True, started="now")

    report.markdown = [fast]
    text = bench.render(report)
    assert "### The Markdown renderer on hostile input" in text
    assert (
        "| (f) Markdown: any field, however hostile, <= 250 ms | 4.0 ms (ordinary prose) | met |"
        in text
    )
    assert "Every target was met." in text

    report.markdown = [fast, slow]
    text = bench.render(report)
    assert "900.0 ms (nested lists) | **missed** |" in text
    assert "- missed: nested lists (worst 900.0 ms)" in text
    assert "Every target was met." not in text
