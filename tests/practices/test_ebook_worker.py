"""The e-book worker process's side: one answer line per job line, each file built once."""

import io
import json
import sys
import time

import pytest

from exchange.practices import ebook
from exchange.practices import ebook_worker

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_each_job_is_answered_with_one_line_and_a_failure_does_not_end_the_worker(
    app, event, tmp_path
):
    jobs = io.StringIO(
        json.dumps({"edition": "mobi", "locale": "it", "path": str(tmp_path / "a.mobi")})
        + "\n"
        + json.dumps({"edition": "epub", "locale": "it", "path": str(tmp_path / "b.epub")})
        + "\n"
    )
    answers = io.StringIO()
    ebook_worker.serve(app, jobs, answers)
    first, second = [json.loads(line) for line in answers.getvalue().splitlines()]
    assert first["ok"] is False and "mobi" in first["error"]
    assert second == {"ok": True}
    assert (tmp_path / "b.epub").read_bytes().startswith(b"PK")
    assert not list(tmp_path.glob("*.part"))


@SQLITE_ONLY
def test_a_file_another_worker_wrote_is_not_built_again(app, event, tmp_path, monkeypatch):
    builds = []
    real_export = ebook.export
    monkeypatch.setattr(
        ebook, "export", lambda edition: builds.append(edition) or real_export(edition)
    )
    path = tmp_path / "ebooks" / "epub-it-abc.epub"
    ebook_worker.build_to(app, "epub", "it", path)
    ebook_worker.build_to(app, "epub", "it", path)
    assert builds == ["epub"]


def test_a_stuck_worker_is_killed_and_the_next_build_gets_a_new_one(tmp_path):
    stuck = ebook_worker.Bindery(
        command=(sys.executable, "-c", "import time; time.sleep(60)"), timeout=0.5
    )
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="stopped"):
        stuck.build("pdf", "it", tmp_path / "book.pdf")
    assert time.monotonic() - started < 10
    assert stuck.process is None  # the next build starts a new worker
