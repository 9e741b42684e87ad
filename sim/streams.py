"""Hall traffic of one working day: ticket arrivals with an hour-of-day shape, the queue that
hands tickets to staffed windows, complaints and attendance clock-ins."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from core.enums import AttendanceMethod, CaseType, ComplaintChannel, EventKind
from core.reference import Matter
from sim import names
from sim.context import DayContext
from sim.hall import person_name
from sim.model import DeptModel
from sim.presence import MIN, WindowDay, poisson
from sim.truth import TruthItem, TruthKind
from sim.violations import Spike


@dataclass(slots=True)
class Service:
    ticket_no: str
    department_code: str
    window_code: str
    staff_id: str
    issued: int
    start: int
    end: int
    matter: Matter


def expected_daily(ctx: DayContext, dept: DeptModel) -> float:
    factor = ctx.cfg.traffic.weekday_factors[ctx.day.weekday()]
    return ctx.cfg.traffic.cases_per_window_day * len(dept.windows) * factor


def arrival_bins(sessions: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
    """(start, end, weight) bins: a queue before opening, a mid-morning peak, the lunch dip,
    an afternoon bump, nothing in the last 20 minutes."""
    bins = [(sessions[0][0] - 15 * MIN, sessions[0][0], 0.6)]
    for i, (a, b) in enumerate(sessions):
        stop = b - 20 * MIN
        n = max(1, (stop - a) // (30 * MIN))
        width = (stop - a) // n
        for j in range(n):
            x = (j + 0.5) / n
            peak = 0.45 if i == 0 else 0.4
            weight = (1.4 if i == 0 else 1.0) * (0.55 + math.exp(-(((x - peak) / 0.35) ** 2)))
            bins.append((a + j * width, a + (j + 1) * width, weight))
        if i + 1 < len(sessions):
            bins.append((b, sessions[i + 1][0], 0.12))
    return bins


def arrivals(ctx: DayContext, dept: DeptModel, bins) -> list[tuple[int, Matter]]:
    rng = ctx.rng
    n = poisson(rng, expected_daily(ctx, dept) * math.exp(rng.gauss(0, 0.08)))
    weights = [w * (b - a) for a, b, w in bins]
    chosen = rng.choices(bins, weights=weights, k=n)
    out = []
    for a, b, _ in chosen:
        instant = rng.random() < ctx.cfg.targets.instant_share or not dept.promised
        pool, w = (
            (dept.instant, dept.instant_weights)
            if instant and dept.instant
            else (dept.promised, dept.promised_weights)
        )
        out.append((rng.randrange(a, b), rng.choices(pool, weights=w)[0]))
    return sorted(out, key=lambda x: (x[0], x[1].code))


def first_fit(available: list[tuple[int, int]], t: int, length: int) -> int | None:
    for a, b in available:
        s = max(t, a)
        if s + length <= b:
            return s
    return None


def serve(
    ctx: DayContext, dept: DeptModel, windows: list[WindowDay], letter: str, bins
) -> list[Service]:
    """Tickets of one department, first come first served by the window free soonest."""
    out = []
    em = ctx.em
    for k, (issued, matter) in enumerate(arrivals(ctx, dept, bins)):
        ticket = f"{letter}{k + 1:03d}"
        key = f"{ctx.day.isoformat()}|{ticket}"
        em.emit(
            EventKind.QUEUE_TICKET_ISSUED,
            issued,
            key,
            {"ticket_no": ticket, "matter_code": matter.code},
            department=dept.code,
        )
        length = _service_length(ctx, matter)
        best = None
        for wd in windows:
            s = first_fit(wd.available, max(issued + 30, wd.free_at), length)
            if s is not None and (best is None or s < best[0]):
                best = (s, wd)
        if best is None:
            continue  # the hall closed before this ticket's turn: the applicant leaves
        start, wd = best
        wd.free_at = start + length + ctx.rng.randint(10, 60)
        wd.services.append((start, start + length))
        payload = {"ticket_no": ticket, "matter_code": matter.code}
        em.emit(
            EventKind.QUEUE_TICKET_CALLED,
            start - 15,
            key,
            payload,
            department=dept.code,
            window=wd.window_code,
            staff=wd.staff_id,
        )
        em.emit(
            EventKind.QUEUE_TICKET_SERVED,
            start + length,
            key,
            payload,
            department=dept.code,
            window=wd.window_code,
            staff=wd.staff_id,
        )
        out.append(
            Service(
                ticket,
                dept.code,
                wd.window_code,
                wd.staff_id,
                issued,
                start,
                start + length,
                matter,
            )
        )
    return out


def _service_length(ctx: DayContext, matter: Matter) -> int:
    t = ctx.cfg.traffic
    mean = (
        t.instant_service_minutes
        if matter.case_type == CaseType.INSTANT
        else t.promised_service_minutes
    )
    sigma = 0.5
    minutes = mean * math.exp(ctx.rng.gauss(-sigma * sigma / 2, sigma))
    return int(max(2.0, min(minutes, 4 * mean)) * 60)


def complaints(ctx: DayContext, depts: list[DeptModel], spikes: list[Spike]) -> None:
    """The Poisson baseline per department plus the planted spikes."""
    a, b = ctx.sessions[0][0] - 30 * MIN, ctx.sessions[-1][1] + 30 * MIN
    per_case = baseline_complaint_rate(ctx, depts)
    number = 0
    for dept in depts:
        for _ in range(poisson(ctx.rng, per_case * expected_daily(ctx, dept))):
            number += 1
            _complaint(ctx, dept.code, ctx.rng.randrange(a, b), number)
    for spike in (s for s in spikes if s.kind == "complaint"):
        dept = next(d for d in depts if d.code == spike.department_code)
        hours = ctx.schedule.minutes_per_day / 60
        baseline = per_case * expected_daily(ctx, dept) * 2 / hours
        count = max(
            ctx.cfg.violations.spike_min_count,
            math.ceil(ctx.cfg.violations.spike_factor * baseline),
        )
        for _ in range(count):
            number += 1
            _complaint(ctx, dept.code, ctx.rng.randrange(spike.start, spike.end), number)
        detail = {"count": count, "baseline_2h": round(baseline, 4)}
        ctx.truth.append(
            TruthItem(
                TruthKind.COMPLAINT_SPIKE,
                spike.start,
                spike.end,
                ctx.center_code,
                dept.code,
                detail=detail,
            )
        )


def baseline_complaint_rate(ctx: DayContext, depts: list[DeptModel]) -> float:
    """Complaints per case outside spikes, so that baseline plus planted spikes meet the target."""
    v = ctx.cfg.violations
    cases = sum(expected_daily(ctx, d) for d in depts) or 1.0
    planted = v.spike / 2 * v.spike_min_count / cases
    target = ctx.cfg.targets.complaints_per_1000 / 1000
    return max(0.25 * target, target - planted)


def _complaint(ctx: DayContext, dept: str, t: int, number: int) -> None:
    rng = ctx.rng
    no = f"TS{ctx.region_code}{ctx.day:%Y%m%d}{number:03d}"
    channel = rng.choice(list(ComplaintChannel))
    filed = {
        "complaint_no": no,
        "channel": channel.value,
        "category": rng.choice(names.COMPLAINT_CATEGORIES),
    }
    ctx.em.emit(EventKind.COMPLAINT_FILED, t, no, filed, department=dept)
    accepted = ctx.working_time(ctx.cal.add_working_days(ctx.day, rng.randint(1, 3)))
    ctx.em.emit(EventKind.COMPLAINT_ACCEPTED, accepted, no, {"complaint_no": no}, department=dept)
    resolved_day = ctx.cal.add_working_days(ctx.day, rng.randint(6, 14))
    resolved = {
        "complaint_no": no,
        "substantiated": rng.random() < 0.4,
        "satisfied": rng.random() < 0.9,
    }
    ctx.em.emit(
        EventKind.COMPLAINT_RESOLVED, ctx.working_time(resolved_day), no, resolved, department=dept
    )


def attendance(ctx: DayContext, wd: WindowDay) -> None:
    rng = ctx.rng
    method = {"method": rng.choice((AttendanceMethod.FACE, AttendanceMethod.FINGERPRINT)).value}
    first, last = wd.occupied[0][0], wd.occupied[-1][1]
    people = [(wd.staff_id, 0)] + ([(wd.backup_id, 1)] if rng.random() < 0.9 else [])
    for staff, lag in people:
        key = f"{ctx.day.isoformat()}|{staff}"
        clock_in = first - rng.randint(60, 12 * MIN) + lag * rng.randint(0, 5 * MIN)
        clock_out = last + rng.randint(60, 8 * MIN)
        kw = {"department": wd.department_code, "window": wd.window_code, "staff": staff}
        ctx.em.emit(EventKind.ATTENDANCE_CLOCK_IN, clock_in, key, method, **kw)
        ctx.em.emit(EventKind.ATTENDANCE_CLOCK_OUT, clock_out, key, method, **kw)


def ticket_letter(index: int) -> str:
    return chr(ord("A") + index % 26)


def random_name(rng: random.Random, organisation: bool) -> str:
    if organisation:
        return person_name(rng)[:1] + rng.choice(names.GIVEN) + rng.choice(names.COMPANIES)
    return person_name(rng)
