"""The engine against a real PostgreSQL: event tail, late commits, clocks, jobs, several
workers, escalation."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
from prometheus_client import CollectorRegistry

from alerts.engine import Engine
from alerts.metrics import AlertMetrics
from store.repos.alerts import board, records
from tests.fix_alerts import (
    DEPT_GA,
    FixedClock,
    at,
    drain,
    engine_at,
    event,
    jobs_due,
    promised_case,
    store_events,
)


def active(conn, rule: str | None = None):
    return board.list_alerts(conn, region_prefix="", rule=rule)


def test_it_raises_a_fee_alert_when_an_event_is_stored(engine, conn):
    ids = store_events(
        conn,
        [
            event(
                "case.applied",
                at("2025-09-16 10:00"),
                {"matter_code": "YY-ZW-M002", "case_type": "instant", "applicant_name": "李四"},
                case_no="C1",
                department=DEPT_GA,
            ),
            event(
                "fee.charged",
                at("2025-09-16 10:05"),
                {"amount": "40.00", "receipt_no": "R1"},
                case_no="C1",
                department=DEPT_GA,
            ),
        ],
    )
    drain(engine)
    [alert] = active(conn, "fee.off_standard")
    assert alert.case_no == "C1" and alert.level == "red"
    assert alert.evidence["standard"] == "20.00" and alert.evidence["charged"] == "40.00"
    assert alert.trigger_event_id == ids[1]
    assert [h.action for h in records.history(conn, alert.id)] == ["raise"]


def test_it_does_not_skip_a_row_that_commits_after_a_higher_id(engine, conn, db):
    late = psycopg.connect(db.url)
    [late_id] = store_events(
        late,
        [
            event(
                "fee.charged",
                at("2025-09-16 10:05"),
                {"amount": "99.00", "receipt_no": "LATE"},
                case_no="L1",
                department=DEPT_GA,
            )
        ],
    )  # taken first, not committed yet
    early = [
        event(
            "case.applied",
            at("2025-09-16 10:00"),
            {"matter_code": "YY-ZW-M002", "case_type": "instant", "applicant_name": "王五"},
            case_no="L1",
            department=DEPT_GA,
        ),
        event(
            "fee.charged",
            at("2025-09-16 10:06"),
            {"amount": "50.00", "receipt_no": "EARLY"},
            case_no="E1",
            department=DEPT_GA,
        ),
        event(
            "case.applied",
            at("2025-09-16 10:00"),
            {"matter_code": "YY-ZW-M002", "case_type": "instant", "applicant_name": "赵六"},
            case_no="E1",
            department=DEPT_GA,
        ),
    ]
    early_ids = store_events(conn, early)
    assert min(early_ids) > late_id
    drain(engine)
    subjects = {a.subject for a in active(conn, "fee.off_standard")}
    assert subjects == {"E1:EARLY"}  # the later id is evaluated without waiting
    late.commit()
    late.close()
    drain(engine)
    subjects = {a.subject for a in active(conn, "fee.off_standard")}
    assert subjects == {"E1:EARLY", "L1:LATE"}
    drain(engine)
    assert len(active(conn, "fee.off_standard")) == 2  # and nothing twice


def test_a_case_clock_fires_from_the_clocks_table_and_stops_when_completed(
    alert_pool, small, conn, projector
):
    accepted = at("2025-09-16 10:00")
    store_events(conn, promised_case("P1", accepted, days=2, legal=20))
    projector.catch_up(conn)  # ingest's projection writes the clock rows
    clock = FixedClock(accepted + timedelta(minutes=1))
    e = engine_at(alert_pool, clock)
    drain(e)
    assert active(conn, "case.promised_deadline") == []
    clock.now = at("2025-09-18 17:31")  # past the promised deadline (2 working days)
    drain(e)
    [alert] = active(conn, "case.promised_deadline")
    assert alert.level == "red"  # yulin: yellow at 90 %, red past the deadline
    assert [h.level for h in records.history(conn, alert.id)] == ["red"]
    row = conn.execute(
        "select level, fired_at from clocks where subject_id = 'P1' and clock_kind = 'promised'"
    ).fetchone()
    assert row["level"] == "red" and row["fired_at"] is not None
    store_events(
        conn, [event("case.completed", at("2025-09-19 09:00"), {"result": "issued"}, case_no="P1")]
    )
    clock.now = at("2025-09-19 09:01")
    drain(e)
    assert records.get(conn, alert.id).status == "open"  # a missed deadline stays for a person


def test_a_deadline_alert_fired_before_a_late_reported_completion_resolves_itself(
    alert_pool, small, conn, projector
):
    """The engine fired red because the completion had not reached it yet (a backlog being
    loaded, a system that reports late); the case was in fact finished in time."""
    accepted = at("2025-09-16 10:00")
    store_events(conn, promised_case("P2", accepted, days=2, legal=20))
    projector.catch_up(conn)
    clock = FixedClock(at("2025-09-22 10:00"))  # long past the promised deadline
    e = engine_at(alert_pool, clock)
    drain(e)
    [alert] = active(conn, "case.promised_deadline")
    assert alert.level == "red"
    done = {"result": "issued"}
    store_events(conn, [event("case.completed", at("2025-09-17 15:00"), done, case_no="P2")])
    projector.catch_up(conn)  # completed a day before the deadline, reported now
    drain(e)
    assert active(conn, "case.promised_deadline") == []
    closed = records.get(conn, alert.id)
    assert closed.status == "resolved"
    assert [h.action for h in records.history(conn, alert.id)] == ["raise", "auto_resolve"]


def completed_after_the_tail_saw_it(conn, projector, alert_pool, case_no: str) -> Engine:
    """A case past its deadline whose completion (in time) is stored, and read by the engine's
    tail, but not yet folded by the projector: its clocks still run."""
    store_events(conn, promised_case(case_no, at("2025-09-16 10:00"), days=2, legal=20))
    projector.catch_up(conn)
    done = {"result": "issued"}
    store_events(conn, [event("case.completed", at("2025-09-17 15:00"), done, case_no=case_no)])
    e = engine_at(alert_pool, FixedClock(datetime.now(UTC)))
    while e.tail_once(0):
        pass
    return e


def test_a_clock_waits_for_the_projector_to_fold_its_cases_events(
    alert_pool, small, conn, projector
):
    """A backlog being loaded (the demo's week of history): without the wait, every case
    completed in time but not yet projected fired red and resolved itself a moment later."""
    e = completed_after_the_tail_saw_it(conn, projector, alert_pool, "P3")
    assert e.timers_once() == 0  # the completion is on its way: no red
    projector.catch_up(conn)
    e.clock.now = datetime.now(UTC)  # type: ignore[attr-defined]
    drain(e)
    assert conn.execute("select count(*) as n from alerts").fetchone()["n"] == 0


def test_behind_a_stuck_projector_the_clock_fires_and_its_late_stop_clears_the_red(
    alert_pool, small, conn, projector
):
    """Past PENDING_MAX the clock fires anyway; when the projector recovers, the stop (before
    the level it raised) wakes the engine, which resolves the red."""
    e = completed_after_the_tail_saw_it(conn, projector, alert_pool, "P4")
    conn.execute("update events set received_at = now() - interval '11 minutes'")
    assert e.timers_once() > 0
    [alert] = active(conn, "case.promised_deadline")
    assert alert.level == "red"

    projector.catch_up(conn)  # the stop: completed a day before the deadline
    e.clock.now = datetime.now(UTC)  # type: ignore[attr-defined]
    drain(e)
    assert active(conn) == []  # the promised and the legal clock both stopped in time
    assert records.get(conn, alert.id).status == "resolved"


def test_three_workers_raise_each_alert_once(alert_pool, small, conn, db):
    events = []
    for i in range(60):
        case = f"M{i:03d}"
        events.append(
            event(
                "case.applied",
                at("2025-09-16 10:00"),
                {"matter_code": "YY-ZW-M002", "case_type": "instant", "applicant_name": "甲"},
                case_no=case,
                department=DEPT_GA,
            )
        )
        events.append(
            event(
                "fee.charged",
                at("2025-09-16 10:01"),
                {"amount": "30.00", "receipt_no": f"R{i}"},
                case_no=case,
                department=DEPT_GA,
            )
        )
    store_events(conn, events)
    stopping = threading.Event()
    workers = [
        Engine(
            alert_pool, worker=f"w{i}", parts=4, batch=7, metrics=AlertMetrics(CollectorRegistry())
        )
        for i in range(3)
    ]
    threads = [threading.Thread(target=w.run, args=(stopping, 0.01)) for w in workers]
    for t in threads:
        t.start()
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    while len(active(conn, "fee.off_standard")) < 60 and datetime.now(UTC) < deadline:
        stopping.wait(0.2)
    stopping.set()
    for t in threads:
        t.join(10)
    rows = conn.execute(
        "select dedup_key, count(*) from alerts group by 1 having count(*) > 1"
    ).fetchall()
    assert rows == []
    assert len(active(conn, "fee.off_standard")) == 60


def test_presence_samples_make_a_window_empty_alert_that_clears_when_someone_sits_down(
    alert_pool, small, conn
):
    w = "YY-ZW-W01"
    t0 = at("2025-09-16 09:30")
    store_events(
        conn,
        [
            event(
                "presence.sample",
                t0,
                {"camera_code": "C1", "occupied": True, "score": 0.9},
                window=w,
            ),
            event(
                "presence.sample",
                t0 + timedelta(minutes=1),
                {"camera_code": "C1", "occupied": False, "score": 0.1},
                window=w,
            ),
        ],
    )
    clock = FixedClock(t0 + timedelta(minutes=2))
    e = engine_at(alert_pool, clock)
    drain(e)
    assert active(conn, "window.empty") == []
    clock.now = t0 + timedelta(minutes=17)
    jobs_due(conn)
    drain(e)
    [alert] = active(conn, "window.empty")
    assert alert.window_code == w and alert.level == "yellow"
    store_events(
        conn,
        [
            event(
                "presence.sample",
                t0 + timedelta(minutes=18),
                {"camera_code": "C1", "occupied": True, "score": 0.9},
                window=w,
            )
        ],
    )
    clock.now = t0 + timedelta(minutes=18)
    drain(e)
    assert active(conn, "window.empty") == []
    assert records.get(conn, alert.id).status == "resolved"


def test_a_camera_fault_suppresses_window_empty(alert_pool, small, conn):
    w = "YY-ZW-W02"
    t0 = at("2025-09-16 14:00")
    store_events(
        conn,
        [
            event(
                "presence.sample",
                t0,
                {"camera_code": "C2", "occupied": False, "score": 0.1},
                window=w,
            ),
            event(
                "camera.health",
                t0 + timedelta(minutes=2),
                {"camera_code": "C2", "status": "covered"},
                window=w,
            ),
        ],
    )
    clock = FixedClock(t0 + timedelta(minutes=30))
    e = engine_at(alert_pool, clock)
    drain(e)
    assert active(conn, "window.empty") == []
    [fault] = active(conn, "camera.fault")
    assert fault.window_code == w


def test_an_unacknowledged_red_alert_is_escalated_to_the_leader(alert_pool, small, conn):
    store_events(
        conn,
        [
            event(
                "case.applied",
                at("2025-09-16 10:00"),
                {"matter_code": "YY-ZW-M002", "case_type": "instant", "applicant_name": "甲"},
                case_no="X1",
                department=DEPT_GA,
            ),
            event(
                "fee.charged",
                at("2025-09-16 10:01"),
                {"amount": "1.00", "receipt_no": "R"},
                case_no="X1",
                department=DEPT_GA,
            ),
        ],
    )
    clock = FixedClock(datetime.now(UTC))
    e = engine_at(alert_pool, clock)
    drain(e)
    [alert] = active(conn, "fee.off_standard")
    assert alert.escalation_role == "supervisor"
    clock.now = datetime.now(UTC) + timedelta(minutes=31)
    jobs_due(conn)
    drain(e)
    alert = records.get(conn, alert.id)
    assert alert.escalation_role == "leader" and alert.escalated_at is not None
    assert [h.action for h in records.history(conn, alert.id)] == ["raise", "escalate"]


def test_matters_fee_standard_is_read_as_decimal(engine):
    assert engine.matters["YY-ZW-M002"].fee == Decimal("20.00")


def test_a_silenced_alert_is_raised_on_the_board_but_notifies_no_channel(engine, conn):
    from alerts.silences import Silence
    from store.repos.alerts import notify
    from store.repos.alerts import silences as silence_repo

    hook = {"url": "http://127.0.0.1:9/"}
    notify.add_channel(conn, "值班群", "webhook", hook, min_level="warning")
    silence_repo.create_silence(
        conn,
        Silence(0, {"rule": "fee.off_standard"}, at("2020-01-01 00:00"), comment="收费系统升级"),
        created_by="supervisor",
        region_code="",
    )
    engine.refresh(force=True)  # the engine reloads silences
    applied = {"matter_code": "YY-ZW-M002", "case_type": "instant", "applicant_name": "李四"}
    fee = {"amount": "40.00"}
    case = {"case_no": "S1", "department": DEPT_GA}
    store_events(
        conn,
        [
            event("case.applied", at("2025-09-16 10:00"), applied, **case),
            event("fee.charged", at("2025-09-16 10:05"), fee, **case),
        ],
    )
    drain(engine)
    [alert] = active(conn, "fee.off_standard")
    assert alert.silence_id is not None
    assert notify.deliveries(conn, alert.id) == []


def _ticket(kind: str, when: datetime, number: str) -> dict:
    window = None if kind == "queue.ticket_issued" else "YY-ZW-W01"
    return event(kind, when, {"ticket_no": number}, window=window)


def test_a_long_wait_is_raised_by_the_queue_job_and_cleared_when_the_ticket_is_called(
    alert_pool, small, conn
):
    t0 = at("2025-09-16 09:00")
    store_events(conn, [_ticket("queue.ticket_issued", t0, "A001")])
    clock = FixedClock(t0 + timedelta(minutes=1))
    e = engine_at(alert_pool, clock)
    drain(e)
    assert active(conn, "queue.long_wait") == []
    clock.now = t0 + timedelta(minutes=31)
    jobs_due(conn)
    drain(e)
    [alert] = active(conn, "queue.long_wait")
    assert "A001" in alert.summary and alert.level == "yellow"

    store_events(conn, [_ticket("queue.ticket_called", t0 + timedelta(minutes=40), "A001")])
    clock.now = t0 + timedelta(minutes=40)
    drain(e)
    assert active(conn, "queue.long_wait") == []
    assert records.get(conn, alert.id).status == "resolved"


def test_a_backlog_of_promptly_called_tickets_raises_no_long_wait(alert_pool, small, conn):
    """The engine catching up on a morning's events in the evening (a restart, the demo's
    history): each ticket is judged at the time of the events read, not at the evening's clock,
    though its call comes in a later batch."""
    t0 = at("2025-09-16 09:00")
    events = []
    for k in range(6):
        issued = t0 + timedelta(minutes=10 * k)
        events.append(_ticket("queue.ticket_issued", issued, f"A{k:03d}"))
        events.append(_ticket("queue.ticket_called", issued + timedelta(minutes=6), f"A{k:03d}"))
    store_events(conn, sorted(events, key=lambda x: x["occurred_at"]))
    clock = FixedClock(at("2025-09-16 21:00"))
    e = engine_at(alert_pool, clock, batch=1)  # one event per batch
    drain(e, rounds=100)
    raised = conn.execute("select summary from alerts where rule = 'queue.long_wait'").fetchall()
    assert raised == []


def test_a_backlog_of_presence_samples_raises_no_window_empty_for_a_short_absence(
    alert_pool, small, conn
):
    """A restart at 10:40 reading the morning's samples: the seat left at 10:00 and taken again
    at 10:05 was never empty for 15 minutes, though the clock says 10:40 when 10:00 is read."""
    w, t0 = "YY-ZW-W01", at("2025-09-16 09:55")
    samples = [(0, True), (5, False), (10, True), (20, True)]
    store_events(
        conn,
        [
            event(
                "presence.sample",
                t0 + timedelta(minutes=m),
                {"camera_code": "C1", "occupied": seated, "score": 0.9 if seated else 0.1},
                window=w,
            )
            for m, seated in samples
        ],
    )
    e = engine_at(alert_pool, FixedClock(at("2025-09-16 10:40")), batch=1)
    drain(e, rounds=50)
    raised = conn.execute("select summary from alerts where rule = 'window.empty'").fetchall()
    assert raised == []
