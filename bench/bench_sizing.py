"""Sizing figures for DEPLOY.md: database bytes per million events (plain PostgreSQL; TimescaleDB
before and after compression) and events per second per ingest worker (the writer alone, and
`hallwatch serve ingest` processes draining the central NATS stream).

The events are a simulated centre's (sim/, default 30 days of a 40-window hall). Plain
PostgreSQL is the embedded server, written through the ingest writer as production writes;
TimescaleDB is PGlite (PostgreSQL 17 + TimescaleDB 2.23 in WASM, tests/timescale/) with the same
migrations, loaded by SQL and every chunk compressed. Baselines in the same run: the events as
JSON lines (bytes), raw text COPY of the same rows into the same tables (writer events/s), and
the writer alone (NATS path events/s).

    python -m bench sizing [DAYS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import psycopg

from bench.common import Metric, record
from sim.config import HallConfig, SimConfig
from sim.dataset import generate
from store.db import ensure_database
from store.migrate import discover, migrate, plan
from store.server import EmbeddedPostgres

ROOT = Path(__file__).resolve().parent.parent
TIMESCALE_DIR = ROOT / "tests" / "timescale"
SCRIPT = Path(__file__).with_name("sizing_timescale.mjs")
MILLION = 1_000_000
HALLWATCH = str(Path(sys.executable).parent / "hallwatch")


def _dataset(days: int) -> Any:
    return generate(SimConfig(days=days, hall=HallConfig(windows=40)))


def _row(event: dict[str, Any]) -> dict[str, Any]:
    keys = ("event_id", "kind", "occurred_at", "source", "region_code", "center_code")
    row = {k: event[k] for k in keys}
    for k in ("department_code", "window_code", "case_no", "staff_id"):
        row[k] = event.get(k)
    row["payload"] = event["payload"]
    return row


def _sizes(conn: psycopg.Connection[Any]) -> tuple[int, int]:
    conn.execute("vacuum analyze events")
    conn.execute("vacuum analyze event_ids")
    row = conn.execute(
        "select pg_total_relation_size('events'), pg_total_relation_size('event_ids')"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _write_through_ingest(url: str, events: list[dict[str, Any]]) -> float:
    """Events/s of ingest's in-process entry (validate, encode, batch COPY with de-duplication,
    the projector folding beside it), in chunks of 10,000."""
    from ingest.service import IngestService

    service = IngestService(url)
    service.start_workers()
    try:
        started = time.perf_counter()
        accepted = 0
        for i in range(0, len(events), 10_000):
            accepted += service.submit(events[i : i + 10_000], source="bench").accepted
        rate = len(events) / (time.perf_counter() - started)
        assert accepted == len(events), f"{accepted} of {len(events)} accepted"
        return rate
    finally:
        service.stop_workers()


def _raw_copy(url: str, events: list[dict[str, Any]]) -> float:
    """Events/s of plain text COPY of the same rows into `event_ids` and `events`."""
    rows = [(*list(_row(e).values())[:10], orjson.dumps(e["payload"]).decode()) for e in events]
    cols = "event_id, kind, occurred_at, source, region_code, center_code,"
    cols += " department_code, window_code, case_no, staff_id, payload"
    with psycopg.connect(url) as conn:
        conn.execute("truncate events, event_ids")
        started = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy("copy event_ids (event_id, occurred_at) from stdin") as copy:
                for r in rows:
                    copy.write_row((r[0], r[2]))
            with cur.copy(f"copy events ({cols}) from stdin") as copy:
                for r in rows:
                    copy.write_row(r)
        conn.commit()
        return len(rows) / (time.perf_counter() - started)


def _seeded(server: EmbeddedPostgres, halls: list[Any]) -> str:
    from hallwatch.demo import seed_hall

    ensure_database(server.uri("postgres"), "sizing")
    url = server.uri("sizing")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        for hall in halls:
            seed_hall(conn, hall)
    return url


def plain(tmp: Path, events: list[dict[str, Any]], halls: list[Any]) -> dict[str, float]:
    server = EmbeddedPostgres(tmp / "pg").start()
    try:
        url = _seeded(server, halls)
        rate = _write_through_ingest(url, events)
        with psycopg.connect(url, autocommit=True) as conn:
            events_bytes, ids_bytes = _sizes(conn)
        copy_rate = _raw_copy(url, events)
    finally:
        server.stop()
    return {"events": events_bytes, "event_ids": ids_bytes, "rate": rate, "copy_rate": copy_rate}


def _publish_all(url: str, events: list[dict[str, Any]]) -> None:
    import asyncio

    import nats

    from ingest.sources.nats import central_stream_config, publish

    async def run() -> None:
        nc = await nats.connect(url)
        js = nc.jetstream(timeout=30)
        await js.add_stream(central_stream_config())
        for i in range(0, len(events), 1000):
            await publish(js, events[i : i + 1000])
        await nc.close()

    asyncio.run(run())


def _count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("select count(*) from events").fetchone()
    return int(row[0]) if row else 0


def nats_ingest(tmp: Path, events: list[dict[str, Any]], halls: list[Any], workers: int) -> float:
    """Events/s of `workers` `hallwatch serve ingest` processes draining a backlog in the
    central stream, from the first commit to the last."""
    from hallwatch.edge.localnats import NatsServer, free_port

    server = EmbeddedPostgres(tmp / f"pg-nats-{workers}").start()
    nats_server = NatsServer(tmp / f"nats-{workers}" / "js").start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        url = _seeded(server, halls)
        _publish_all(nats_server.url, events)  # the backlog is waiting before any worker runs
        env = {k: v for k, v in os.environ.items() if not k.startswith("HALLWATCH_")}
        env |= {"HALLWATCH_DATABASE_URL": url, "HALLWATCH_NATS_URL": nats_server.url}
        env |= {"HALLWATCH_LOG_LEVEL": "WARNING"}
        for i in range(workers):
            worker_env = env | {"HALLWATCH_INGEST_PORT": str(free_port())}
            worker_env["HALLWATCH_DATA_DIR"] = str(tmp / f"ingest-{workers}-{i}")
            procs.append(subprocess.Popen([HALLWATCH, "serve", "ingest"], env=worker_env))
        while (first := _count(url)) == 0:  # timing starts at the first commit: not start-up
            time.sleep(0.05)
        started = time.perf_counter()
        while _count(url) < len(events):
            time.sleep(0.1)
        return (len(events) - first) / (time.perf_counter() - started)
    finally:
        for p in procs:
            p.terminate()
            p.wait(60)
        nats_server.stop()
        server.stop()


def timescale(tmp: Path, events: list[dict[str, Any]]) -> dict[str, Any]:
    from tests.fix_timescale import ensure_timescale_node

    node = ensure_timescale_node()
    plan_file, rows_file = tmp / "plan.json", tmp / "rows.jsonl"
    migrations = [{"key": m.key, "path": str(m.path)} for m in plan(discover(), timescale=True)]
    plan_file.write_text(json.dumps(migrations), encoding="utf-8")
    rows_file.write_bytes(b"\n".join(orjson.dumps(_row(e)) for e in events))
    out = subprocess.run(
        [node, "--input-type=module"],
        input=SCRIPT.read_text(encoding="utf-8"),
        cwd=TIMESCALE_DIR,
        env={"HW_PLAN": str(plan_file), "HW_ROWS": str(rows_file), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if out.returncode != 0:
        raise RuntimeError(f"PGlite sizing failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def main(argv: list[str]) -> None:
    days = int(argv[0]) if argv else 30
    dataset = _dataset(days)
    events = dataset.events
    n = len(events)
    per_m = MILLION / n
    json_bytes = sum(len(orjson.dumps(e)) + 1 for e in events)
    with tempfile.TemporaryDirectory(prefix="hw-sizing-") as tmp:
        p = plain(Path(tmp), events, dataset.halls)
        t = timescale(Path(tmp), events)
        one = nats_ingest(Path(tmp), events, dataset.halls, workers=1)
        two = nats_ingest(Path(tmp), events, dataset.halls, workers=2)
    assert t["read_back"] == n, t
    mib = 1024**2
    plain_total = (p["events"] + p["event_ids"]) * per_m / mib
    before = (t["before"]["events"] + t["before"]["event_ids"]) * per_m / mib
    after = (t["after"]["events"] + t["after"]["event_ids"]) * per_m / mib
    note = f"{n} simulated events ({days} days, 40 windows)"
    record(
        "sizing",
        {
            "plain_mib_per_million_events": Metric(
                plain_total,
                "MiB",
                json_bytes * per_m / mib,
                better="lower",
                note=f"events + event_ids with indexes, PostgreSQL 18; baseline: the JSON; {note}",
            ),
            "timescale_mib_per_million_events": Metric(
                before,
                "MiB",
                json_bytes * per_m / mib,
                better="lower",
                note=f"uncompressed hypertable + event_ids, TimescaleDB {t['timescaledb']}",
            ),
            "timescale_compressed_mib_per_million_events": Metric(
                after,
                "MiB",
                before,
                better="lower",
                note=f"every chunk compressed ({t['chunks']} chunks); baseline: uncompressed",
            ),
            "compressed_events_only_mib_per_million": Metric(
                t["after"]["events"] * per_m / mib,
                "MiB",
                t["before"]["events"] * per_m / mib,
                better="lower",
                note="the events hypertable alone; event_ids is not compressed",
            ),
            "ingest_in_process_events_per_s": Metric(
                p["rate"],
                "events/s",
                p["copy_rate"],
                note="ingest in process (validate, encode, COPY, de-dup; projector beside), "
                "embedded PostgreSQL; baseline: raw text COPY of the same rows",
            ),
            "nats_ingest_one_worker_events_per_s": Metric(
                one,
                "events/s",
                p["rate"],
                note="one `hallwatch serve ingest` draining the central stream, NATS and "
                "PostgreSQL on the same 2 cores; baseline: ingest in process",
            ),
            "nats_ingest_two_workers_events_per_s": Metric(
                two,
                "events/s",
                one,
                note="two workers on one durable pull consumer; baseline: one worker",
            ),
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])
