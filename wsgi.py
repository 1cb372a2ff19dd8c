"""Serve the exchange: ``python wsgi.py``. Also the app that ``flask --app wsgi`` commands use.

This is the edge where the concurrency model is chosen. When served, eventlet
(the default, ``EXCHANGE_ASYNC_MODE=eventlet``) or gevent must patch the
standard library before anything else is imported, so that happens first and
here only; no other module imports eventlet or gevent. Imported by the
``flask`` command, nothing is patched and Socket.IO runs in threading mode.
"""

import os
import sys

SERVING = __name__ == "__main__"
ASYNC_MODE = os.environ.get("EXCHANGE_ASYNC_MODE", "eventlet") if SERVING else "threading"

if SERVING and ASYNC_MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()  # psycopg2 waits through eventlet's hub instead of blocking it
elif SERVING and ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()
    from psycogreen.gevent import patch_psycopg

    patch_psycopg()

import logging  # noqa: E402
import signal  # noqa: E402

from exchange import create_app  # noqa: E402
from exchange import lifecycle  # noqa: E402
from exchange.extensions import socketio  # noqa: E402
from exchange.mail import sender  # noqa: E402
from exchange.offload import install_process_pool  # noqa: E402
from exchange.offload import install_runner  # noqa: E402
from exchange.offload import ProcessPool  # noqa: E402
from exchange.rooms import languages  # noqa: E402
from exchange.serving import heap_trimmer  # noqa: E402
from exchange.serving import listening_socket  # noqa: E402
from exchange.serving import raise_open_file_limit  # noqa: E402
from exchange.serving import tune_garbage_collection  # noqa: E402

if SERVING and ASYNC_MODE == "eventlet":
    from eventlet import tpool

    install_runner(tpool.execute)  # image decoding and the like, off the loop
    # Work on those native threads is partly pure Python (HTML cleaning, PDF layout),
    # which holds the GIL: hand it back to the loop's thread after 1 ms, not 5.
    sys.setswitchinterval(0.001)
elif SERVING and ASYNC_MODE == "gevent":
    import gevent

    install_runner(
        lambda func, *args, **kwargs: gevent.get_hub().threadpool.apply(func, args, kwargs)
    )

overrides = {"ASYNC_MODE": ASYNC_MODE}
if not SERVING and "EXCHANGE_LOG_LEVEL" not in os.environ:
    overrides["LOG_LEVEL"] = "WARNING"  # commands print their own results
app = create_app(overrides)
if SERVING and ASYNC_MODE != "threading" and app.config["OFFLOAD_PROCESSES"]:
    # Pure-Python CPU work (Markdown) in child processes: on a thread it would hold the GIL.
    install_process_pool(ProcessPool(app.config["OFFLOAD_PROCESSES"]))


def stop_on_signal(signum: int, frame: object) -> None:
    """On SIGTERM or SIGINT, write what memory holds (read positions), then exit.

    The writing runs as a task of the server's loop, not inside the signal
    handler, which may interrupt the loop itself.
    """

    def stop() -> None:
        lifecycle.shut_down(app)
        logging.shutdown()
        os._exit(0)

    socketio.start_background_task(stop)


def start_heap_trimmer(interval: float) -> None:
    """Give back what a burst left free in the heap, as a task of the server's loop."""
    trimmer = heap_trimmer() if interval > 0 else None
    if trimmer is not None:
        socketio.start_background_task(trimmer.run, interval, socketio.sleep)


def serve() -> None:
    """Run the Socket.IO server with the configured host, port and limits.

    As ``socketio.run`` would, with our own listening socket (see listening_socket).
    """
    host, port = app.config["HOST"], int(app.config["PORT"])
    connections = int(app.config["MAX_CONNECTIONS"])
    raise_open_file_limit(connections)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop_on_signal)
    logging.getLogger(__name__).info("serving on http://%s:%s (%s)", host, port, ASYNC_MODE)
    sender.start(app)
    # Before the first connection: read on first use, the language model held a busy
    # room's first messages for the half second it takes (it is read off the loop, so
    # the tasks started above go on meanwhile); then what start-up made, the model too,
    # is left out of garbage collection, and the young generation collected less often.
    languages.preload()
    tune_garbage_collection()
    start_heap_trimmer(float(app.config["HEAP_TRIM_INTERVAL"]))
    if ASYNC_MODE == "eventlet":
        import eventlet.wsgi

        # eventlet accepts 1,024 connections at a time unless told otherwise.
        eventlet.wsgi.server(
            listening_socket(host, port), app, log_output=False, max_size=connections
        )
    elif ASYNC_MODE == "gevent":
        from gevent import pywsgi

        pywsgi.WSGIServer(listening_socket(host, port), app, log=None).serve_forever()
    else:
        socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=True)


if SERVING:
    serve()
