"""The cards 绩效统计 and the monthly bulletin count (预警, 黄牌, 红牌) are the ones whose condition
held. Events may reach the alert engine late — the demo's history catch-up, an offline source, a
dead-letter replay — so a deadline card can be raised for a case whose completion, before the
deadline, had not been read yet; the completion then resolves the card. Such a card must not
cost the department points (in the demo it was 163 of 168 red cards of the month)."""

from __future__ import annotations

from datetime import timedelta

from accountability.indicators import month_period
from accountability.monthly import month_of
from alerts.engine import Engine
from store.repos import indicators as repo
from tests.fix_alerts import DEPT_SCJG, FixedClock, at, drain, event, promised_case, store_events

SEPTEMBER = month_period(2025, 9)


def _deadline_cards(conn):
    return conn.execute(
        "select case_no, level, status from alerts where rule = 'case.promised_deadline'"
        " order by case_no"
    ).fetchall()


def test_a_red_card_raised_before_the_engine_read_an_on_time_completion_does_not_count(
    alert_pool, small, conn, projector
):
    accepted = at("2025-09-16 10:00")  # 2 working days: due 2025-09-18 17:30
    store_events(conn, promised_case("ONTIME", accepted, days=2))
    store_events(conn, promised_case("LATE", accepted, days=2))
    projector.catch_up(conn)
    # The engine runs a week later and reads the acceptances first (as in a catch-up).
    clock = FixedClock(at("2025-09-25 10:00"))
    engine = Engine(alert_pool, worker="t", parts=1, clock=clock)
    engine.refresh(force=True)
    drain(engine)
    assert [(r["case_no"], r["level"]) for r in _deadline_cards(conn)] == [
        ("LATE", "red"),
        ("ONTIME", "red"),
    ]
    # Then the completion arrives: ONTIME finished a day before its deadline, LATE after it.
    done = {"result": "issued"}
    store_events(conn, [event("case.completed", at("2025-09-17 15:00"), done, case_no="ONTIME")])
    store_events(conn, [event("case.completed", at("2025-09-22 09:00"), done, case_no="LATE")])
    projector.catch_up(conn)
    clock.now += timedelta(minutes=1)
    drain(engine)

    counts = repo.alert_counts(conn, SEPTEMBER.start, SEPTEMBER.end, center_code="YY-ZW")
    assert counts.get((DEPT_SCJG, "red")) == 1  # LATE only
    cards = repo.alerts_in(conn, SEPTEMBER.start, SEPTEMBER.end, ("red",), center_code="YY-ZW")
    assert [c["case_no"] for c in cards] == ["LATE"]
    ranking = month_of(conn, "YY-ZW", SEPTEMBER).ranking
    [dep] = [r for r in ranking if r.department_code == DEPT_SCJG]
    assert (dep.red, dep.score.red_deduction) == (1, 10)
