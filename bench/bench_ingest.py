"""Ingest throughput, three ways on the same rows in one run (ARCHITECTURE.md → Benchmarks):

1. raw COPY: the events, already as Python tuples, binary-COPYed into `events` — the baseline;
2. `hallwatch ingest file`: the same events from a JSONL file (the sim's output), validated,
   de-duplicated and written by the batched writer (`ingest.sources.file.import_file`, the
   function the command runs), then the projection catch-up measured on its own;
3. the HTTP API: `hallwatch serve ingest` as a child process, the same events POSTed in batches
   of 10,000 by two client threads, each batch acknowledged after its commit.

Each run starts from empty tables on a PostgreSQL of its own. Usage:
    python -m bench ingest [--days 30] [--windows 40]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg

from bench.common import Metric, record
from core.events import parse_event
from ingest.auth import new_key
from ingest.projector import Projector
from ingest.sources.file import default_workers, import_file
from ingest.validate import ReferenceIndex, Validator, event_row
from ingest.writer import Writer
from sim.config import HallConfig, SimConfig
from sim.dataset import generate, write_events
from store.db import ensure_database
from store.migrate import migrate
from store.repos import events as event_repo
from store.repos import ingest as ingest_repo
from store.repos import reference
from store.server import EmbeddedPostgres

TABLES = (
    "events, event_ids, dead_letters, cases, complaints, clocks, window_state, staff_attendance"
)
HTTP_BATCH = 10_000


def fresh(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f"truncate {TABLES}")  # type: ignore[arg-type]
        c.execute("delete from projector_cursors")
        c.execute("vacuum analyze")
        c.execute("checkpoint")


def raw_copy(url: str, rows: list[tuple[Any, ...]]) -> float:
    fresh(url)
    with psycopg.connect(url) as c:
        event_repo.accept_raw_json(c)  # payloads are JSON bytes, as the writer's are
        started = time.perf_counter()
        for i in range(0, len(rows), 10_000):
            with c.cursor() as cur, cur.copy(event_repo._COPY_EVENTS) as copy:
                copy.set_types(list(event_repo.EVENT_TYPES))
                for row in rows[i : i + 10_000]:
                    copy.write_row(row)
            c.commit()
        return time.perf_counter() - started


def file_import(url: str, path: Path, n: int) -> tuple[float, float]:
    fresh(url)
    with psycopg.connect(url, autocommit=True) as conn:
        validator = Validator(ReferenceIndex(lambda: ingest_repo.reference_codes(conn)))
        writer = Writer(lambda: psycopg.connect(url), max_queue=30_000).start()
        started = time.perf_counter()
        summary = import_file(path, writer, validator, workers=default_workers(path))
        stored = time.perf_counter() - started
        writer.stop()
        assert summary.accepted == n, summary
        started = time.perf_counter()
        Projector().catch_up(conn)
        return stored, time.perf_counter() - started


def http(url: str, events: list[dict[str, Any]], data_dir: Path) -> float:
    fresh(url)
    secret, prefix, key_hash = new_key()
    with psycopg.connect(url, autocommit=True) as c:
        region = events[0]["region_code"]
        ingest_repo.add_api_key(
            c, prefix=prefix, key_hash=key_hash, name="bench", source="sim",
            region_code=region, center_code=None,
        )  # fmt: skip
    bodies = [orjson.dumps(events[i : i + HTTP_BATCH]) for i in range(0, len(events), HTTP_BATCH)]
    proc, base = _serve(url, data_dir)
    try:
        started = time.perf_counter()
        threads = [
            threading.Thread(target=_post, args=(base, secret, bodies[k::2])) for k in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(30)


def _post(base: str, secret: str, bodies: list[bytes]) -> None:
    with httpx.Client(base_url=base, headers={"X-API-Key": secret}, timeout=120) as client:
        for body in bodies:
            r = client.post("/v1/events", content=body)
            if r.status_code != 200:
                raise RuntimeError(f"{r.status_code}: {r.text[:500]}")


def _serve(url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("HALLWATCH_")}
    env |= {
        "HALLWATCH_DATABASE_URL": url,
        "HALLWATCH_DATA_DIR": str(data_dir),
        "HALLWATCH_INGEST_PORT": str(port),
        "HALLWATCH_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    }
    cmd = [sys.executable, "-c", "from hallwatch.cli import main; main()", "serve", "ingest"]
    proc = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the ingest service did not start")


def measure(url: str, dataset: Any, work: Path, rows: list[Any], reps: int) -> dict[str, float]:
    """Seconds of each way, best of `reps` rounds (the rounds interleave the ways, so a burst of
    load from other processes on a shared machine does not hit one way only)."""
    path = work / "events.jsonl"
    write_events(dataset.events, path)
    n = len(dataset.events)
    best: dict[str, float] = {}
    for _ in range(reps):
        file_s, project_s = file_import(url, path, n)
        timings = {
            "copy": raw_copy(url, rows),
            "file": file_s,
            "project": project_s,
            "http": http(url, dataset.events, work / "var"),
        }
        for key, seconds in timings.items():
            best[key] = min(best.get(key, seconds), seconds)
    return best


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ingest")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--windows", type=int, default=40)
    parser.add_argument("--reps", type=int, default=3, help="rounds; the best of each is kept")
    args = parser.parse_args(argv)
    dataset = generate(SimConfig(days=args.days, hall=HallConfig(windows=args.windows)))
    n = len(dataset.events)
    rows = [event_row(parse_event(orjson.dumps(e))) for e in dataset.events]
    with tempfile.TemporaryDirectory(prefix="hw-bench-ingest-") as tmp:
        work = Path(tmp)
        server = EmbeddedPostgres(work / "pg" / "data").start()
        try:
            ensure_database(server.uri("postgres"), "bench")
            url = server.uri("bench")
            migrate(url)
            with psycopg.connect(url, autocommit=True) as c:
                for hall in dataset.halls:
                    reference.save_hall(c, hall)
            best = measure(url, dataset, work, rows, args.reps)
            workers = default_workers(work / "events.jsonl")
        finally:
            server.stop()
    raw = n / best["copy"]
    note = f"{n} sim events ({args.days} days, {args.windows} windows), best of {args.reps}"
    record(
        "ingest",
        {
            "raw_copy_events_per_s": Metric(raw, "events/s", note=note),
            "file_import_events_per_s": Metric(
                n / best["file"], "events/s", raw, 50_000, note=note
            ),
            "file_import_ratio_to_raw_copy": Metric(
                best["copy"] / best["file"],
                "ratio",
                None,
                0.5,
                note=f"{workers} worker processes (the default on {os.cpu_count()} cores)",
            ),
            "http_batches_events_per_s": Metric(
                n / best["http"], "events/s", raw, 20_000, note=note
            ),
            "projection_events_per_s": Metric(
                n / best["project"], "events/s", note="cases, complaints, clocks, window state"
            ),
        },
    )
