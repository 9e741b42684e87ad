"""Alert fixtures: an engine on the test database (fresh metrics registry), an event builder for
the small hall, and a plain `store_events` that inserts rows in the caller's transaction (so a
test can hold a transaction open and commit it late)."""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from prometheus_client import CollectorRegistry
from psycopg.types.json import Jsonb

from alerts.engine import Engine
from alerts.metrics import AlertMetrics
from store.db import Database, make_pool

TZ = ZoneInfo("Asia/Shanghai")
CENTER, REGION = "YY-ZW", "610802"
DEPT_SCJG, DEPT_GA = "YY-ZW-SCJG", "YY-ZW-GA"
_seq = itertools.count()


def at(text: str) -> datetime:
    """'2025-09-16 10:00' in China time."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def event(
    kind: str,
    when: datetime,
    payload: dict[str, Any] | None = None,
    *,
    case_no: str | None = None,
    window: str | None = None,
    department: str | None = DEPT_SCJG,
    source: str = "test",
) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "kind": kind,
        "occurred_at": when,
        "source": source,
        "region_code": REGION,
        "center_code": CENTER,
        "department_code": department,
        "window_code": window,
        "case_no": case_no,
        "staff_id": None,
        "payload": payload or {},
    }


def store_events(conn: psycopg.Connection[Any], events: Sequence[dict[str, Any]]) -> list[int]:
    """Insert events (no validation) in the caller's transaction; returns their ids."""
    ids = []
    for e in events:
        row = conn.execute(
            "insert into events (event_id, kind, occurred_at, source, region_code, center_code,"
            " department_code, window_code, case_no, staff_id, payload)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id",
            (
                e["event_id"], e["kind"], e["occurred_at"], e["source"], e["region_code"],
                e["center_code"], e["department_code"], e["window_code"], e["case_no"],
                e["staff_id"], Jsonb(e["payload"]),
            ),
        ).fetchone()  # fmt: skip
        assert row is not None
        ids.append(int(row["id"] if isinstance(row, dict) else row[0]))
    return ids


def promised_case(
    case_no: str, accepted: datetime, days: int = 6, legal: int = 20
) -> list[dict[str, Any]]:
    matter = "YY-ZW-M001"
    applied = {"matter_code": matter, "case_type": "promised", "applicant_name": "张三"}
    accept = {
        "matter_code": matter,
        "case_type": "promised",
        "promised_days": days,
        "legal_days": legal,
    }
    return [
        event("case.applied", accepted - timedelta(minutes=10), applied, case_no=case_no),
        event("case.accepted", accepted, accept, case_no=case_no),
    ]


class FixedClock:
    """The engine's `now`, settable by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def alert_pool(db: Database) -> Iterator[Any]:
    pool = make_pool(db.url, "hallwatch-alerts-test", max_size=4)
    yield pool
    pool.close()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def engine(alert_pool: Any, small: Any, registry: CollectorRegistry) -> Engine:
    """An engine on the small hall, with the real clock (tests that need another pass one)."""
    e = Engine(alert_pool, worker="test", parts=2, metrics=AlertMetrics(registry))
    e.refresh(force=True)
    return e


def engine_at(pool: Any, clock: Any = None, batch: int = 1000) -> Engine:
    """One worker on one partition with its reference data loaded; `clock` is its now."""
    e = Engine(pool, worker="t", parts=1, batch=batch, **({"clock": clock} if clock else {}))
    e.refresh(force=True)
    return e


def jobs_due(conn: psycopg.Connection[Any]) -> None:
    """Make every periodic job due at the engine's next round."""
    conn.execute("update alert_jobs set next_run_at = now()")


def drain(engine: Engine, rounds: int = 20) -> None:
    """Run the engine until a round does no work (at most `rounds`)."""
    for _ in range(rounds):
        if engine.step() == 0:
            return


@dataclass(frozen=True)
class Posted:
    path: str
    headers: dict[str, str]
    body: Any


class Robot:
    """A local HTTP server standing in for a webhook or a DingTalk/WeCom robot: records every
    POST and answers from `answers` (status, JSON), then with `status` and an "ok" body."""

    def __init__(self) -> None:
        self.requests: list[Posted] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self.status = 200
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.requests.append(Posted(self.path, dict(self.headers), json.loads(body)))
                ok = (robot.status, {"errcode": 0, "errmsg": "ok"})
                status, answer = robot.answers.pop(0) if robot.answers else ok
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def robot() -> Iterator[Robot]:
    r = Robot()
    yield r
    r.server.shutdown()
