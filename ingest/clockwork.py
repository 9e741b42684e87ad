"""Which duty clocks a case or a complaint has, and their rows: pure functions of the folded
state, the working calendar, the centre's schedule and the warning policy (core/clocks.py does
the arithmetic).

Conventions shared with the alert engine (alerts/state.py):
* 特别程序, and 补正 after acceptance, pause a case's clocks in whole working days: a pause from
  day S to day E removes the working days [S, E), i.e. it runs from the opening of S to the
  opening of E; only pauses that begin at or after acceptance count.
* An extension (延期) adds its working days to the promised and the legal clock.
* 行政许可法 §32: the 补正 notice is due within 5 working days of the application.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from core.calendar import WorkingCalendar
from core.clocks import (
    Budget,
    BudgetUnit,
    Clock,
    Pause,
    PolicyName,
    WarningPolicy,
    assess,
    due_at,
)
from core.enums import AlertLevel
from core.reference import Schedule
from store.repos.cases import CaseRow, ComplaintRow, PauseSpan
from store.repos.clocks import ClockRow, StoredClock

WD = BudgetUnit.WORKING_DAYS


class ClockKind:
    PROMISED = "promised"
    LEGAL = "legal"
    SUPPLEMENT_NOTICE = "supplement_notice"
    COMPLAINT_ACCEPT = "complaint_accept"
    COMPLAINT_COMPLETE = "complaint_complete"


@dataclass(frozen=True, slots=True)
class ClockRules:
    """The budgets and policies the projector applies (per deployment; DOMAIN.md defaults)."""

    case_policy: PolicyName = PolicyName.YULIN
    supplement_notice_days: int = 5  # 行政许可法 §32
    complaint_accept_days: int = 5  # local rules: 3–7 working days
    complaint_complete_days: int = 15  # local rules: 13–30 working days


@dataclass(frozen=True, slots=True)
class Context:
    calendar: WorkingCalendar
    schedule: Schedule
    rules: ClockRules = ClockRules()
    policy: PolicyName | None = None  # the case's promised-clock preset, if set for it
    matter_days: tuple[int, int] | None = None  # catalogue (promised, legal) days


def whole_day_pauses(
    spans: Iterable[PauseSpan], since: datetime, ctx: Context
) -> tuple[Pause, ...]:
    tz = ZoneInfo(ctx.schedule.timezone)
    out = []
    for span in spans:
        if span.start < since:
            continue
        start = ctx.calendar.opening_time(span.start.astimezone(tz).date(), ctx.schedule)
        end = None
        if span.end is not None:
            end = max(
                start, ctx.calendar.opening_time(span.end.astimezone(tz).date(), ctx.schedule)
            )
        out.append(Pause(start, end))
    return tuple(sorted(out, key=lambda p: p.start))


def _first(*times: datetime | None) -> datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


def case_days(case: CaseRow, ctx: Context) -> tuple[int | None, int | None]:
    """(promised, legal) working days: as stated at acceptance, else the catalogue's."""
    promised, legal = case.promised_days, case.legal_days
    if ctx.matter_days is not None:
        promised = ctx.matter_days[0] if promised is None else promised
        legal = ctx.matter_days[1] if legal is None else legal
    return promised, legal


def case_clocks(case: CaseRow, ctx: Context) -> list[ClockRow]:
    out = []
    if case.applied_at is not None:
        notice = Clock(case.applied_at, Budget(ctx.rules.supplement_notice_days, WD))
        stop = _first(case.first_supplement_at, case.accepted_at, case.refused_at)
        out.append(_row(case, ClockKind.SUPPLEMENT_NOTICE, notice, (), stop, ctx))
    if case.accepted_at is None:
        return out
    promised_days, legal_days = case_days(case, ctx)
    pauses = whole_day_pauses(case.pauses, case.accepted_at, ctx)
    extensions = tuple((e.at, e.days) for e in case.extensions)
    ext = tuple(Budget(days, WD) for _, days in extensions)
    stop = _first(case.completed_at, case.refused_at)
    legal = None
    if legal_days:
        legal = Clock(case.accepted_at, Budget(legal_days, WD), pauses=pauses, extensions=ext)
        out.append(_row(case, ClockKind.LEGAL, legal, extensions, stop, ctx))
    if promised_days is not None:  # 0: 即办, due by the end of the acceptance day
        policy = WarningPolicy.preset(ctx.policy or ctx.rules.case_policy)
        own = Clock(case.accepted_at, Budget(promised_days, WD), policy, pauses, ext)
        out.append(_row(case, ClockKind.PROMISED, own, extensions, stop, ctx, legal))
    return out


def complaint_clocks(c: ComplaintRow, ctx: Context) -> list[ClockRow]:
    if c.filed_at is None:
        return []
    r = ctx.rules
    accept = Clock(c.filed_at, Budget(r.complaint_accept_days, WD))
    complete = Clock(c.filed_at, Budget(r.complaint_complete_days, WD))
    stop_accept = _first(c.accepted_at, c.resolved_at)
    return [
        _row(c, ClockKind.COMPLAINT_ACCEPT, accept, (), stop_accept, ctx),
        _row(c, ClockKind.COMPLAINT_COMPLETE, complete, (), c.resolved_at, ctx),
    ]


@dataclass(frozen=True, slots=True)
class Timing:
    due: datetime | None
    levels: dict[str, datetime]
    provisional: bool


_MEMO: dict[tuple[object, ...], Timing] = {}
_MEMO_MAX = 20_000  # a few MB; cleared when full


def timing(clock: Clock, legal: Clock | None, ctx: Context, stopped: bool = False) -> Timing:
    """Due time, level due times (none for a stopped clock: nothing is left to fire) and the
    provisional flag, memoised by everything they depend on."""
    key = (clock, legal, stopped, ctx.calendar.version, ctx.calendar.region_code, ctx.schedule)
    hit = _MEMO.get(key)
    if hit is None:
        hit = _compute(clock, legal, ctx, stopped)
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        _MEMO[key] = hit
    return hit


def _compute(clock: Clock, legal: Clock | None, ctx: Context, stopped: bool) -> Timing:
    cal, schedule = ctx.calendar, ctx.schedule
    tz = ZoneInfo(schedule.timezone)
    due = plain_due(clock, cal, schedule)
    levels: dict[str, datetime] = {}
    if due is not None and (stopped or clock.policy.name == PolicyName.DEADLINE):
        levels = {} if stopped else {str(AlertLevel.RED): due}
    elif stopped:
        due = due_at(clock, calendar=cal, schedule=schedule)
    else:
        a = assess(clock, clock.start, legal=legal, calendar=cal, schedule=schedule)
        due, levels = a.due, {str(level): t for level, t in a.level_due_times.items()}
    provisional = due is not None and cal.provisional_between(
        clock.start.astimezone(tz).date(), due.astimezone(tz).date()
    )
    return Timing(due, levels, provisional)


def plain_due(clock: Clock, cal: WorkingCalendar, schedule: Schedule) -> datetime | None:
    """The due time of a working-days clock of at least one day without pauses, by day
    arithmetic (core.clocks gives the same: close of business of the n-th working day after the
    start date); None for any other clock."""
    n = clock.total.amount
    if clock.pauses or clock.budget.unit is not WD or n < 1:
        return None
    start = clock.start.astimezone(ZoneInfo(schedule.timezone)).date()
    return cal.closing_time(cal.add_working_days(start, n), schedule)


def _row(
    subject: CaseRow | ComplaintRow,
    kind: str,
    clock: Clock,
    extensions: tuple[tuple[datetime, int], ...],
    stopped_at: datetime | None,
    ctx: Context,
    legal: Clock | None = None,
) -> ClockRow:
    t = timing(clock, legal, ctx, stopped_at is not None)
    paused = any(p.end is None for p in clock.pauses)
    state = "stopped" if stopped_at is not None else "paused" if paused else "running"
    if isinstance(subject, CaseRow):
        subject_kind, subject_id = "case", subject.case_no
    else:
        subject_kind, subject_id = "complaint", subject.complaint_no
    return ClockRow(
        subject_kind=subject_kind,
        subject_id=subject_id,
        clock_kind=kind,
        region_code=subject.region_code,
        center_code=subject.center_code,
        department_code=subject.department_code,
        start_at=clock.start,
        budget=clock.budget.amount,
        unit=clock.budget.unit.value,
        pauses=tuple((p.start, p.end) for p in clock.pauses),
        extensions=extensions,
        policy=clock.policy.name,
        due_at=t.due,
        level_due=t.levels,
        provisional=t.provisional,
        calendar_version=ctx.calendar.version,
        state=state,
        stopped_at=stopped_at,
    )


def due_times(rows: Iterable[ClockRow]) -> dict[str, datetime | None]:
    """clock kind → due time, for the case row's promised_due_at and legal_due_at."""
    return {r.clock_kind: r.due_at for r in rows}


def clock_of(row: StoredClock) -> Clock:
    """A stored clock row back as a core.clocks Clock (for the time left, e.g. in the console)."""
    pauses = tuple(
        Pause(datetime.fromisoformat(p["start"]), _parse(p.get("end"))) for p in row.pauses
    )
    unit = BudgetUnit(row.unit)
    extensions = tuple(Budget(int(e["amount"]), unit) for e in row.extensions)
    known = row.policy in PolicyName._value2member_map_
    policy = WarningPolicy.preset(row.policy) if known else PRESETS_DEADLINE
    return Clock(row.start_at, Budget(row.budget, unit), policy, pauses, extensions)


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


PRESETS_DEADLINE = WarningPolicy.preset(PolicyName.DEADLINE)
