"""The indicators of a simulated month (October 2025: 国庆 holidays and a 调休 workday) from
the SQL aggregate match the same indicators computed here, independently, from the raw events
of the twin (with core's calendar and clock arithmetic for deadlines)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from accountability.indicators import Level, compute, month_period, parse_period
from core.calendar import official_calendar
from core.clocks import Budget, BudgetUnit, Clock, Pause, due_at

TZ = ZoneInfo("Asia/Shanghai")
MONTH = month_period(2025, 10)
WD = BudgetUnit.WORKING_DAYS


@dataclass
class Case:
    no: str
    department: str | None = None
    window: str | None = None
    staff: str | None = None
    matter: str | None = None
    case_type: str | None = None
    promised: int | None = None
    legal: int | None = None
    accepted: datetime | None = None
    completed: datetime | None = None
    refused: bool = False
    supplements: int = 0
    spans: list[list[datetime | None]] = field(default_factory=list)
    extensions: list[int] = field(default_factory=list)
    rating: int | None = None


def t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def fold(events: list[dict]) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    open_spans: dict[tuple[str, str], list] = {}
    for e in sorted(events, key=lambda e: t(e["occurred_at"])):
        no, kind, p = e["case_no"], e["kind"], e["payload"]
        if not no or not (kind.startswith("case.") or kind == "rating.submitted"):
            continue
        c = cases.setdefault(no, Case(no))
        c.department = e["department_code"] or c.department
        c.window, c.staff = e["window_code"] or c.window, e["staff_id"] or c.staff
        at = t(e["occurred_at"])
        if kind == "case.applied":
            c.matter, c.case_type = p.get("matter_code"), p.get("case_type")
        elif kind == "case.accepted":
            c.accepted, c.promised, c.legal = at, p.get("promised_days"), p.get("legal_days")
            c.case_type = p.get("case_type") or c.case_type
        elif kind == "case.completed":
            c.completed = at
        elif kind == "case.refused":
            c.refused = True
        elif kind == "case.supplement_requested":
            c.supplements += 1
            if c.accepted is not None:
                open_spans[(no, "supplement")] = span = [at, None]
                c.spans.append(span)
        elif kind == "case.supplement_received" and (no, "supplement") in open_spans:
            open_spans.pop((no, "supplement"))[1] = at
        elif kind == "case.special_procedure_started" and c.accepted is not None:
            open_spans[(no, "special")] = span = [at, None]
            c.spans.append(span)
        elif kind == "case.special_procedure_ended" and (no, "special") in open_spans:
            open_spans.pop((no, "special"))[1] = at
        elif kind == "case.extended":
            c.extensions.append(int(p["days"]))
        elif kind == "rating.submitted":
            c.rating = int(p["score"])
    return cases


def deadline(c: Case) -> datetime | None:
    """Whole-working-day pauses (opening of the start day to the opening of the end day)."""
    cal = official_calendar()
    if c.accepted is None or c.promised is None:
        return None
    pauses = []
    for start, end in c.spans:
        s = cal.opening_time(start.astimezone(TZ).date())
        e = max(s, cal.opening_time(end.astimezone(TZ).date())) if end else None
        pauses.append(Pause(s, e))
    ordered = tuple(sorted(pauses, key=lambda p: p.start))
    extensions = tuple(Budget(d, WD) for d in c.extensions)
    clock = Clock(c.accepted, Budget(c.promised, WD), pauses=ordered, extensions=extensions)
    return due_at(clock, calendar=cal)


def day(dt: datetime | None) -> date | None:
    return dt.astimezone(TZ).date() if dt else None


def expected(cases: dict[str, Case], key) -> dict[str, dict[str, float]]:
    cal = official_calendar()
    acc = defaultdict(lambda: defaultdict(float))
    for c in cases.values():
        g = acc[key(c)]
        a, d = day(c.accepted), day(c.completed)
        if a and MONTH.start <= a < MONTH.end:
            g["accepted"] += 1
            g["same_day"] += d == a
            if c.case_type == "instant":
                g["instant"] += 1
                g["first_visit"] += d == a and c.supplements == 0
        if not (c.completed and not c.refused and MONTH.start <= d < MONTH.end):
            continue
        g["completed"] += 1
        g["incomplete"] += not (c.accepted and c.staff and c.window and c.matter)
        due = deadline(c)
        if due is not None:
            g["with_due"] += 1
            g["on_time"] += c.completed <= due
            g["late"] += c.completed > due
            g["early"] += d < day(due)
        if c.case_type == "instant" and c.accepted:
            g["instant_done"] += 1
            g["instant_minutes"] += (c.completed - c.accepted).total_seconds() / 60
        elif c.accepted and c.legal:
            g["promised_done"] += 1
            g["promised_wd"] += cal.working_days_between(a, d)
            g["legal_wd"] += c.legal
        if c.rating is not None:
            g["rated"] += 1
            g["good"] += c.rating in (1, 2)
            g["bad"] += c.rating in (4, 5)
    return acc


@pytest.fixture(scope="module")
def month(october):
    conn, data = october
    return conn, fold(data.events), data


def check(got, want: dict[str, float]) -> None:
    s = got.sums
    assert (s.acc_n, s.comp_n, s.comp_due_n) == (
        want["accepted"],
        want["completed"],
        want["with_due"],
    )
    assert (s.on_time_n, s.late_n, s.early_n) == (want["on_time"], want["late"], want["early"])
    assert (s.acc_same_day, s.inst_n, s.inst_first_visit) == (
        want["same_day"],
        want["instant"],
        want["first_visit"],
    )
    assert (s.rated_n, s.good_n, s.bad_n, s.incomplete_n) == (
        want["rated"],
        want["good"],
        want["bad"],
        want["incomplete"],
    )
    assert (s.prom_comp_n, s.prom_wd, s.legal_wd) == (
        want["promised_done"],
        want["promised_wd"],
        want["legal_wd"],
    )
    assert got.on_time_rate == pytest.approx(want["on_time"] / want["with_due"])
    assert got.same_day_rate == pytest.approx(want["same_day"] / want["accepted"])
    assert got.instant_minutes == pytest.approx(want["instant_minutes"] / want["instant_done"])
    assert got.speedup_rate == pytest.approx(1 - want["promised_wd"] / want["legal_wd"])
    assert got.satisfaction_rate == pytest.approx(want["good"] / want["rated"])


def test_department_indicators_of_a_sim_month_match_the_raw_events(month):
    conn, cases, _ = month
    got = {i.key: i for i in compute(conn, Level.DEPARTMENT, MONTH, refresh=True)}
    want = expected(cases, lambda c: c.department)
    assert set(got) == {k for k, v in want.items() if v["accepted"] or v["completed"]}
    for dep, values in want.items():
        check(got[dep], values)
    assert sum(g.late for g in got.values()) > 0  # the planted overdue cases are there


def test_centre_window_and_staff_roll_ups_agree_with_the_raw_events(month):
    conn, cases, data = month
    [centre] = compute(conn, Level.CENTER, MONTH)
    check(centre, expected(cases, lambda c: data.halls[0].center.code)[data.halls[0].center.code])
    windows = {i.key: i for i in compute(conn, Level.WINDOW, MONTH)}
    for w, values in expected(cases, lambda c: c.window or "").items():
        if values["accepted"] or values["completed"]:
            check(windows[w], values)
    staff = compute(conn, Level.STAFF, MONTH)
    assert sum(s.completed for s in staff) == centre.completed


def test_a_quarter_and_a_year_contain_the_month(month):
    conn, _, _ = month
    [october] = compute(conn, Level.CENTER, MONTH)
    [q4] = compute(conn, Level.CENTER, parse_period("2025-Q4"))
    [year] = compute(conn, Level.CENTER, parse_period("2025"))
    assert october.completed == q4.completed == year.completed  # the twin ran in October only
    assert parse_period("2025-10-09").label == "2025年10月9日"
