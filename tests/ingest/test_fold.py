"""The pure parts: a case's status rules, folding in steps equals folding at once, and the
whole-working-day pauses of the clocks."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendar import official_calendar
from core.reference import Schedule
from ingest import clockwork
from ingest.fold import derive_status, fold_case
from store.repos.cases import CaseRow, PauseSpan
from store.repos.events import EventRow
from tests.ingest import factory as f

_ids = itertools.count(1)


def row(e: dict) -> EventRow:

    return EventRow(
        id=next(_ids),
        event_id=uuid.UUID(e["event_id"]),
        kind=e["kind"],
        occurred_at=datetime.fromisoformat(e["occurred_at"]),
        received_at=datetime.fromisoformat(e["occurred_at"]),
        source=e["source"],
        region_code=e["region_code"],
        center_code=e["center_code"],
        department_code=e.get("department_code"),
        window_code=e.get("window_code"),
        case_no=e.get("case_no"),
        staff_id=e.get("staff_id"),
        payload=e["payload"],
    )


def life() -> list[EventRow]:
    events = [
        f.applied("C1", f.at(15, 9)),
        f.supplement("C1", f.at(15, 9, 5), True),
        f.supplement("C1", f.at(16, 10), False),
        f.accepted("C1", f.at(16, 10, 30)),
        f.special("C1", f.at(17, 9), True),
        f.special("C1", f.at(22, 9), False),
        f.extended("C1", f.at(23, 9)),
        f.completed("C1", f.at(26, 15)),
        f.rating("C1", f.at(26, 16), score=2),
    ]
    return [row(e) for e in events]


def test_status_rules_first_match_wins():
    base = CaseRow("C", "610802", "YY-ZW")
    t = f.at(15, 9)
    assert derive_status(base) == "applied"
    assert derive_status(CaseRow("C", "r", "c", accepted_at=t)) == "accepted"
    assert (
        derive_status(CaseRow("C", "r", "c", accepted_at=t, supplement_open_at=t)) == "supplement"
    )
    special = (PauseSpan("special_procedure", t),)
    assert derive_status(CaseRow("C", "r", "c", accepted_at=t, pauses=special)) == "suspended"
    assert derive_status(CaseRow("C", "r", "c", refused_at=t)) == "refused"
    assert derive_status(CaseRow("C", "r", "c", refused_at=t, completed_at=t)) == "completed"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 8), min_size=0, max_size=4, unique=True))
def test_folding_in_steps_gives_the_row_folding_at_once_gives(cuts):
    events = life()
    whole = fold_case(None, events)
    state = None
    start = 0
    for cut in [*sorted(cuts), len(events)]:
        state = fold_case(state, events[start:cut])
        start = cut
    assert state == whole
    assert whole is not None
    assert (whole.status, whole.supplement_count, len(whole.extensions)) == ("completed", 1, 1)
    assert whole.pauses[0].end == f.at(22, 9)


def test_a_special_procedure_pauses_whole_working_days():
    case = fold_case(None, life())
    assert case is not None
    cal, schedule = official_calendar(), Schedule()
    ctx = clockwork.Context(calendar=cal, schedule=schedule)
    clocks = {c.clock_kind: c for c in clockwork.case_clocks(case, ctx)}
    pause = clocks["promised"].pauses[0]
    assert pause[0] == cal.opening_time(f.at(17, 9).date(), schedule)
    assert pause[1] == cal.opening_time(f.at(22, 9).date(), schedule)
    # 6 promised + 10 extended working days after the 16th, plus the 3 paused (17, 18, 19)
    expected_day = cal.add_working_days(f.at(16, 9).date(), 6 + 10 + 3)
    assert clocks["promised"].due_at == cal.closing_time(expected_day, schedule)
    assert clocks["promised"].state == "stopped"
    assert clocks["supplement_notice"].stopped_at == f.at(15, 9, 5)
    assert clocks["legal"].due_at - clocks["promised"].due_at > timedelta(days=14)


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)),
    st.integers(1, 40),
    st.integers(0, 10),
)
def test_day_arithmetic_due_times_equal_core_clocks(start, days, extra):
    from core.clocks import Budget, BudgetUnit, Clock, due_at

    cal, schedule = official_calendar(), Schedule()
    wd = BudgetUnit.WORKING_DAYS
    clock = Clock(start.replace(tzinfo=f.CST), Budget(days, wd), extensions=(Budget(extra, wd),))
    assert clockwork.plain_due(clock, cal, schedule) == due_at(
        clock, calendar=cal, schedule=schedule
    )
