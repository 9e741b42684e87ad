"""Writing events into the hall's buffer: one JetStream publish per event on its subject, with
`Nats-Msg-Id` = `event_id`, so a device that sends an event twice (a retry after a lost reply)
stores it once, here and again at the centre."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import APIError

from core.events import event_to_row, parse_event
from hallwatch.edge.metrics import EdgeMetrics
from hallwatch.edge.subjects import MSG_ID, subject_of

log = logging.getLogger(__name__)


class BufferRefused(RuntimeError):
    """The buffer did not store the event (full, or the local server is down): the sender must
    keep it and retry; nothing was stored."""


@dataclass(frozen=True)
class Stored:
    event_id: str
    subject: str
    duplicate: bool


class EdgePublisher:
    """Validates each event with `core.events` and stores it in the hall's buffer."""

    def __init__(self, js: JetStreamContext, metrics: EdgeMetrics, timeout: float = 5.0) -> None:
        self.js = js
        self.metrics = metrics
        self.timeout = timeout

    async def publish(self, data: Mapping[str, Any] | bytes | str) -> Stored:
        """Store one event; raises core.events.EventError (invalid) or BufferRefused."""
        try:
            event = parse_event(data)
        except ValueError:
            self.metrics.rejected.inc()
            raise
        return await self.publish_valid(event_to_row(event))

    async def publish_valid(self, row: Mapping[str, Any]) -> Stored:
        """Store an event already validated and given as its JSON-ready dict."""
        subject = subject_of(row)
        event_id = str(row["event_id"])
        try:
            ack = await self.js.publish(
                subject, orjson.dumps(row), timeout=self.timeout, headers={MSG_ID: event_id}
            )
        except (APIError, NatsError, TimeoutError) as exc:
            self.metrics.published.labels("refused").inc()
            log.warning("buffer refused event %s: %s", event_id, exc)
            raise BufferRefused(f"the hall buffer did not store the event: {exc}") from exc
        self.metrics.published.labels("duplicate" if ack.duplicate else "stored").inc()
        return Stored(event_id, subject, bool(ack.duplicate))
