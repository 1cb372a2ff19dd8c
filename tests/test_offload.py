"""CPU-heavy work leaves the event loop: directly without one, on a native thread under one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from exchange import offload
from exchange import sanitize

from .support.live import free_port
from .support.live import ROOT


def test_without_a_runner_the_work_runs_here():
    assert offload.run_off_loop(threading.get_ident) == threading.get_ident()


def test_an_installed_runner_gets_the_work_and_its_arguments():
    calls = []

    def runner(func, *args, **kwargs):
        calls.append((func, args, kwargs))
        return func(*args, **kwargs)

    offload.install_runner(runner)
    try:
        assert offload.run_off_loop(divmod, 17, 5) == (3, 2)
        assert offload.run_off_loop(int, "ff", base=16) == 255
    finally:
        offload.install_runner(None)
    assert calls == [(divmod, (17, 5), {}), (int, ("ff",), {"base": 16})]


#: Serve wsgi.py as ``python wsgi.py`` would, but stop where it would start listening,
#: and report where run_off_loop runs the work.
PROBE = """
import runpy, sys, threading
mode = sys.argv[1]
def report(*args, **kwargs):
    from exchange import offload
    main = threading.get_ident()
    print("off the loop:", offload.run_off_loop(threading.get_ident) != main, flush=True)
    raise SystemExit(0)
if mode == "eventlet":
    import eventlet.wsgi
    eventlet.wsgi.server = report
else:
    from gevent import pywsgi
    pywsgi.WSGIServer = report
runpy.run_path("wsgi.py", run_name="__main__")
"""


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_the_served_process_runs_heavy_work_on_a_native_thread(mode, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "EXCHANGE_ASYNC_MODE": mode,
        "EXCHANGE_DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        "EXCHANGE_SECRET_KEY": "probe",
        "EXCHANGE_INSTANCE_PATH": str(tmp_path),
        "EXCHANGE_PORT": str(free_port()),
    }
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROBE), mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "off the loop: True" in done.stdout


@pytest.fixture
def pool():
    pool = offload.ProcessPool(2)
    yield pool
    pool.stop()


def test_a_child_process_renders_as_this_one_would(pool):
    fields = {"challenge": "**Solar** roofs\n\n- one\n- two", "actions": "| a |\n|---|\n| 1 |"}
    assert pool.run(sanitize.clean_markdown_fields, fields) == sanitize.clean_markdown_fields(
        fields
    )
    pids = {child.process.pid for child in pool.children if child.process is not None}
    assert pids and os.getpid() not in pids


def test_an_error_comes_back_as_itself_with_what_it_says(pool):
    with pytest.raises(sanitize.MarkdownTooComplex) as raised:
        pool.run(sanitize.clean_markdown_fields, {"results": "*a* " * 12_000})
    assert raised.value.name == "results"
    assert raised.value.tokens > raised.value.limit == sanitize.MARKDOWN_MAX_TOKENS


def test_a_child_that_died_is_replaced_at_the_next_call(pool):
    assert pool.run(sanitize.clean_markdown, "*x*") == "<p><em>x</em></p>\n"
    for child in pool.children:
        if child.process is not None:
            child.process.kill()
            child.process.wait()
    outcomes = []
    for _ in range(2):
        try:
            outcomes.append(pool.run(sanitize.clean_markdown, "*x*"))
        except RuntimeError:
            outcomes.append("stopped")
    assert outcomes[-1] == "<p><em>x</em></p>\n"


def test_calls_of_many_threads_share_the_children(pool):
    results = []
    threads = [
        threading.Thread(
            target=lambda n=n: results.append(pool.run(sanitize.clean_markdown, f"{n}"))
        )
        for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted(f"<p>{n}</p>\n" for n in range(6))
