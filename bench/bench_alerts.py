"""Alert engine, in one run on its own embedded PostgreSQL, each engine a real `hallwatch serve
alerts` process:

1. latency: events stored at 2,000 events/s (mostly seat samples, case and queue events, 1 % fee
   violations); latency = alert row created − event received (events.received_at), p50 / p99.
   Baseline, same run: how long a stored row takes to become visible to a reader at all (commit
   to first poll), the floor any tail has.
2. timers: 1,000,000 open clocks, 10,000 of them falling due over one minute; lag = fired_at −
   due time, p50 / p99; the engine's memory (VmRSS).
3. three workers at once on violations: duplicates (goal 0) and alerts lost (goal 0).
"""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bench.common import ROOT, Metric, record
from store.db import ensure_database
from store.migrate import migrate
from store.repos.reference import save_hall
from store.server import EmbeddedPostgres

RATE = 2000  # events per second
SECONDS = 30


def engine(url: str, data: Path, name: str) -> subprocess.Popen[bytes]:
    sock = __import__("socket").socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HALLWATCH_")}
    env |= {
        "HALLWATCH_DATABASE_URL": url,
        "HALLWATCH_DATA_DIR": str(data),
        "HALLWATCH_ALERTS_PORT": str(port),
    }
    log = (data / f"{name}.log").open("ab")
    cmd = [sys.executable, "-c", "from hallwatch.cli import main; main()", "serve", "alerts"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))] if s else float("nan")


# ---------------------------------------------------------------- events


class Source:
    """Synthetic events of the demo hall: seat samples, cases, queue, and fee violations."""

    def __init__(self, hall: Any) -> None:
        self.hall, self.rng, self.n = hall, random.Random(5), 0
        self.windows = [(w.code, w.department_code) for w in hall.windows]
        self.fee_matter = next(m for m in hall.matters if m.fee is not None)
        self.center, self.region = hall.center.code, hall.center.region_code
        self.violations = 0

    def row(
        self,
        kind: str,
        dept: str | None,
        window: str | None,
        case: str | None,
        payload: dict[str, Any],
    ) -> tuple[Any, ...]:
        now = datetime.now(UTC)
        return (
            uuid.uuid4(),
            kind,
            now,
            "bench",
            self.region,
            self.center,
            dept,
            window,
            case,
            None,
            Jsonb(payload),
        )

    def batch(self, size: int) -> list[tuple[Any, ...]]:
        out = []
        for _ in range(size):
            self.n += 1
            window, dept = self.rng.choice(self.windows)
            x = self.n % 100
            if x == 0:
                case = f"B{self.n}"
                self.violations += 1
                m = self.fee_matter
                out.append(
                    self.row(
                        "case.applied",
                        m.department_code,
                        window,
                        case,
                        {
                            "matter_code": m.code,
                            "case_type": m.case_type.value,
                            "applicant_name": "甲",
                        },
                    )
                )
                out.append(
                    self.row(
                        "fee.charged",
                        m.department_code,
                        window,
                        case,
                        {"amount": str(m.fee + 1), "receipt_no": f"R{self.n}"},
                    )
                )
            elif x < 15:
                out.append(
                    self.row(
                        "case.applied",
                        dept,
                        window,
                        f"N{self.n}",
                        {"matter_code": "none", "case_type": "instant", "applicant_name": "乙"},
                    )
                )
            elif x < 20:
                out.append(
                    self.row("queue.ticket_issued", dept, None, None, {"ticket_no": f"T{self.n}"})
                )
            else:
                occupied = self.rng.random() < 0.97
                out.append(
                    self.row(
                        "presence.sample",
                        dept,
                        window,
                        None,
                        {"camera_code": "CAM", "occupied": occupied, "score": 0.9},
                    )
                )
        return out


INSERT = (
    "insert into events (event_id, kind, occurred_at, source, region_code, center_code,"
    " department_code, window_code, case_no, staff_id, payload)"
    " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def produce(url: str, source: Source, seconds: float, rate: int = RATE) -> int:
    """Store `rate` events a second in 20 commits a second."""
    per = rate // 20
    sent = 0
    with psycopg.connect(url) as conn:
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            tick = start + (sent / rate)
            delay = tick - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            with conn.cursor() as cur:
                rows = source.batch(per)
                cur.executemany(INSERT, rows)
            conn.commit()
            sent += per
    return sent


def visibility_floor(url: str, n: int = 300) -> list[float]:
    """Commit → seen by a polling reader (50 ms polls, as the engine idles)."""
    out = []
    with psycopg.connect(url, autocommit=True) as w, psycopg.connect(url, autocommit=True) as r:
        for i in range(n):
            marker = f"floor-{i}"
            w.execute("insert into alert_jobs (name) values (%s)", (marker,))
            t0 = time.perf_counter()
            while (
                r.execute("select 1 from alert_jobs where name = %s", (marker,)).fetchone() is None
            ):
                time.sleep(0.05)
            out.append(time.perf_counter() - t0)
            time.sleep(random.Random(i).random() * 0.05)
    return out


def latency(url: str, data: Path, hall: Any) -> dict[str, Metric]:
    proc = engine(url, data, "latency")
    time.sleep(4)
    source = Source(hall)
    sent = produce(url, source, SECONDS)
    time.sleep(5)
    rss = rss_mb(proc.pid)
    stop(proc)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select extract(epoch from a.created_at - e.received_at) from alerts a"
            " join events e on e.id = a.trigger_event_id where a.rule = 'fee.off_standard'"
        ).fetchall()
    lat = [float(r[0]) for r in rows]
    floor = visibility_floor(url)
    return {
        "events_per_second": Metric(sent / SECONDS, "events/s", goal=RATE, better="higher"),
        "alert_latency_p50": Metric(pct(lat, 0.5), "s", pct(floor, 0.5), better="lower"),
        "alert_latency_p99": Metric(
            pct(lat, 0.99),
            "s",
            pct(floor, 0.99),
            goal=1.0,
            better="lower",
            note=f"{len(lat)} of {source.violations} alerts",
        ),
        "engine_rss_at_2000_eps": Metric(rss, "MB", better="lower"),
    }


# ---------------------------------------------------------------- timers


def clocks(url: str, hall: Any, first: int, n: int, start: datetime, span: float | None) -> None:
    """COPY `n` open clocks numbered from `first`: due evenly over `span` seconds from `start`,
    or (span None) at random in the weeks after it."""
    rng = random.Random(first)
    dept = hall.departments[0].code
    buf = io.StringIO()
    for i in range(first, first + n):
        if span is not None:
            at = start + timedelta(seconds=span * (i - first) / n)
        else:
            at = start + timedelta(days=7 + rng.random() * 30)
        fields = [
            "complaint", f"Q{i}", "complaint_accept", hall.center.region_code, hall.center.code,
            dept, (at - timedelta(days=30)).isoformat(), "5", "working_days", "deadline",
            at.isoformat(), "{}", "v", "running", at.isoformat(),
        ]  # fmt: skip
        buf.write("\t".join(fields) + "\n")
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(
            "copy clocks (subject_kind, subject_id, clock_kind, region_code, center_code,"
            " department_code, start_at, budget, unit, policy, due_at, level_due, calendar_version,"
            " state, next_fire_at) from stdin"
        ) as copy:
            copy.write(buf.getvalue())
        conn.commit()
        conn.execute("analyze clocks")


def timer_lag(
    url: str, data: Path, hall: Any, total: int = 1_000_000, due: int = 20_000, span: float = 60.0
) -> dict[str, Metric]:
    t0 = time.perf_counter()
    clocks(url, hall, due, total - due, datetime.now(UTC), None)  # open for weeks
    load = time.perf_counter() - t0
    proc = engine(url, data, "timers")
    time.sleep(5)
    start = datetime.now(UTC) + timedelta(seconds=5)
    clocks(url, hall, 0, due, start, span)  # these fall due during the next minute
    end = start + timedelta(seconds=span + 10)
    peak = 0.0
    while datetime.now(UTC) < end:
        time.sleep(2)
        peak = max(peak, rss_mb(proc.pid))
    stop(proc)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select extract(epoch from fired_at - due_at) from clocks where fired_at is not null"
        ).fetchall()
        left = conn.execute(
            "select count(*) from clocks where due_at < %s and fired_at is null",
            (end - timedelta(seconds=10),),
        ).fetchone()
    lag = [max(0.0, float(r[0])) for r in rows]
    return {
        "timer_lag_p50": Metric(
            pct(lag, 0.5), "s", better="lower", note=f"{len(lag)} fired, {total:,} open"
        ),
        "timer_lag_p99": Metric(pct(lag, 0.99), "s", goal=2.0, better="lower"),
        "timers_not_fired": Metric(
            float(left[0]) if left else 0.0, "clocks", goal=0, better="lower"
        ),
        "engine_rss_1m_clocks": Metric(peak, "MB", better="lower"),
        "clock_rows_load": Metric((total - due) / load, "rows/s", better="higher"),
    }


# ---------------------------------------------------------------- several workers


def workers(url: str, data: Path, hall: Any, n: int = 3, seconds: float = 15) -> dict[str, Metric]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "delete from notification_deliveries; delete from alert_history; delete from alerts"
        )
    procs = [engine(url, data, f"worker{i}") for i in range(n)]
    time.sleep(4)
    source = Source(hall)
    produce(url, source, seconds, rate=1000)
    time.sleep(8)
    for p in procs:
        stop(p)
    with psycopg.connect(url) as conn:
        dupes = conn.execute(
            "select count(*) from (select dedup_key from alerts group by 1 having count(*) > 1) d"
        ).fetchone()
        raised = conn.execute(
            "select count(*) from alerts where rule = 'fee.off_standard'"
        ).fetchone()
    got = int(raised[0]) if raised else 0
    return {
        "three_workers_duplicates": Metric(
            float(dupes[0]) if dupes else 0.0, "alerts", goal=0, better="lower"
        ),
        "three_workers_lost": Metric(
            float(max(0, source.violations - got)),
            "alerts",
            goal=0,
            better="lower",
            note=f"{got} of {source.violations} raised",
        ),
    }


def main(argv: list[str]) -> None:
    from sim.config import HallConfig
    from sim.hall import build_hall

    quick = "--quick" in argv
    with tempfile.TemporaryDirectory(prefix="hw-bench-alerts-") as tmp:
        data = Path(tmp)
        server = EmbeddedPostgres(data / "pg").start()
        ensure_database(server.uri("postgres"), "bench")
        url = server.uri("bench")
        migrate(url)
        hall = build_hall(HallConfig(windows=40), seed=7)
        with psycopg.connect(url, autocommit=True) as conn:
            save_hall(conn, hall)
        metrics: dict[str, Metric] = {}
        metrics |= latency(url, data, hall)
        metrics |= workers(url, data, hall)
        metrics |= timer_lag(url, data, hall, total=100_000 if quick else 1_000_000)
        server.stop()
    record("alerts", metrics)


if __name__ == "__main__":
    main(sys.argv[1:])
