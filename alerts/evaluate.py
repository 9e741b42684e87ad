"""From loaded inputs to evaluations: the glue the engine and the replay share, so both rebuild
a subject from its events and ask the same rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from alerts import rules
from alerts.context import RuleContext, complaint_clocks
from alerts.findings import Evaluation, Place, Rule
from alerts.fold import SeatFold
from alerts.spikes import Baseline
from alerts.state import (
    FeeCharge,
    MatterInfo,
    Ticket,
    WindowState,
    case_clocks,
    case_timeline,
    event_place,
    matter_of,
    notice_clock,
)
from core.enums import EventKind


def case(
    ctx: RuleContext,
    case_no: str,
    events: Iterable[Mapping[str, Any]],
    matters: Mapping[str, MatterInfo],
    now: datetime,
) -> Evaluation:
    """Clocks and process anomalies of one case, rebuilt from all its events."""
    timeline = case_timeline(case_no, events)
    if timeline is None:
        return Evaluation()
    p = timeline.place
    cal = ctx.calendar_for(p.region_code)
    schedule = ctx.schedule_for(p.center_code)
    matter = matter_of(timeline, matters)
    params = ctx.params_for(p.center_code)
    out = rules.process_evaluation(timeline, matter, cal, schedule, params)
    notice = notice_clock(timeline, params.supplement_notice_days)
    if notice is not None:
        out = out + rules.clock_evaluation(notice, now, cal, schedule)
    if matter is not None:
        policy = ctx.policy(Rule.CASE_PROMISED, p.center_code, matter.code)
        clocks = case_clocks(timeline, matter, policy, cal, schedule)
        for state in clocks or ():
            out = out + rules.clock_evaluation(state, now, cal, schedule)
    return out


# Case events that change no rule's input (the timeline keeps them for the evidence).
QUIET_CASE_EVENTS = frozenset(
    {EventKind.CASE_STEP_STARTED, EventKind.CASE_STEP_COMPLETED, EventKind.CASE_DELIVERED}
)


def complaint(
    ctx: RuleContext, complaint_no: str, events: Sequence[Mapping[str, Any]], now: datetime
) -> Evaluation:
    out = Evaluation()
    for state in complaint_clocks(ctx, complaint_no, events):
        cal = ctx.calendar_for(state.place.region_code)
        schedule = ctx.schedule_for(state.place.center_code)
        out = out + rules.clock_evaluation(state, now, cal, schedule)
    return out


def fee(
    event: Mapping[str, Any], matters: Mapping[str, MatterInfo], matter_code: str | None
) -> Evaluation:
    payload = event.get("payload") or {}
    matter = matters.get(matter_code) if matter_code else None
    charge = FeeCharge(
        case_no=str(event["case_no"]),
        place=event_place(event),
        at=_at(event["occurred_at"]),
        amount=Decimal(str(payload.get("amount", "0"))),
        matter=matter,
        receipt_no=payload.get("receipt_no"),
    )
    return rules.fee_evaluation(charge)


def window(
    ctx: RuleContext,
    code: str,
    place: Place,
    seat: SeatFold,
    waiting: int,
    now: datetime,
) -> Evaluation:
    state = WindowState(
        window_code=code,
        place=place,
        schedule=ctx.schedule_for(place.center_code, code),
        occupied=seat.occupied,
        empty_since=seat.empty_since,
        camera_status=seat.camera_status,
        camera_since=seat.camera_since,
        waiting=waiting,
    )
    cal = ctx.calendar_for(place.region_code)
    return rules.window_evaluation(state, now, cal, ctx.params_for(place.center_code))


def queue(
    ctx: RuleContext, queue: str, place: Place, tickets: Sequence[Ticket], now: datetime
) -> Evaluation:
    calendar = ctx.calendar_for(place.region_code)
    schedule = ctx.schedule_for(place.center_code)
    params = ctx.params_for(place.center_code)
    return rules.queue_evaluation(queue, place, list(tickets), now, calendar, schedule, params)


def queue_of(t: Ticket) -> str:
    """The queue a ticket waits in: its window, else its department, else the centre."""
    return t.place.window_code or t.place.department_code or t.place.center_code


def spike(
    ctx: RuleContext,
    rule: Rule,
    subject: str,
    place: Place,
    baseline: Baseline,
    window_times: Sequence[datetime],
    history: Sequence[tuple[datetime, int]],
    now: datetime,
) -> Evaluation:
    """One subject's trailing-window test; `window_times` are the instants of the counted
    events inside [now − window, now), `history` the hourly counts for the chart."""
    from alerts.spikes import tail_score

    start = now - ctx.spike.window
    observed = sum(1 for t in window_times if start <= t < now)
    expected = baseline.expected(start, now)
    score = tail_score(observed, expected, baseline.dispersion)
    tail = [
        (t.isoformat(timespec="minutes"), n, round(baseline.rate(t), 3))
        for t, n in history
        if t >= now - timedelta(hours=24)
    ]
    window_ = rules.SpikeWindow(rule, subject, place, start, observed, expected, score, tuple(tail))
    return rules.spike_evaluation(window_, now, ctx.spike)


def _at(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


SPIKE_KINDS = {
    EventKind.COMPLAINT_FILED: Rule.COMPLAINT_SPIKE,
    EventKind.RATING_SUBMITTED: Rule.BAD_RATING_SPIKE,
}
