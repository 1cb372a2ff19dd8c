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
        *markdown_render.HOSTILE_STRUCTURE,
    ]
    prose = timings[0]
    assert prose.characters == DefaultConfig.PRACTICE_FIELD_MAX_LENGTH
    for timing in timings:
        assert 0 < timing.characters <= DefaultConfig.PRACTICE_FIELD_MAX_LENGTH
        assert len(timing.milliseconds) == 2 and min(timing.milliseconds) > 0
        assert (timing.html_characters > 0) != timing.refused
    refused = {timing.name for timing in timings if timing.refused}
    assert set(markdown_render.HOSTILE_STRUCTURE) <= refused and "ordinary prose" not in refused
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


def test_the_report_shows_uploads_and_judges_postgresql_only():
    from bench import uploads

    def run(database: str, busy: list[float]) -> uploads.UploadRun:
        return uploads.UploadRun(
            database,
            24,
            8,
            9_900_000,
            idle_ms=[3.0, 4.0],
            busy_ms=busy,
            upload_seconds=[1.0, 2.0],
            seconds=10.0,
            server_cpu_seconds=12.0,
        )

    report = Report(command="python -m bench", repeat=1, quick=True, started="now")
    report.uploads = [run("sqlite", [10.0, 900.0]), run("postgresql", [10.0, 50.0])]
    text = bench.render(report)
    assert "## (g) uploads: 10 MB pictures, many at once, while /healthz is timed" in text
    assert "| (g) postgresql: /healthz p99 during uploads <= 200 ms | 50.0 ms | met |" in text
    assert "| 900.0 ms | **missed** (for information) |" in text
    assert (
        "| postgresql | 24 (8) | 3.5 / 4.0 | 30.0 / 50.0 / 50.0 | 1.50 / 2.00 | 23.8 | 0.50 |"
        in text
    )
    assert "Every target was met." in text

    report.uploads[1].busy_ms = [10.0, 450.0]
    text = bench.render(report)
    assert "- missed: postgresql (p99 450.0 ms)" in text and "Every target was met." not in text
