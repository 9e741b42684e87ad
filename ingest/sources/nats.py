"""NATS JetStream source (ARCHITECTURE.md → Scale-out): halls publish every event on
`hallwatch.<region_code>.<center_code>.<kind>` with `Nats-Msg-Id` = event_id into the central
stream HALLWATCH (server-side de-duplication for two hours); N ingest workers share the durable
pull consumer `ingest` and acknowledge a message only after the database commit that stored it
(or kept it as a dead letter). A message not acknowledged in time — a worker killed, the
database down — is delivered again; the events table's de-duplication makes that harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import nats
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig
from nats.js.errors import APIError, NotFoundError

from core.events import FieldProblem
from ingest.validate import Accepted, Rejected, RejectReason, Validator
from ingest.writer import Submission, Writer, WriterStopped, prepare
from store.repos.events import RowEncoder

log = logging.getLogger(__name__)

STREAM = "HALLWATCH"
SUBJECTS = "hallwatch.>"
DURABLE = "ingest"
MSG_ID = "Nats-Msg-Id"
STATUS, HEARTBEAT = "Status", "100"  # status messages of a pull request (nats.js.api.Header)
DUPLICATE_WINDOW_S = 2 * 3600.0
_FAILURES = (NatsError, APIError, OSError, TimeoutError)


def subject(event: Mapping[str, Any]) -> str:
    """`hallwatch.<region>.<centre>.<kind>`; a `.` inside a code travels as `_`."""
    region = str(event["region_code"]).replace(".", "_")
    center = str(event["center_code"]).replace(".", "_")
    return f"hallwatch.{region}.{center}.{event['kind']}"


def central_stream_config() -> StreamConfig:
    return StreamConfig(
        name=STREAM,
        subjects=[SUBJECTS],
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
    )


def consumer_config(batch: int, ack_wait_s: float) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=DURABLE,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait_s,
        max_deliver=-1,  # never give up: an event waits in the stream until it is stored
        max_ack_pending=batch * 4,
    )


async def ensure_stream(js: JetStreamContext) -> None:
    try:
        await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(central_stream_config())


async def publish(js: JetStreamContext, events: Sequence[Mapping[str, Any]]) -> int:
    """Publish events (as the edge uplink does); returns how many the stream took as new."""
    acks = await asyncio.gather(
        *(
            js.publish(subject(e), orjson.dumps(e), headers={MSG_ID: str(e["event_id"])})
            for e in events
        )
    )
    return sum(not a.duplicate for a in acks)


async def ensure_consumer(js: JetStreamContext, config: ConsumerConfig) -> None:
    try:
        await js.consumer_info(STREAM, DURABLE)
    except NotFoundError:
        await js.add_consumer(STREAM, config)


async def pull(nc: Client, batch: int, expires_s: float) -> list[Msg]:
    """One pull request on the durable consumer: up to `batch` messages, or fewer when the
    request expires. (nats-py's `fetch` awaits each message with its own timeout, which costs
    more than the rest of ingest per message; a subscription callback does not.)"""
    inbox = nc.new_inbox()
    got: list[Msg] = []
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def on_msg(msg: Msg) -> None:
        status = msg.headers.get(STATUS) if msg.headers else None
        if status is None:
            got.append(msg)
        if (status not in (None, HEARTBEAT) or len(got) >= batch) and not done.done():
            done.set_result(None)  # a full batch, or 404/408: this request is over

    sub = await nc.subscribe(inbox, cb=on_msg)
    try:
        request = {"batch": batch, "expires": int(expires_s * 1e9)}
        await nc.publish(
            f"$JS.API.CONSUMER.MSG.NEXT.{STREAM}.{DURABLE}", orjson.dumps(request), inbox
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done, expires_s + 2.0)
    finally:
        await sub.unsubscribe()
    return got


def check_message(validator: Validator, msg: Msg) -> Accepted | Rejected:
    checked = validator.check(msg.data)
    msg_id = (msg.headers or {}).get(MSG_ID)
    if isinstance(checked, Accepted) and msg_id is not None and msg_id != str(checked.event_id):
        problem = FieldProblem(field="Nats-Msg-Id", reason="must equal the event's event_id")
        return Rejected(msg.data, RejectReason.INVALID, (problem,), None, checked.kind, msg_id)
    return checked


class NatsConsumer:
    def __init__(
        self,
        url: str,
        writer: Writer,
        validator: Validator,
        *,
        batch: int = 5_000,
        fetch_timeout_s: float = 1.0,
        ack_wait_s: float = 60.0,
        inflight: int = 2,
    ) -> None:
        self.url, self.writer, self.validator = url, writer, validator
        self.inflight = inflight
        self.batch, self.fetch_timeout_s, self.ack_wait_s = batch, fetch_timeout_s, ack_wait_s
        self.stored = 0  # messages acknowledged after their commit
        self.encoder = RowEncoder()

    async def run(self, stopping: threading.Event) -> None:
        """Consume until `stopping` is set; reconnects after any NATS failure."""
        while not stopping.is_set():
            try:
                await self._session(stopping)
            except _FAILURES as exc:
                log.warning("NATS consumer: %s; reconnecting", exc)
                await asyncio.sleep(1.0)

    async def _session(self, stopping: threading.Event) -> None:
        nc = await nats.connect(self.url, max_reconnect_attempts=-1)
        try:
            js = nc.jetstream()
            await ensure_stream(js)
            await ensure_consumer(js, consumer_config(self.batch, self.ack_wait_s))
            log.info("NATS consumer %s on stream %s at %s", DURABLE, STREAM, self.url)
            await self._consume(nc, stopping)
        finally:
            await nc.close()

    async def _consume(self, nc: Client, stopping: threading.Event) -> None:
        """Pull the next batch while the previous ones are being committed (up to `inflight`
        batches at once); every batch is acknowledged after its own commit."""
        inflight: set[asyncio.Task[None]] = set()
        try:
            while not stopping.is_set():
                msgs = await pull(nc, self.batch, self.fetch_timeout_s)
                if msgs:
                    inflight.add(asyncio.create_task(self._store(msgs, stopping)))
                while len(inflight) >= self.inflight or (inflight and not msgs):
                    done, inflight = await asyncio.wait(inflight, return_when="FIRST_COMPLETED")
                    for task in done:
                        task.result()  # re-raise a failure: the session ends, NATS redelivers
        finally:
            for task in inflight:
                task.cancel()

    async def _store(self, msgs: list[Msg], stopping: threading.Event) -> None:
        checked = [check_message(self.validator, m) for m in msgs]
        items = [c for c in checked if isinstance(c, Accepted)]
        rejects = [c for c in checked if isinstance(c, Rejected)]
        source = f"nats:{msgs[0].subject}" if msgs else "nats"
        sub = Submission(prepare(items, self.encoder), rejects, source)
        future = self.writer.submit_waiting(sub)
        waiting = asyncio.wrap_future(future)
        while True:  # the database may be down for a while: keep the messages ours meanwhile
            try:
                await asyncio.wait_for(asyncio.shield(waiting), self.ack_wait_s / 3)
                break
            except TimeoutError:
                if stopping.is_set() and not self.writer.alive:
                    raise WriterStopped("stopped before the commit") from None
                for m in msgs:
                    await m.in_progress()
        for m in msgs:  # each ack only queues a publish: no task per message
            await m.ack()
        self.stored += len(msgs)
