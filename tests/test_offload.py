"""CPU-heavy work leaves the event loop: directly without one, on a native thread under one."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from exchange import offload

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
