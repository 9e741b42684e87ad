"""Edge to centre to database with real nats-servers: a hall's edge agent cut off from the centre
for a minute while one of the two central ingest workers is killed mid-stream and restarted;
the central nats-server killed and restarted mid-stream. Every published event is stored exactly
once, nothing is lost, and each case's events reach the central stream in order. The workers are
`hallwatch serve ingest` exactly as docker/compose.yaml runs them (two replicas on one durable
pull consumer), the agent is `hallwatch edge run`."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import nats
import pytest

from ingest.sources.nats import publish
from tests.deploy.procs import compose_config, replicas_of
from tests.edge.central import read_stream
from tests.edge.events import case_stream, order_by_case

OUTAGE_S = 60.0

pytestmark = pytest.mark.slow


@pytest.fixture
def ingest_workers(db, hall, central, tmp_path):
    """The compose file's ingest replicas, on the test database and the central nats-server."""
    service = compose_config()["services"]["ingest"]
    workers = replicas_of("ingest", service, db_url=db.url, nats_url=central.url, workdir=tmp_path)
    assert len(workers) == 2
    for w in workers:
        w.start()
    for w in workers:
        w.wait_healthy()
    yield workers
    for w in workers:
        w.stop()


class Publisher(threading.Thread):
    """Publishes `events` in small batches at a steady pace, retrying a batch until the
    stream took it (as any publisher must across a server restart)."""

    def __init__(self, url: str, events: list[dict], batch: int = 50, pause: float = 0.05):
        super().__init__(daemon=True)
        self.url, self.events, self.batch, self.pause = url, events, batch, pause
        self.sent = 0
        self.retries = 0

    def run(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        nc = await nats.connect(self.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
        js = nc.jetstream(timeout=2)
        while self.sent < len(self.events):
            chunk = self.events[self.sent : self.sent + self.batch]
            try:
                await publish(js, chunk)
            except (nats.errors.Error, TimeoutError):
                self.retries += 1
                await asyncio.sleep(0.3)
                continue
            self.sent += len(chunk)
            await asyncio.sleep(self.pause)
        await nc.close()

    def wait_for(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.sent < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.sent >= count, f"published {self.sent} of {count}"


def _wait_stored(conn, expected: int, timeout: float = 90.0) -> int:
    deadline = time.monotonic() + timeout
    stored = -1
    while time.monotonic() < deadline:
        stored = conn.execute("select count(*) as n from events").fetchone()["n"]
        if stored >= expected:
            time.sleep(1.0)  # would a straggler make it more than expected?
            return conn.execute("select count(*) as n from events").fetchone()["n"]
        time.sleep(0.5)
    return stored


def _assert_stored_exactly_once(conn, events: list[dict]) -> None:
    ids = {r["event_id"] for r in conn.execute("select event_id::text from events")}
    assert ids == {e["event_id"] for e in events}
    row = conn.execute(
        "select count(*) as n, count(distinct event_id) as distinct_ids from events"
    ).fetchone()
    assert row["n"] == row["distinct_ids"] == len(events)
    assert conn.execute("select count(*) as n from dead_letters").fetchone()["n"] == 0


def _accepted_by(worker) -> float:
    """Events this worker process stored, from its own /metrics."""
    text = httpx.get(worker.metrics_url, timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("hallwatch_ingest_events_total{") and 'outcome="accepted"' in line
    )


def _post_paced(edge, events: list[dict], seconds: float) -> None:
    """Post `events` to the edge agent evenly over `seconds`, as a hall's devices would."""
    started, sent = time.monotonic(), 0
    while sent < len(events):
        due = min(len(events), int((time.monotonic() - started) / seconds * len(events)) + 1)
        if due > sent:
            assert edge.post(events[sent:due])["stored"] == due - sent
            sent = due
        time.sleep(0.1)


def test_a_hall_cut_off_for_a_minute_while_an_ingest_worker_dies_loses_nothing_in_order(
    ingest_workers, central, wan, edge_process, conn
):
    edge = edge_process("YY-ZW", wan.url)
    events = list(case_stream(150, tag="outage"))  # 750 events, cases interleaved by tens
    flowing, during, after = events[:225], events[225:625], events[625:]
    victim = ingest_workers[0]

    sent = 0
    while sent < 150 or not all(_accepted_by(w) > 0 for w in ingest_workers):
        assert sent < len(flowing), "one worker took everything: the consumer is not shared"
        _post_paced(edge, flowing[sent : sent + 15], seconds=0.3)
        sent += 15
    victim.kill()  # SIGKILL mid-stream: what it fetched and did not ack is delivered again
    _post_paced(edge, flowing[sent:], seconds=1)
    wan.cut()  # the hall's line goes down, maybe in the middle of a forwarded batch
    started = time.monotonic()
    _post_paced(edge, during[:200], seconds=25)  # the hall keeps working
    victim.start()
    _post_paced(edge, during[200:], seconds=25)
    health = edge.health()
    assert health["central"] == "disconnected"
    assert health["backlog"] > 0, health  # events wait in the hall, not lost
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - started)))
    victim.wait_healthy()

    wan.restore()
    _post_paced(edge, after, seconds=1)
    edge.wait_drained(timeout=60)
    assert _wait_stored(conn, len(events)) == len(events)
    _assert_stored_exactly_once(conn, events)
    arrived = [event for _, event in read_stream(central.url)]
    assert order_by_case(arrived) == order_by_case(events)


def test_the_nats_server_killed_and_restarted_mid_stream_loses_nothing(
    ingest_workers, central, conn
):
    events = list(case_stream(300, tag="restart"))  # 1,500 events
    publisher = Publisher(central.url, events)
    publisher.start()

    publisher.wait_for(600)
    central.restart(kill=True)  # SIGKILL, then start again on the same port and store
    publisher.join(120)

    assert publisher.sent == len(events)
    assert _wait_stored(conn, len(events)) == len(events)
    _assert_stored_exactly_once(conn, events)
