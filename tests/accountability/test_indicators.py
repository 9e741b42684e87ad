"""The indicators of a simulated month (October 2025: 国庆 holidays and a 调休 workday) from
the SQL aggregates match the same indicators computed here, independently, from the raw events
of the twin (with core's calendar and clock arithmetic for deadlines), from the raw presence
samples (在岗率) and from the catalogue (进驻率, 授权率)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accountability.indicators import Level, compute, month_period, parse_period, refresh_all
from core.calendar import official_calendar
from core.clocks import Budget, BudgetUnit, Clock, Pause, due_at
from hallwatch.demo import demo_catalogue
from tests.accountability.sim_month import GAP, SUNDAY

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
    refresh_all(conn)
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


# ---------------------------------------------------------------- 在岗率 from the presence samples


def seat_expected(conn, data) -> dict[tuple[str, date], tuple[set, set]]:
    """Per (window, local day): the opening minutes on working days with a known seat state and
    those with someone seated, straight from the raw samples and core's calendar."""
    cal, schedule = official_calendar(), data.halls[0].center.schedule
    out: dict[tuple[str, date], tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for r in conn.execute("select at, window_code, occupied from presence_samples").fetchall():
        minute = r["at"].astimezone(TZ).replace(second=0, microsecond=0)
        if r["occupied"] is None or not MONTH.start <= minute.date() < MONTH.end:
            continue
        if cal.is_open(minute, schedule):
            known, seated = out[(r["window_code"], minute.date())]
            known.add(minute)
            if r["occupied"]:
                seated.add(minute)
    return out


def scheduled(data) -> float:
    """Scheduled minutes of one window in the month: working days × opening minutes."""
    cal, schedule = official_calendar(), data.halls[0].center.schedule
    days = [MONTH.start + timedelta(days=n) for n in range((MONTH.end - MONTH.start).days)]
    return sum(schedule.minutes_per_day for d in days if cal.is_working_day(d))


def roll_up(per_day, credit) -> dict[str, list[int]]:
    """[seat, observed] minutes per group; `credit(window, day)` names the groups of a
    window-day."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (window, day), (known, seated) in per_day.items():
        for key in credit(window, day):
            out[key][0] += len(seated)
            out[key][1] += len(known)
    return out


def check_seats(got, want: dict[str, list[int]], scheduled_each: dict[str, float]) -> None:
    for key, (seat, observed) in want.items():
        s = got[key].seat
        assert (s.seat_minutes, s.observed_minutes) == (seat, observed), key
        assert s.scheduled_minutes == pytest.approx(scheduled_each[key]), key
        assert got[key].seat_rate == pytest.approx(seat / observed), key


def test_seat_rate_of_windows_departments_and_the_centre_match_the_raw_samples(month):
    conn, _, data = month
    hall = data.halls[0]
    per_day = seat_expected(conn, data)
    dept_of = {w.code: w.department_code for w in hall.windows}
    one = scheduled(data)
    windows = {i.key: i for i in compute(conn, Level.WINDOW, MONTH, refresh=True)}
    check_seats(windows, roll_up(per_day, lambda w, d: [w]), defaultdict(lambda: one))
    n_windows = Counter(dept_of.values())
    departments = {i.key: i for i in compute(conn, Level.DEPARTMENT, MONTH)}
    want = roll_up(per_day, lambda w, d: [dept_of[w]])
    check_seats(departments, want, {k: one * n for k, n in n_windows.items()})
    [centre] = compute(conn, Level.CENTER, MONTH)
    want = roll_up(per_day, lambda w, d: [hall.center.code])
    check_seats({centre.key: centre}, want, {hall.center.code: one * len(hall.windows)})
    # the day the video worker was down is not an empty seat: it lowers the coverage only
    gap_window = hall.windows[GAP[1]].code
    assert windows[gap_window].video_coverage < 0.97 < windows[hall.windows[0].code].video_coverage
    assert 0.5 < centre.seat_rate < 1


def test_seat_rate_is_close_to_the_seat_truth_of_the_twin(month):
    """The twin knows when someone sat (to the second); whole minutes round short absences up,
    so the rate stays within a point of that truth over the minutes the video could judge."""
    conn, _, data = month
    cal, schedule = official_calendar(), data.halls[0].center.schedule

    def minutes(spans: list[tuple[datetime, datetime]]) -> float:
        return sum(cal.working_minutes_between(a, b, schedule) for a, b in spans)

    for n, i in enumerate(compute(conn, Level.WINDOW, MONTH)):
        blind = merge(unobserved(data, i.key, n))
        sat = [
            (datetime.fromtimestamp(a, TZ), datetime.fromtimestamp(b, TZ))
            for a, b in data.presence[i.key]
        ]
        seen_sat = minutes(sat) - minutes(overlaps(sat, blind))
        seen = i.seat.scheduled_minutes - minutes(clip(blind))
        # a minute a fault begins or ends in is still judged by the samples before or after it
        assert i.seat.observed_minutes == pytest.approx(seen, abs=2 * len(blind) + 1)
        assert i.seat_rate == pytest.approx(seen_sat / seen, abs=0.01)


def unobserved(data, window: str, n: int) -> list[tuple[datetime, datetime]]:
    """Camera faults of the window, and the whole GAP day for its window."""
    out = [
        (datetime.fromisoformat(v["start"]), datetime.fromisoformat(v["end"]))
        for v in data.truth["violations"]
        if v["kind"].startswith("camera_") and v["window_code"] == window and v["end"]
    ]
    if n == GAP[1]:
        d = date.fromisoformat(GAP[0])
        out.append((_midnight(d), _midnight(d + timedelta(days=1))))
    return out


def merge(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def overlaps(xs, ys) -> list[tuple[datetime, datetime]]:
    return [(max(a, c), min(b, d)) for a, b in xs for c, d in ys if max(a, c) < min(b, d)]


def clip(spans) -> list[tuple[datetime, datetime]]:
    return overlaps(spans, [(_midnight(MONTH.start), _midnight(MONTH.end))])


def _midnight(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time(), tzinfo=TZ)


def test_staff_are_credited_with_the_window_days_they_signed_in_at(month):
    conn, _, data = month
    per_day = seat_expected(conn, data)
    signed: dict[tuple[str, date], set[str]] = defaultdict(set)
    for e in data.events:
        if e["kind"] == "attendance.clock_in":
            d = t(e["occurred_at"]).astimezone(TZ).date()
            if MONTH.start <= d < MONTH.end:
                signed[(e["window_code"], d)].add(e["staff_id"])
    want = roll_up(per_day, lambda w, d: signed.get((w, d)) or [""])
    staff = {i.key: i for i in compute(conn, Level.STAFF, MONTH)}
    for key, (seat, observed) in want.items():
        if key:
            assert (staff[key].seat.seat_minutes, staff[key].seat.observed_minutes) == (
                seat,
                observed,
            ), key
    assert len([k for k in staff if k and staff[k].seat_rate is not None]) >= 2 * 4 - 1


def test_a_rest_day_with_someone_at_a_desk_counts_nothing(month):
    conn, _, data = month
    window = data.halls[0].windows[0].code
    assert (
        conn.execute(
            "select count(*) as n from presence_samples where window_code = %s and occupied"
            " and (at at time zone 'Asia/Shanghai')::date = %s",
            (window, SUNDAY),
        ).fetchone()["n"]
        > 0
    )
    sunday = parse_period(SUNDAY)
    [w] = [i for i in compute(conn, Level.WINDOW, sunday) if i.key == window]
    assert w.seat.scheduled_minutes == 0 and w.seat.observed_minutes == 0
    assert w.seat_rate is None and w.video_coverage is None


# ------------------------------------------------------------ 进驻率 and 授权率 from the catalogue


def catalogue_expected(hall) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(Counter)
    for m in demo_catalogue(hall).matters:
        for key in (m.department_code, hall.center.code):
            c = out[key]
            c["required"] += m.hall_required
            c["entered"] += m.hall_required and m.in_hall
            c["in_hall"] += m.in_hall
            c["review"] += m.in_hall and m.review_authorised
            c["approval"] += m.in_hall and m.approval_authorised
    return out


def test_entry_and_authorisation_rates_count_the_catalogue(month):
    conn, cases, data = month
    hall = data.halls[0]
    want = catalogue_expected(hall)
    got = {i.key: i for i in compute(conn, Level.DEPARTMENT, MONTH)}
    [centre] = compute(conn, Level.CENTER, MONTH)
    got[centre.key] = centre
    for key, c in want.items():
        i = got[key]
        assert i.entry_rate == pytest.approx(c["entered"] / c["required"]), key
        assert i.review_rate == pytest.approx(c["review"] / c["in_hall"]), key
        assert i.approval_rate == pytest.approx(c["approval"] / c["in_hall"]), key
    # matters with cases at a window in the month (有办件事项), from the folded events
    used = {c.matter for c in cases.values() if c.window and day(c.accepted) and MONTH.start
            <= day(c.accepted) < MONTH.end}  # fmt: skip
    assert centre.catalogue.active_n == len(used)
    # no catalogue for a window or a person
    assert all(i.entry_rate is None for i in compute(conn, Level.WINDOW, MONTH))


def test_the_demo_centre_shows_catalogue_figures_near_the_seed_documents(conn):
    """76.8% 进驻率, 77.29% 审核权 and 42.19% 审批权授权率 (DOMAIN.md), counted from the demo
    catalogue; a matter exempt from the hall (not 应进) changes none of them."""
    from core.reference import Matter
    from hallwatch.demo import seed_hall
    from hallwatch.stack import demo_hall

    hall = demo_catalogue(demo_hall())
    exempt = Matter(
        code=f"{hall.departments[0].code}-SM001",
        name="涉密事项",
        department_code=hall.departments[0].code,
        case_type="promised",
        legal_days=20,
        promised_days=20,
        hall_required=False,
        in_hall=False,
    )
    seed_hall(conn, hall.model_copy(update={"matters": (*hall.matters, exempt)}))
    [centre] = compute(conn, Level.CENTER, MONTH)
    assert centre.entry_rate == pytest.approx(0.768, abs=0.005)
    assert centre.review_rate == pytest.approx(0.7729, abs=0.005)
    assert centre.approval_rate == pytest.approx(0.4219, abs=0.005)
    assert centre.catalogue.required_n == len(hall.matters)  # the exempt one is not counted
    [region] = compute(conn, Level.REGION, MONTH, region_prefix=hall.center.region_code[:4])
    assert (region.key, region.entry_rate) == (hall.center.region_code, centre.entry_rate)
    departments = compute(conn, Level.DEPARTMENT, MONTH)
    assert len({round(i.approval_rate, 2) for i in departments}) > 3  # departments differ
