"""The projector keeps cases, complaints, clocks and window state current, in order or not."""

from __future__ import annotations

import time
from datetime import datetime

from core.calendar import official_calendar
from core.reference import Schedule
from store.repos import cases as case_repo
from store.repos import clocks as clock_repo
from store.repos import window_state
from tests.fix_ingest import submit
from tests.ingest import factory as f


def _close_of_business(day: datetime) -> datetime:
    return official_calendar().closing_time(day.date(), Schedule())


def _case(conn, case_no):
    return case_repo.load_cases(conn, [case_no])[case_no]


def _clocks(conn, case_no):
    return {c.clock_kind: c for c in clock_repo.subject_clocks(conn, "case", [case_no])}


def test_a_case_life_becomes_a_completed_case_with_its_deadlines(
    conn, writer, validator, projector
):
    submit(writer, validator, [*f.case_life("C1"), f.rating("C1", f.at(17, 16), score=2)])
    projector.catch_up(conn)
    c = _case(conn, "C1")
    assert (c.status, c.result, c.rating, c.event_count) == ("completed", "issued", 2, 4)
    assert c.applicant_name == "张三" and c.matter_code == f.PROMISED_MATTER
    # 6 working days after Monday 15 September 2025 (the start day not counted): Tuesday 23rd
    assert c.promised_due_at == _close_of_business(f.at(23, 12))
    legal_day = official_calendar().add_working_days(f.at(15, 9).date(), 20)  # over 国庆
    assert c.legal_due_at == official_calendar().closing_time(legal_day, Schedule())
    clocks = _clocks(conn, "C1")
    assert set(clocks) == {"promised", "legal", "supplement_notice"}
    assert all(k.state == "stopped" and k.next_fire_at is None for k in clocks.values())
    assert clocks["promised"].policy == "yulin"


def test_an_open_case_has_running_clocks_with_a_next_fire_time(conn, writer, validator, projector):
    submit(writer, validator, f.case_life("C1")[:2])
    projector.catch_up(conn)
    clocks = _clocks(conn, "C1")
    assert _case(conn, "C1").status == "accepted"
    assert clocks["promised"].state == "running"
    # yulin: yellow at 90% of the promised time, red at the deadline
    assert set(clocks["promised"].level_due) == {"yellow", "red"}
    assert clocks["promised"].next_fire_at == datetime.fromisoformat(
        clocks["promised"].level_due["yellow"]
    )
    assert clocks["supplement_notice"].state == "stopped"  # acceptance ended that duty


def test_a_special_procedure_pauses_the_clocks_then_moves_the_deadline(
    conn, writer, validator, projector
):
    submit(writer, validator, [*f.case_life("C1")[:2], f.special("C1", f.at(16, 10), True)])
    projector.catch_up(conn)
    paused = _clocks(conn, "C1")["promised"]
    assert _case(conn, "C1").status == "suspended"
    assert (paused.state, paused.due_at, paused.next_fire_at) == ("paused", None, None)

    submit(writer, validator, [f.special("C1", f.at(19, 11), False)])  # Tue → Fri: 3 days
    projector.catch_up(conn)
    resumed = _clocks(conn, "C1")["promised"]
    assert resumed.state == "running" and resumed.next_fire_at is not None
    assert resumed.due_at == _close_of_business(f.at(26, 12))  # 23rd + 3 working days


def test_an_extension_adds_working_days_to_both_deadlines(conn, writer, validator, projector):
    submit(writer, validator, [*f.case_life("C1")[:2], f.extended("C1", f.at(22, 10), days=10)])
    projector.catch_up(conn)
    c = _case(conn, "C1")
    cal = official_calendar()
    assert c.promised_due_at.date() == cal.add_working_days(f.at(15, 9).date(), 16)


def test_a_late_event_rebuilds_the_case_from_all_its_events(conn, writer, validator, projector):
    applied, accepted, done = f.case_life("C1")
    submit(writer, validator, [applied, done])
    projector.catch_up(conn)
    assert _case(conn, "C1").accepted_at is None
    submit(writer, validator, [accepted])  # arrives after the completion, occurred before it
    step = projector.catch_up(conn)
    assert step.recomputed == 1
    late = _case(conn, "C1")

    case_repo.delete_all(conn)
    projector.catch_up(conn)  # a rebuild from scratch reads the events in time order
    rebuilt = _case(conn, "C1")
    assert late == rebuilt
    assert late.accepted_at == f.at(15, 9, 20) and late.promised_due_at is not None


def test_complaints_get_acceptance_and_completion_clocks(conn, writer, validator, projector):
    submit(
        writer,
        validator,
        [f.complaint("filed", f.at(15, 10)), f.complaint("accepted", f.at(16, 10))],
    )
    projector.catch_up(conn)
    (c,) = case_repo.load_complaints(conn, ["TS1"]).values()
    assert (c.status, c.channel) == ("accepted", "12345")
    clocks = {k.clock_kind: k for k in clock_repo.subject_clocks(conn, "complaint", ["TS1"])}
    assert clocks["complaint_accept"].state == "stopped"
    assert clocks["complaint_complete"].state == "running"


def test_window_state_keeps_the_latest_queue_and_attendance_whatever_the_order(
    conn, writer, validator, projector
):
    submit(
        writer,
        validator,
        [f.ticket("served", f.at(15, 11), "A002"), f.clock("in", f.at(15, 8, 50))],
    )
    projector.catch_up(conn)
    submit(
        writer, validator, [f.ticket("called", f.at(15, 10), "A001"), f.clock("out", f.at(15, 8))]
    )
    projector.catch_up(conn)
    (w,) = window_state.window_states(conn, f.CENTER)
    assert (w.last_queue_kind, w.last_ticket_no, w.last_queue_at) == (
        "queue.ticket_served", "A002", f.at(15, 11),
    )  # fmt: skip
    assert w.staff_on_duty == [f.STAFF]  # the earlier clock-out does not undo the clock-in


def test_a_failing_projector_keeps_reporting_how_far_behind_it_is(db, conn, writer, validator):
    """HallWatchProjectorStalled needs the lag gauge to grow while every batch fails (here: a
    projection table gone), and to fall back to 0 once the projector recovers."""
    import threading

    import psycopg
    from prometheus_client import CollectorRegistry

    from ingest.metrics import IngestMetrics
    from ingest.projector import Projector

    metrics = IngestMetrics(registry=CollectorRegistry())
    projector, stopping = Projector(metrics=metrics), threading.Event()
    conn.execute("alter table cases rename to cases_away")
    submit(writer, validator, f.case_life("C9"))
    loop = threading.Thread(
        target=projector.loop,
        args=(lambda: psycopg.connect(db.url, autocommit=True), stopping),
        daemon=True,
    )
    loop.start()
    try:
        deadline = time.monotonic() + 20
        while metrics.projector_lag._value.get() < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert metrics.projector_lag._value.get() >= 3  # the case's events, not folded
        conn.execute("alter table cases_away rename to cases")
        deadline = time.monotonic() + 30
        while metrics.projector_lag._value.get() > 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert metrics.projector_lag._value.get() == 0
        assert _case(conn, "C9").status == "completed"
    finally:
        stopping.set()
        loop.join(10)
        conn.execute("alter table if exists cases_away rename to cases")
