"""A worker killed mid-run and started again: no alert lost, none duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from store.repos.alerts import board
from tests.fix_alerts import DEPT_GA, at, event, store_events
from tests.fix_ingest import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def start_worker(db_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HALLWATCH_")},
        "HALLWATCH_DATABASE_URL": db_url,
        "HALLWATCH_DATA_DIR": str(log.parent),
        "HALLWATCH_ALERTS_PORT": str(free_port()),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from hallwatch.cli import main; main()", "serve", "alerts"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def violations(n: int, offset: int) -> list[dict]:
    out = []
    for i in range(offset, offset + n):
        case = f"K{i:05d}"
        applied = {"matter_code": "YY-ZW-M002", "case_type": "instant", "applicant_name": "甲"}
        out.append(
            event("case.applied", at("2025-09-16 10:00"), applied, case_no=case, department=DEPT_GA)
        )
        fee = {"amount": "25.00", "receipt_no": f"R{i}"}
        out.append(
            event("fee.charged", at("2025-09-16 10:02"), fee, case_no=case, department=DEPT_GA)
        )
    return out


def count_fee_alerts(conn) -> int:
    return len(board.list_alerts(conn, region_prefix="", rule="fee.off_standard", limit=10_000))


def running(conn) -> bool:
    return conn.execute("select count(*) as n from alert_cursors").fetchone()["n"] > 0


def test_a_killed_worker_restarts_without_losing_or_duplicating_alerts(db, small, conn, tmp_path):
    total, batch = 600, 20
    done = threading.Event()

    def produce() -> None:
        with psycopg.connect(db.url, autocommit=False) as c:
            for offset in range(0, total, batch):
                store_events(c, violations(batch, offset))
                c.commit()
                time.sleep(0.05)
        done.set()

    worker = start_worker(db.url, tmp_path / "alerts-1.log")
    deadline = time.monotonic() + 60
    while not running(conn) and time.monotonic() < deadline:
        time.sleep(0.1)  # the worker is tailing before the stream starts
    producer = threading.Thread(target=produce)
    producer.start()
    while count_fee_alerts(conn) < 50 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert count_fee_alerts(conn) >= 50, (tmp_path / "alerts-1.log").read_text()[-2000:]
    worker.send_signal(signal.SIGKILL)  # mid-run, mid-batch if it can
    worker.wait(10)
    killed_at = count_fee_alerts(conn)
    worker = start_worker(db.url, tmp_path / "alerts-2.log")
    try:
        producer.join(60)
        assert done.is_set()
        deadline = time.monotonic() + 90
        while count_fee_alerts(conn) < total and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
    assert killed_at < total
    assert count_fee_alerts(conn) == total
    dupes = conn.execute("select dedup_key from alerts group by 1 having count(*) > 1").fetchall()
    assert dupes == []
    raised = conn.execute(
        "select count(*) as n from alert_history h join alerts a on a.id = h.alert_id"
        " where h.action = 'raise' and a.rule = 'fee.off_standard'"
    ).fetchone()
    assert raised["n"] == total  # each raised once: no evaluation was applied twice
