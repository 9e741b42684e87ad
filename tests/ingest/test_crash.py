"""Nothing acknowledged is lost: a SIGKILLed ingest process, a PostgreSQL restart mid-stream."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import orjson
import psycopg
import pytest

from ingest.service import IngestService
from ingest.sources.nats import publish
from store.db import ensure_database
from store.migrate import migrate
from store.repos import reference
from store.server import EmbeddedPostgres
from tests.fix_people import small_hall
from tests.ingest import factory as f

pytestmark = pytest.mark.slow


def _batches(n_batches: int, size: int) -> list[bytes]:
    events = [e for i in range(n_batches * size // 3) for e in f.case_life(f"K{i:06d}")]
    return [orjson.dumps(events[i : i + size]) for i in range(0, len(events), size)]


def _stored(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as c:
        row = c.execute("select count(*), count(distinct event_id) from events").fetchone()
    assert row is not None
    return row[0], row[1]


def _post_all(proc, batches, acked: set[int], stop: threading.Event) -> None:
    with httpx.Client(base_url=proc.url, headers=proc.headers, timeout=30) as client:
        for i, body in enumerate(batches):
            if stop.is_set():
                return
            try:
                r = client.post("/v1/events", content=body)
            except httpx.TransportError:
                return  # the server died under us
            if r.status_code == 200:
                acked.add(i)


def test_a_sigkilled_ingest_loses_no_acknowledged_event_and_the_import_completes(
    ingest_process, db
):
    batches = _batches(30, 1998)
    acked: set[int] = set()
    stop = threading.Event()
    poster = threading.Thread(target=_post_all, args=(ingest_process, batches, acked, stop))
    poster.start()
    deadline = time.monotonic() + 120
    while len(acked) < 8 and poster.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    ingest_process.kill()  # SIGKILL, most likely in the middle of a request
    stop.set()
    poster.join(30)
    before = set(acked)
    assert 8 <= len(before) < len(batches)
    count, distinct = _stored(db.url)
    assert count == distinct >= sum(len(orjson.loads(batches[i])) for i in before)

    ingest_process.start()
    again = [i for i in range(len(batches)) if i not in before] + sorted(before)[:3]
    with httpx.Client(base_url=ingest_process.url, headers=ingest_process.headers, timeout=60) as c:
        for i in again:
            r = c.post("/v1/events", content=batches[i])
            assert r.status_code == 200, r.text
            if i in before:
                assert r.json()["accepted"] == 0  # acknowledged before the crash: stored
    total = sum(len(orjson.loads(b)) for b in batches)
    assert _stored(db.url) == (total, total)
    assert ingest_process.stop() == 0  # SIGTERM: a graceful shutdown, queue flushed


@pytest.fixture
def own_pg(tmp_path: Path):
    """A PostgreSQL of this test's own, so restarting it leaves the session server alone."""
    server = EmbeddedPostgres(tmp_path / "pg" / "data").start()
    ensure_database(server.uri("postgres"), "hw")
    url = server.uri("hw")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as c:
        reference.save_hall(c, small_hall())
    yield server, url
    server.stop("immediate")


def test_a_postgres_restart_mid_stream_loses_nothing_from_nats(own_pg, nats_server):
    server, url = own_pg
    nats = nats_server
    service = IngestService(url, nats_url=nats.url)
    events = [e for i in range(4000) for e in f.case_life(f"N{i:05d}")]
    service.start_workers()
    try:
        published = asyncio.run(_publish_with_restart(nats.url, events, server))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if _stored(url)[0] >= len(events):
                    break
            except psycopg.OperationalError:
                pass
            time.sleep(0.2)
        assert published == len(events)
        assert _stored(url) == (len(events), len(events))
        assert service.registry.get_sample_value("hallwatch_ingest_write_retries_total") >= 1
    finally:
        service.stop_workers(timeout=20)


async def _publish_with_restart(nats_url: str, events: list[dict], server) -> int:
    import nats as nats_client

    nc = await nats_client.connect(nats_url)
    js = nc.jetstream()
    from ingest.sources.nats import ensure_stream

    await ensure_stream(js)
    total = 0
    chunk = 500
    for n, i in enumerate(range(0, len(events), chunk)):
        total += await publish(js, events[i : i + chunk])
        if n == len(events) // chunk // 2:
            await asyncio.to_thread(server.restart, "fast")  # in the middle of the stream
        await asyncio.sleep(0.01)
    await nc.close()
    return total
