"""The JetStream source: stored once, refused messages kept, everything acknowledged after the
commit."""

from __future__ import annotations

import asyncio
import time

import nats
import orjson

from ingest.service import IngestService
from ingest.sources.nats import DURABLE, MSG_ID, STREAM, ensure_stream, publish, subject
from store.repos import events as event_repo
from store.repos import ingest as ingest_repo
from tests.ingest import factory as f


async def _send(url: str) -> tuple[int, int]:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await ensure_stream(js)
    good = f.case_life("C1")
    new = await publish(js, good)
    repeat = await publish(js, good[:1])  # the same Nats-Msg-Id: JetStream drops it
    bad = f.rating("C1", f.at(15, 10), score=9)
    await js.publish(subject(bad), orjson.dumps(bad), headers={MSG_ID: bad["event_id"]})
    odd = f.rating("C1", f.at(15, 11))
    await js.publish(subject(odd), orjson.dumps(odd), headers={MSG_ID: "not-the-event-id"})
    await nc.close()
    return new, repeat


async def _pending(url: str) -> tuple[int, int]:
    nc = await nats.connect(url)
    info = await nc.jetstream().consumer_info(STREAM, DURABLE)
    await nc.close()
    return info.num_pending, info.num_ack_pending


def test_events_from_jetstream_are_stored_once_and_refusals_kept_then_acked(
    db, conn, small, nats_server
):
    service = IngestService(db.url, nats_url=nats_server.url)
    service.start_workers()
    try:
        assert asyncio.run(_send(nats_server.url)) == (3, 0)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and ingest_repo.count_dead_letters(conn) < 2:
            time.sleep(0.1)
        assert event_repo.count(conn) == 3
        letters = {d.problems[0]["field"] for d in ingest_repo.dead_letters(conn)}
        assert letters == {"payload.score", "Nats-Msg-Id"}
        while time.monotonic() < deadline and asyncio.run(_pending(nats_server.url)) != (0, 0):
            time.sleep(0.1)
        assert asyncio.run(_pending(nats_server.url)) == (0, 0)
    finally:
        service.stop_workers(timeout=20)
