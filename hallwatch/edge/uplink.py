"""Store and forward: the hall's buffer to the central JetStream stream, in order.

A session starts on each connection to the centre. It recreates the pull consumer `uplink` on
the work-queue buffer, so delivery starts again at the oldest event not yet acknowledged by the
centre, in stream order, whatever a previous session (or a crash, or a restart of the local
server) left pending. Each batch is published to the centre pipelined on one connection, keeping
the subject and `Nats-Msg-Id`; a buffered event is acknowledged (and so leaves the buffer) only
after the centre's stream acknowledged it. At the first failure the session ends; the next one
resends from the first event not acknowledged, and whatever the centre already stored it
recognises as a duplicate of its `Nats-Msg-Id`.

The central connection never reconnects by itself (`allow_reconnect=False`): a client that
reconnects replays its unsent buffer after the socket died, which could put a later event ahead
of an earlier one. The loop opens a fresh connection, with backoff, instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError, NotFoundError

from hallwatch.edge.metrics import EdgeMetrics
from hallwatch.edge.subjects import BUFFER_STREAM, MSG_ID, SUBJECTS

log = logging.getLogger(__name__)

DURABLE = "uplink"
EDGE_SEQ = "Hallwatch-Edge-Seq"
_FAILURES = (NatsError, APIError, OSError, TimeoutError)


class CentralUnavailable(RuntimeError):
    """The centre did not acknowledge an event (connection lost, timeout, stream missing)."""


class Backoff:
    def __init__(self, first: float = 0.5, cap: float = 5.0) -> None:
        self.first, self.cap, self.delay = first, cap, first

    def next(self) -> float:
        delay, self.delay = self.delay, min(self.delay * 2, self.cap)
        return delay

    def reset(self) -> None:
        self.delay = self.first


def consumer_config(batch: int) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=DURABLE,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=60.0,
        max_deliver=-1,  # never give up on an event: it waits in the hall until the centre has it
        max_ack_pending=batch * 4,
    )


def forward_headers(msg: Msg, center: str) -> dict[str, str]:
    headers = {EDGE_SEQ: f"{center}:{msg.metadata.sequence.stream}"}
    if msg.headers and MSG_ID in msg.headers:
        headers[MSG_ID] = msg.headers[MSG_ID]
    return headers


async def sleep_unless(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)


class Uplink:
    """Forwards the buffer to `central_url` until `stopping` is set."""

    def __init__(
        self,
        local_js: JetStreamContext,
        central_url: str,
        metrics: EdgeMetrics,
        *,
        center: str = "",
        batch: int = 256,
        publish_timeout: float = 5.0,
    ) -> None:
        self.local_js = local_js
        self.central_url = central_url
        self.metrics = metrics
        self.center = center
        self.batch = batch
        self.publish_timeout = publish_timeout
        self.connected = False

    async def run(self, stopping: asyncio.Event) -> None:
        backoff = Backoff()
        while not stopping.is_set():
            central = await self._connect()
            if central is None:
                await sleep_unless(stopping, backoff.next())
                continue
            self.connected = True
            self.metrics.central_up.set(1)
            url = central.connected_url  # host and port only: the URL may hold a password
            where = f"{url.hostname}:{url.port}" if url else "?"
            log.info("uplink connected to the centre at %s", where)
            try:
                await self._session(central, stopping)
            except (CentralUnavailable, *_FAILURES) as exc:
                self.metrics.uplink_errors.labels("publish").inc()
                log.warning("uplink lost the centre: %s; events wait in the hall buffer", exc)
                await sleep_unless(stopping, backoff.next())
            else:
                backoff.reset()
            finally:
                self.connected = False
                self.metrics.central_up.set(0)
                await _close(central)

    async def _connect(self) -> Client | None:
        try:
            return await nats.connect(
                self.central_url,
                allow_reconnect=False,
                connect_timeout=3,
                max_reconnect_attempts=0,
                name=f"hallwatch-edge-uplink {self.center}".strip(),
                error_cb=_quiet,
                disconnected_cb=_quiet_event,
                closed_cb=_quiet_event,
            )
        except _FAILURES as exc:
            self.metrics.uplink_errors.labels("connect").inc()
            log.debug("centre unreachable: %s", exc)
            return None

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        """A fresh consumer: delivery from the oldest event still in the buffer."""
        with contextlib.suppress(NotFoundError):
            await self.local_js.delete_consumer(BUFFER_STREAM, DURABLE)
        return await self.local_js.pull_subscribe(
            SUBJECTS, durable=DURABLE, stream=BUFFER_STREAM, config=consumer_config(self.batch)
        )

    async def _session(self, central: Client, stopping: asyncio.Event) -> None:
        cjs = central.jetstream(timeout=self.publish_timeout)
        psub = await self._subscribe()
        probe = True  # after (re)connecting, send one event alone before pipelining again
        try:
            while not stopping.is_set():
                if central.is_closed:
                    raise CentralUnavailable("connection to the centre closed")
                try:
                    msgs = await psub.fetch(1 if probe else self.batch, timeout=1.0)
                except TimeoutError:
                    continue
                await self.forward(cjs, msgs)
                probe = False
        finally:
            with contextlib.suppress(*_FAILURES):
                await psub.unsubscribe()

    async def forward(self, cjs: JetStreamContext, msgs: Sequence[Msg]) -> None:
        """Publish `msgs` to the centre pipelined; ack each after the centre acked it, in order,
        up to the first failure, which raises CentralUnavailable (the session ends there)."""
        sends = [
            asyncio.ensure_future(
                cjs.publish(m.subject, m.data, headers=forward_headers(m, self.center))
            )
            for m in msgs
        ]
        results = await asyncio.gather(*sends, return_exceptions=True)
        for msg, result in zip(msgs, results, strict=True):
            if isinstance(result, BaseException):
                raise CentralUnavailable(f"the centre did not acknowledge: {result!r}")
            await msg.ack()
            self.metrics.forwarded.labels(str(bool(result.duplicate)).lower()).inc()
        self.metrics.last_forward.set(time.time())


async def _close(nc: Client) -> None:
    if nc.is_closed:
        return
    try:
        await nc.close()
    except _FAILURES as exc:
        log.debug("closing the central connection: %s", exc)


async def _quiet(exc: Exception) -> None:
    log.debug("central connection: %s", exc)


async def _quiet_event() -> None:
    return None
