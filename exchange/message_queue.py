"""Flask-SocketIO's Redis message queue, made to tell clients to catch up after an outage.

python-socketio publishes each event once and forgets it. While Redis is away,
what one process publishes never reaches the clients of the others, and a
process that lost its subscription misses what the others published. The
messages themselves are in the database, so nothing is lost that a ``join``
with ``after`` cannot bring back: this manager tells clients when to do it,
and from where.

- When this process is subscribed again after losing Redis, it sends
  ``resync`` to its own clients.
- When a publish failed, then works again, it sends ``resync`` through Redis to
  the clients of every other process, and again a few seconds later for a
  process whose subscription came back after that; and to its own clients too:
  a failed publish proves that Redis was away, so this process's subscription
  may have missed events whether or not its listener noticed the loss (in the
  outage test, a listener once reported no loss at all).

A client's last message id is no safe starting point then: it may have seen
later messages of its own process live while earlier ones of another process
were lost. So ``resync`` carries ``after`` and ``changes_after`` cursors from
before the outage began (``ResyncCursors``), and clients join again from the
lower of theirs and these (docs/protocol.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import socketio

logger = logging.getLogger(__name__)

#: The server-to-client event that asks a client to catch up (docs/protocol.md).
RESYNC_EVENT = "resync"
#: The namespace whose clients are told: the chat's.
NAMESPACE = "/"

#: Given when an outage began (a Unix time), the ``resync`` payload: where to catch up from.
ResyncCursors = Callable[[float], dict[str, Any]]


class RecoveringRedisManager(socketio.RedisManager):  # type: ignore[misc]
    """A Redis client manager that sends ``resync`` once Redis is back."""

    #: Longest wait between two attempts to subscribe again (python-socketio's own: 60 s).
    MAX_RETRY_SECONDS = 2.0
    #: How often a process whose publish failed tries to tell the others.
    WATCH_SECONDS = 1.0
    #: When to tell the others once more: longer than a listener takes to subscribe again.
    RESYNC_AGAIN_SECONDS = 3 * MAX_RETRY_SECONDS

    def __init__(self, url: str, channel: str, cursors: ResyncCursors) -> None:
        super().__init__(
            url,
            channel=channel,
            # A dead connection is noticed within seconds even when no RST arrives.
            redis_options={"health_check_interval": 5, "socket_keepalive": True},
        )
        self.cursors = cursors
        #: When publishing first failed, while it has not worked again.
        self.publishing_failed_at: float | None = None

    def initialize(self) -> None:
        super().initialize()
        if not self.write_only:
            self.server.start_background_task(self._watch_publishing)

    def _publish(self, data: Any) -> Any:
        result = super()._publish(data)  # None when it gave up
        if result is None and self.publishing_failed_at is None:
            logger.warning("Redis is unreachable: other processes miss events until it is back")
            self.publishing_failed_at = time.time()
        return result

    def _watch_publishing(self) -> None:
        """Once publishing works again after failing, make every client catch up."""
        while True:
            self.server.sleep(self.WATCH_SECONDS)
            payload = self.recover_publishing()
            if payload is not None:
                self.server.sleep(self.RESYNC_AGAIN_SECONDS)
                self._publish_to_others(payload)

    def recover_publishing(self) -> dict[str, Any] | None:
        """If a publish failed and publishing works now, send ``resync`` everywhere.

        Returns what was sent, or None when there was nothing to recover from or
        Redis is still away (the watcher tries again).
        """
        failed_at = self.publishing_failed_at
        if failed_at is None:
            return None
        try:
            payload = self.cursors(failed_at)
        except Exception:
            logger.exception("could not read where clients should catch up from")
            return None
        if self._publish_to_others(payload) is None:
            return None
        self.publishing_failed_at = None
        self.emit(RESYNC_EVENT, payload, namespace=NAMESPACE, ignore_queue=True)
        logger.info("Redis is back: clients of every process catch up")
        return payload

    def _publish_to_others(self, payload: dict[str, Any]) -> Any:
        """Publish ``resync`` to the other processes (our own listener skips our host id)."""
        return super()._publish(
            {
                "method": "emit",
                "event": RESYNC_EVENT,
                "data": [payload],
                "binary": False,
                "namespace": NAMESPACE,
                "room": None,
                "skip_sid": None,
                "callback": None,
                "host_id": self.host_id,
            }
        )

    def _resubscribed(self, lost_at: float) -> None:
        """Our subscription was lost and is back: our clients may have missed events."""
        logger.info("subscribed to Redis again: this process's clients catch up")
        try:
            payload = self.cursors(lost_at)
        except Exception:
            # Without cursors, clients catch up from their own last id: better than nothing.
            logger.exception("could not read where clients should catch up from")
            payload = {"reason": "queue_recovered"}
        self.emit(RESYNC_EVENT, payload, namespace=NAMESPACE, ignore_queue=True)

    def _redis_listen_with_retries(self) -> Any:  # pragma: no cover - exercised by live tests
        """python-socketio's listening loop, with a shorter back-off and the resync hook."""
        retry_sleep = 0.25
        subscribed = False
        lost_at: float | None = None
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    retry_sleep = 0.25
                    if lost_at is not None:
                        self._resubscribed(lost_at)
                        lost_at = None
                yield from self.pubsub.listen()
                subscribed = False  # listen() ended by itself: subscribe again
            except Exception as exc:
                if lost_at is None:
                    logger.warning("lost the Redis subscription (%s); subscribing again", exc)
                    lost_at = time.time()
                subscribed = False
                time.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, self.MAX_RETRY_SECONDS)


def client_manager(
    url: str | None, channel: str, cursors: ResyncCursors
) -> RecoveringRedisManager | None:
    """The client manager for ``EXCHANGE_MESSAGE_QUEUE``: None (one process) or Redis."""
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("EXCHANGE_MESSAGE_QUEUE must be a Redis URL (redis://host:6379/0)")
    return RecoveringRedisManager(url, channel, cursors)
