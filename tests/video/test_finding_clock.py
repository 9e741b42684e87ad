"""A patrol finding opens a fix clock in the shared clocks table; the alert engine fires it."""

from __future__ import annotations

from datetime import timedelta

from alerts.engine import Engine
from store.repos import patrols
from store.repos.alerts import board
from tests.fix_alerts import FixedClock, at, drain
from video.patrol import finding_clocks


def _finding(conn, found_at):
    clocks = finding_clocks(found_at)
    return patrols.add_finding(
        conn, window_code="YY-ZW-W02", inspector="inspector", items=["on_duty"],
        severity="major", note="窗口无人", found_at=found_at,
        respond_due_at=clocks.respond_due_at, fix_due_at=clocks.fix_due_at,
    )  # fmt: skip


def _finding_alerts(conn):
    return board.list_alerts(conn, region_prefix="", rule="patrol.finding_deadline")


def test_a_finding_not_answered_within_an_hour_raises_a_red_alert(alert_pool, hall, conn):
    found = at("2025-09-16 10:00")
    fid = _finding(conn, found)
    clock = FixedClock(found + timedelta(minutes=59))
    engine = Engine(alert_pool, worker="t", parts=1, clock=clock)
    engine.refresh(force=True)
    drain(engine)
    assert _finding_alerts(conn) == []
    clock.now = found + timedelta(minutes=61)
    drain(engine)
    [alert] = _finding_alerts(conn)
    assert alert.level == "red" and str(fid) in alert.subject


def test_a_finding_answered_but_not_fixed_in_24_hours_raises_a_red_alert(alert_pool, hall, conn):
    found = at("2025-09-16 10:00")
    fid = _finding(conn, found)
    assert patrols.record_transition(
        conn, fid, "open", "responded", "responded", "liaison", found + timedelta(minutes=20)
    )
    clock = FixedClock(found + timedelta(hours=23))
    engine = Engine(alert_pool, worker="t", parts=1, clock=clock)
    engine.refresh(force=True)
    drain(engine)
    assert _finding_alerts(conn) == []
    clock.now = found + timedelta(hours=24, minutes=1)
    drain(engine)
    [alert] = _finding_alerts(conn)
    assert alert.level == "red"
    assert str(fid) in alert.subject


def test_a_finding_fixed_in_time_raises_nothing(alert_pool, hall, conn):
    found = at("2025-09-16 10:00")
    fid = _finding(conn, found)
    assert patrols.record_transition(
        conn, fid, "open", "fixed", "fixed", "liaison", found + timedelta(hours=3)
    )
    clock = FixedClock(found + timedelta(hours=30))
    engine = Engine(alert_pool, worker="t", parts=1, clock=clock)
    engine.refresh(force=True)
    drain(engine)
    assert _finding_alerts(conn) == []
