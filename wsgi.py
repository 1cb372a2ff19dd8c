"""Serve the exchange: ``python wsgi.py``. Also the app that ``flask --app wsgi`` commands use.

This is the edge where the concurrency model is chosen. When served, eventlet
(the default, ``EXCHANGE_ASYNC_MODE=eventlet``) or gevent must patch the
standard library before anything else is imported, so that happens first and
here only; no other module imports eventlet or gevent. Imported by the
``flask`` command, nothing is patched and Socket.IO runs in threading mode.
"""

import os

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

from exchange import create_app  # noqa: E402
from exchange.extensions import socketio  # noqa: E402

overrides = {"ASYNC_MODE": ASYNC_MODE}
if not SERVING and "EXCHANGE_LOG_LEVEL" not in os.environ:
    overrides["LOG_LEVEL"] = "WARNING"  # commands print their own results
app = create_app(overrides)


def raise_open_file_limit(connections: int) -> None:
    """Let this process hold a socket for every connection it accepts, and files besides.

    Many systems start processes with a soft limit of 1,024 open files, which
    would cap connections long before eventlet's ``max_size`` does; the soft
    limit may be raised up to the hard one without privileges.
    """
    import resource

    wanted = connections + 256  # the database, log files, Redis, the listening socket
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft != resource.RLIM_INFINITY and soft < wanted:
        logging.getLogger(__name__).warning(
            "only %d open files allowed (hard limit); fewer than %d connections will fit",
            soft,
            connections,
        )


def serve() -> None:
    """Run the Socket.IO server with the configured host, port and limits."""
    host, port = app.config["HOST"], int(app.config["PORT"])
    raise_open_file_limit(int(app.config["MAX_CONNECTIONS"]))
    options = {}
    if ASYNC_MODE == "eventlet":
        # eventlet accepts 1,024 connections at a time unless told otherwise.
        options["max_size"] = int(app.config["MAX_CONNECTIONS"])
    elif ASYNC_MODE == "threading":
        options["allow_unsafe_werkzeug"] = True
    logging.getLogger(__name__).info("serving on http://%s:%s (%s)", host, port, ASYNC_MODE)
    socketio.run(app, host=host, port=port, log_output=False, **options)


if SERVING:
    serve()
