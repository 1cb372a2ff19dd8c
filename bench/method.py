"""How the benchmark measures, in the report's words (what the figures mean).

What the figures of a run say about the exchange is written by people, below the
report's analysis marker, and kept when the report is written again (__main__.py).
"""

from __future__ import annotations

from .servers import RATE_LIMIT_NAMES

METHOD = [
    "- The exchange is served as the README serves it, `python wsgi.py` (eventlet after "
    "monkey patching; gevent with `EXCHANGE_ASYNC_MODE=gevent`), on a throwaway database: a "
    "SQLite file in a temporary folder on disk, or a database created on the PostgreSQL server "
    "and dropped at the end. The bare stack is `python -m bench.relay`: Flask and Flask-SocketIO "
    "with the same `join`/`send` contract, the same message shape, no accounts and no storage, "
    "served the same way.",
    "- The clients are real python-socketio clients (`AsyncClient`, WebSocket only) in "
    "processes of their own (`python -m bench.load`, {load_processes}; client *i* in process "
    "*i* mod their number, each sending for its own clients, the messages numbered so that no "
    "two processes use one number), on the same two cores as the servers. One asyncio loop "
    "decoding 10,000 deliveries a second falls behind in bursts, and its lateness would count "
    "as the server's. The app's "
    "clients are delegates created with `exchange.accounts.services.create_user` and signed in "
    "through the real `/login` form (CSRF token included); they connect with their session "
    "cookie.",
    "- The app runs with `EXCHANGE_PASSWORD_HASH_METHOD=pbkdf2:sha256:1000`, "
    "`EXCHANGE_PRESENCE_INTERVAL=1` (the default), `EXCHANGE_LOG_LEVEL=WARNING`, and **every "
    "flood-control limit the clients meet raised** (`EXCHANGE_RATE_LIMITS__<name>=1000000/1s` "
    f"for {', '.join(RATE_LIMIT_NAMES)}, and `EXCHANGE_LOGIN_DELAYS__<name>__free=1000000` "
    "for login_address and login_account), so that flood control never throttles the benchmark; "
    "everything else is the default "
    "(`EXCHANGE_SQLITE_SYNCHRONOUS=FULL`, pool of 10).",
    "- Every measurement starts fresh server processes. A message carries its sequence number and"
    " send time (`time.time()`, ms) in its `client_id`. Deliveries per second = deliveries "
    "received / (last delivery or last send − first send). Latency = receive time − send time, "
    "for every delivery to every receiver (the sender too: the room includes it). Expected "
    "deliveries = messages sent × clients in the room; one not received 5 s after the sending "
    "ends is lost. The first tenth of the clients (at least one) connect and join before the "
    "others: memory per client = (server RSS after every client joined − after that first tenth "
    "had) / the other clients, from `/proc/<pid>/status`; what the first tenth added (compiled "
    "statements, page cache, pool, history read once for all) is its own row, the process's and "
    "not each client's. Time to connect and join counts both steps. CPU rows are `/proc` times "
    "over the sending window, as % of one core: a row near 100 for a server or the load generator"
    " means that process was the bottleneck. CPU per 1,000 deliveries = `/proc` CPU seconds of "
    "every server process (and of every `redis-server` process when a queue is used) from the "
    "first send until the last delivery came or was given up, × 1,000 / deliveries received: what"
    " the work costs, whether or not the machine had a core to spare.",
]


def method_lines(load_processes: int) -> list[str]:
    """How the socket scenarios were measured, for a run with this many load generators."""
    processes = "one process" if load_processes == 1 else f"{load_processes} processes"
    return [line.replace("{load_processes}", processes) for line in METHOD]


SEARCH_METHOD = [
    "`bench.practices_search.run`, as `python -m bench.practices_search` runs it: a throwaway "
    "database filled once per database with synthetic practices, then 100 queries of each kind, "
    "warm, one at a time; p50 and p95 are over those queries (the library is filled once per "
    "run, not once per repeat: filling 100,000 practices takes minutes).",
]

MARKDOWN_METHOD = [
    "`bench.markdown_render.run`, as `python -m bench.markdown_render` runs it: "
    "`exchange.sanitize.clean_markdown` (markdown-it-py, then bleach), which renders every "
    "long field of a practice when it is saved, on ordinary prose and on inputs known to make "
    "Markdown parsers work hard, each cut to the most a field takes "
    "(`EXCHANGE_PRACTICE_FIELD_MAX_LENGTH`, 20,000 characters); one warm-up, then 5 timed "
    "renderings of each (wall clock, in this process). The target is that none takes more than "
    "250 ms, however hostile: a save renders its fields in the request, on the process's loop.",
]

UPLOAD_METHOD = [
    "`bench.uploads.run`, as `python -m bench.uploads` runs it: a fresh `python wsgi.py` "
    "(eventlet) on a throwaway database per database, with the delegates' daily upload quota "
    "raised; a JPEG of noise just under 10 MB (it compresses as badly as a photo) is sent to "
    "`POST /api/attachments` 24 times, 8 at once, from threads of this process with `requests`, "
    "each by its own signed-in delegate. Meanwhile another thread asks `/healthz` (which asks "
    "the database `SELECT 1`) every 20 ms; the same is measured for 3 s before the uploads "
    "(idle). Every upload is examined as in production: decoded, turned upright, encoded again "
    "without metadata, a thumbnail made, then stored in the database in 256 KiB chunks. The "
    "target (p99 of `/healthz` during the uploads at most 200 ms) counts on PostgreSQL, the "
    "database of a deployment; SQLite's row is for information: its driver holds the loop "
    "while it writes and commits (see below).",
]

HOSTILE_METHOD = [
    "`bench.hostile.run`, as `python -m bench.hostile` runs it: a fresh `python wsgi.py` "
    "(eventlet) on a throwaway database per database, with 100 published practices of "
    "ordinary length (prose, lists and small tables), every interface language on, and every "
    "rate limit raised (the e-book build limit and the save limit too: this is the worst case "
    "without them). After 3 s of `/healthz` alone (idle), four threads download the e-book, "
    "cycling through both editions and six languages, and two signed-in delegates save "
    "practices made of parts only (one-column tables, one-word list items, emphasis on every "
    "line) as fast as answers come back; each save changes the library, so the next download "
    "builds again. Meanwhile `/healthz` is asked every 20 ms. Its p99 must stay under 100 ms "
    "and its worst time, which bounds the longest stall of the process's loop, under 250 ms. "
    "Both count on PostgreSQL; SQLite's row is for information, as in (g).",
]
