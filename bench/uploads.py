"""Time ``/healthz`` while 10 MB pictures are uploaded, many at once: the loop must keep answering.

    .venv/bin/python -m bench.uploads
    .venv/bin/python -m bench.uploads --databases sqlite --uploads 16 --at-once 4

Every upload is read, examined (decoded, turned upright, scaled, encoded again
without its metadata, a thumbnail made) and stored, in the request that sends
it. The examination runs on a native thread (exchange/offload.py), so that the
process's loop, which serves every other request and socket of the process,
goes on meanwhile. This measures that: ``/healthz`` is asked every 20 ms, first
with nothing else going on, then while the pictures are sent; the target is on
its p99 during the uploads.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from . import servers

#: /healthz must answer within this at p99 while pictures are being uploaded.
TARGET_P99_MS = 200.0
#: The pictures sent: a photo's noise, just under the 10 MB default limit.
PICTURE_BYTES = 10_000_000
SAMPLE_EVERY = 0.02


@dataclass
class UploadRun:
    """What one database's run measured."""

    database: str
    uploads: int
    at_once: int
    picture_bytes: int
    idle_ms: list[float] = field(default_factory=list)
    busy_ms: list[float] = field(default_factory=list)
    upload_seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu_seconds: float = 0.0

    @property
    def busy_p99(self) -> float:
        return percentile(self.busy_ms, 0.99)

    @property
    def met(self) -> bool:
        return not self.failures and self.busy_p99 <= TARGET_P99_MS


def percentile(values: Sequence[float], share: float) -> float:
    from .practices_search import percentile as nearest_rank

    return nearest_rank(values, share) if values else float("nan")


def picture(target: int = PICTURE_BYTES) -> bytes:
    """A JPEG of noise (which compresses badly, as photos do) as close under ``target`` as found."""
    from PIL import Image

    side, best = 3000, b""
    for _ in range(8):
        output = io.BytesIO()
        Image.effect_noise((side, side), 80).convert("RGB").save(output, "JPEG", quality=95)
        data = output.getvalue()
        if len(data) <= target:
            best = max(best, data, key=len)
        side = int(side * (target / len(data)) ** 0.5 * 0.995)
    return best


def _signed_in(url: str, cookie: str) -> tuple[dict[str, str], str]:
    """The cookies and CSRF token of a page of the account (the token lives in its session)."""
    import requests

    from tests.support.live import csrf_token

    with requests.Session() as session:
        name, _, value = cookie.partition("=")
        session.cookies.set(name, value)
        page = session.get(url + "/account", timeout=30)
        return session.cookies.get_dict(), csrf_token(page.text)


def _sample(url: str, stop: threading.Event, into: list[float]) -> None:
    import requests

    with requests.Session() as session:
        while not stop.is_set():
            started = time.perf_counter()
            session.get(url + "/healthz", timeout=30).raise_for_status()
            into.append((time.perf_counter() - started) * 1000)
            time.sleep(SAMPLE_EVERY)


def measure(
    deployment: servers.Deployment, database: str, uploads: int, at_once: int, data: bytes
) -> UploadRun:
    """Start the app, measure /healthz idle for 3 s, then while ``uploads`` pictures are sent."""
    import requests

    run = UploadRun(database, uploads, at_once, len(data))
    cookies = json.loads(deployment.cookies_path.read_text())[:at_once]
    server = servers.start_app(deployment)
    try:
        people = [_signed_in(server.url, cookie) for cookie in cookies]
        stop = threading.Event()
        sampler = threading.Thread(target=_sample, args=(server.url, stop, run.idle_ms))
        sampler.start()
        time.sleep(3)
        stop.set()
        sampler.join()

        def send(number: int) -> None:
            jar, token = people[number % len(people)]
            started = time.perf_counter()
            answer = requests.post(
                server.url + "/api/attachments",
                files={"file": (f"photo-{number}.jpg", data, "image/jpeg")},
                headers={"X-CSRFToken": token},
                cookies=jar,
                timeout=300,
            )
            if answer.status_code != 201:
                run.failures.append(f"{answer.status_code} {answer.text[:200]}")
            run.upload_seconds.append(time.perf_counter() - started)

        stop = threading.Event()
        sampler = threading.Thread(target=_sample, args=(server.url, stop, run.busy_ms))
        cpu_before = servers.cpu_seconds(server.pid)
        started = time.perf_counter()
        sampler.start()
        with ThreadPoolExecutor(at_once) as pool:
            list(pool.map(send, range(uploads)))
        run.seconds = time.perf_counter() - started
        run.server_cpu_seconds = servers.cpu_seconds(server.pid) - cpu_before
        stop.set()
        sampler.join()
    finally:
        server.stop()
    return run


def run(
    databases: Sequence[str],
    *,
    uploads: int = 24,
    at_once: int = 8,
    postgresql_url: str = servers.DEFAULT_POSTGRESQL_URL,
    report: Any = print,
) -> list[UploadRun]:
    """Measure each database in turn, each on a fresh throwaway deployment."""
    data = picture()
    settings = {
        "EXCHANGE_UPLOAD_DAILY_FILES": "1000000",
        "EXCHANGE_UPLOAD_DAILY_BYTES": str(10**13),
    }
    runs = []
    for database in databases:
        with servers.deployment(
            database, at_once, postgresql_url=postgresql_url, settings=settings
        ) as deployment:
            result = measure(deployment, database, uploads, at_once, data)
        report(
            f"(g) {database}: /healthz p99 {result.busy_p99:.1f} ms during {uploads} uploads "
            f"of {len(data) / 1e6:.1f} MB, {at_once} at once"
        )
        runs.append(result)
    return runs


def table(runs: Sequence[UploadRun]) -> str:
    """The figures as a Markdown table, each run against the target."""
    lines = [
        "| database | uploads (at once) | /healthz idle p50 / p99 ms | /healthz during p50 / p99 / "
        "worst ms | upload p50 / worst s | MB/s | server CPU s per upload | target p99 | |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for item in runs:
        megabytes = item.uploads * item.picture_bytes / 1e6
        mark = "met" if item.met else "**missed**"
        failures = f" ({len(item.failures)} failed)" if item.failures else ""
        lines.append(
            f"| {item.database} | {item.uploads} ({item.at_once}){failures} | "
            f"{statistics.median(item.idle_ms):.1f} / {percentile(item.idle_ms, 0.99):.1f} | "
            f"{statistics.median(item.busy_ms):.1f} / {item.busy_p99:.1f} / "
            f"{max(item.busy_ms):.1f} | "
            f"{statistics.median(item.upload_seconds):.2f} / {max(item.upload_seconds):.2f} | "
            f"{megabytes / item.seconds:.1f} | {item.server_cpu_seconds / item.uploads:.2f} | "
            f"{TARGET_P99_MS:.0f} ms | {mark} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.uploads", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--uploads", type=int, default=24, help="pictures sent in all")
    parser.add_argument("--at-once", type=int, default=8, help="pictures sent at the same time")
    options = parser.parse_args(argv)
    databases = [name.strip() for name in options.databases.split(",") if name.strip()]
    runs = run(databases, uploads=options.uploads, at_once=options.at_once)
    print(table(runs))
    return 0 if all(item.met for item in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
