"""One working day of one centre, start to finish: plan the planted violations, seat the staff,
run the queue, live each case, add complaints and attendance, and collect the truth."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from core.enums import CameraStatus, EventKind
from sim import streams
from sim.cases import CaseRun, Flags
from sim.context import DayContext
from sim.envelope import Timed
from sim.presence import WindowDay, empty_spans, intersect, seat_day
from sim.truth import TruthItem, TruthKind
from sim.violations import CASE_KINDS, DayPlan, plan_day

FAULT_TRUTH = {
    CameraStatus.OFFLINE: TruthKind.CAMERA_OFFLINE,
    CameraStatus.FROZEN: TruthKind.CAMERA_FROZEN,
    CameraStatus.COVERED: TruthKind.CAMERA_COVERED,
    CameraStatus.DARK: TruthKind.CAMERA_DARK,
    CameraStatus.MOVED: TruthKind.CAMERA_MOVED,
}


@dataclass
class DayResult:
    events: list[Timed] = field(default_factory=list)
    truth: list[TruthItem] = field(default_factory=list)
    windows: dict[str, WindowDay] = field(default_factory=dict)


def run_day(ctx: DayContext) -> DayResult:
    hall = ctx.hall
    pairs = [(w.code, w.department_code) for w in hall.windows]
    plan = plan_day(ctx.cfg.violations, ctx.cfg.seed, ctx.day, ctx.rng, ctx.sessions, pairs)
    windows = {w.code: seat_window(ctx, w.code, w.department_code, plan) for w in hall.windows}
    services = []
    bins = streams.arrival_bins(ctx.sessions)
    for i, dept in enumerate(ctx.model.departments.values()):
        wds = [windows[c] for c in dept.windows]
        services += streams.serve(ctx, dept, wds, streams.ticket_letter(i), bins)
    services.sort(key=lambda s: (s.start, s.window_code))
    flags = assign_flags(ctx, services, plan)
    for number, svc in enumerate(services, start=1):
        CaseRun(ctx, svc, number, flags.get(number - 1, Flags())).run()
    streams.complaints(ctx, list(ctx.model.departments.values()), plan.spikes)
    for wd in windows.values():
        streams.attendance(ctx, wd)
    if ctx.cfg.presence_sample_seconds:
        for wd in windows.values():
            video_events(ctx, wd)
    return DayResult(ctx.em.out, ctx.truth, windows)


def seat_window(ctx: DayContext, code: str, dept: str, plan: DayPlan) -> WindowDay:
    a, b = (s.staff_id for s in ctx.hall.staff if s.window_code == code)
    if ctx.rng.random() < ctx.cfg.traffic.b_post_day_share:
        a, b = b, a
    sessions = ctx.sessions
    occupied = seat_day(
        ctx.rng, sessions, ctx.cfg.traffic.short_absences_per_day, plan.empties.get(code)
    )
    wd = WindowDay(code, dept, a, b, occupied, intersect(occupied, sessions))
    threshold = ctx.cfg.violations.empty_threshold_minutes * 60
    for s, e in empty_spans(occupied, sessions):
        if e - s >= threshold:
            ctx.truth.append(
                TruthItem(
                    TruthKind.WINDOW_EMPTY,
                    s,
                    e,
                    ctx.center_code,
                    dept,
                    code,
                    detail={"minutes": round((e - s) / 60, 1)},
                )
            )
    if code in plan.faults:
        s, e, status = plan.faults[code]
        wd.faults.append((s, e, status))
        camera = code.replace("-W", "-CAM")
        ctx.truth.append(
            TruthItem(
                FAULT_TRUTH[status],
                s,
                e,
                ctx.center_code,
                dept,
                code,
                detail={"camera_code": camera},
            )
        )
    return wd


def assign_flags(
    ctx: DayContext, services: list[streams.Service], plan: DayPlan
) -> dict[int, Flags]:
    """Pick which of today's cases carry the planted case-level violations and the 差评 spike."""
    rng, flags = ctx.rng, {}
    promised = [
        i
        for i, s in enumerate(services)
        if s.matter.legal_days > 0 and s.matter.promised_days + 1 <= s.matter.legal_days
    ]
    charged = [i for i, s in enumerate(services) if s.matter.fee is not None]
    for kind in CASE_KINDS:
        pool = [i for i in (charged if kind == "fee_off_standard" else promised) if i not in flags]
        for i in rng.sample(pool, min(plan.quotas[kind], len(pool))):
            flags[i] = Flags(kind=kind)
    for spike in (s for s in plan.spikes if s.kind == "rating"):
        inside = [
            i
            for i, s in enumerate(services)
            if s.department_code == spike.department_code and spike.start <= s.end < spike.end - 120
        ]
        hours = ctx.schedule.minutes_per_day / 60
        daily = streams.expected_daily(ctx, ctx.model.departments[spike.department_code])
        w = ctx.cfg.traffic.score_weights
        baseline = daily * 2 / hours * ctx.cfg.traffic.rated_share * (w[3] + w[4]) / sum(w)
        count = max(
            ctx.cfg.violations.spike_min_count,
            math.ceil(ctx.cfg.violations.spike_factor * baseline),
        )
        chosen = rng.sample(inside, min(count, len(inside)))
        for i in chosen:
            flags.setdefault(i, Flags()).bad_rating = True
        detail = {"count": len(chosen), "baseline_2h": round(baseline, 4)}
        ctx.truth.append(
            TruthItem(
                TruthKind.BAD_RATING_SPIKE,
                spike.start,
                spike.end,
                ctx.center_code,
                spike.department_code,
                detail=detail,
            )
        )
    return flags


def video_events(ctx: DayContext, wd: WindowDay) -> None:
    """What a video worker would report: presence samples in opening hours, camera health."""
    camera = wd.window_code.replace("-W", "-CAM")
    step = ctx.cfg.presence_sample_seconds
    kw = {"department": wd.department_code, "window": wd.window_code}
    for s, e, status in wd.faults:
        ctx.em.emit(
            EventKind.CAMERA_HEALTH,
            s + 30,
            camera,
            {"camera_code": camera, "status": status.value},
            **kw,
        )
        ctx.em.emit(
            EventKind.CAMERA_HEALTH, e + 30, camera, {"camera_code": camera, "status": "ok"}, **kw
        )
    for a, b in ctx.sessions:
        for t in range(a, b, step):
            if any(s <= t < e for s, e, _ in wd.faults):
                continue
            occupied = any(s <= t < e for s, e in wd.occupied)
            payload = {
                "camera_code": camera,
                "seat": 0,
                "occupied": occupied,
                "score": 0.92 if occupied else 0.06,
            }
            ctx.em.emit(EventKind.PRESENCE_SAMPLE, t, camera, payload, **kw)
