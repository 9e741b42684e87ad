"""Clock arithmetic for every time-limited duty (ARCHITECTURE.md → Clocks): due times, time left
and warning levels. Pure: the calendar and the schedule are values, `now` is passed in.

How a clock counts, precisely:

* A clock *consumes* its budget over the time that counts, from its counting start `t0`, except
  inside pauses (特别程序 and 补正 after acceptance, 行政许可法 §45). Working-day and
  working-minute clocks count working time (opening hours of the schedule on working days, lunch
  break excluded); calendar-day and minute clocks count elapsed time.
* The due time is the earliest instant at which the consumed time equals the budget (budget plus
  extensions, all in the budget's unit). So a pause shifts the due time by exactly the counting
  time it covered, a pause that starts after the due time changes nothing, and a pause never moves
  the due time earlier. An open pause (no end yet) freezes the clock: if the budget was not used
  up before it began, the due time is unknown (None) until the pause ends.
* working_days, n >= 1: 民法典 §201, the starting day is not counted, so `t0` is the opening of
  the first working day after the start date, and without pauses the due time is the end of
  business (last session end, §203) of `add_working_days(start date, n)`. Pauses on the starting
  day therefore change nothing.
* working_days, n == 0 (即办件): due at end of business of the start day, or of the next working
  day if the clock starts after close or on a rest day; `t0` is the start.
* calendar_days, n >= 1: the starting day is not counted; `t0` is 00:00 of the next day and the
  due time is 24:00 of the n-th day after the start date (§203). n == 0: 24:00 of the start day.
* working_minutes / minutes: `t0` is the start; the due time is n counting minutes later.

Warning levels. A `Threshold` is reached when the anchor clock (this clock, "promised", or the
case's legal clock, "legal") has consumed `fraction × budget + days × day + minutes`, where a day
is one working day of opening time for working clocks and 24 h for elapsed clocks. A threshold at
or below zero counts back from the counting start on the same line, but is never before the
clock's start: "1 working day before" a 1-working-day promise is the close of the starting day.
A level is *reached* at its due time (inclusive), which keeps `level_at` and `next_fire_at`
consistent for an engine that wakes at `next_fire_at` and asks `level_at`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from core.calendar import DEFAULT_SCHEDULE, WorkingCalendar, official_calendar
from core.enums import AlertLevel
from core.reference import Schedule

_US_PER_MINUTE = 60_000_000
_US_PER_DAY = 24 * 60 * _US_PER_MINUTE
_ONE_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SEVERITY = {AlertLevel.WARNING: 0, AlertLevel.YELLOW: 1, AlertLevel.RED: 2}


class BudgetUnit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    WORKING_MINUTES = "working_minutes"
    MINUTES = "minutes"


WORKING_TIME_UNITS = frozenset({BudgetUnit.WORKING_DAYS, BudgetUnit.WORKING_MINUTES})


def _require_aware(dt: datetime, what: str) -> None:
    if dt.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {dt.isoformat()}")


@dataclass(frozen=True, slots=True)
class Budget:
    amount: int
    unit: BudgetUnit

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"budget amount must be >= 0, got {self.amount}")


@dataclass(frozen=True, slots=True)
class Pause:
    """Time not counted (特别程序, 补正 after acceptance); `end=None` while it lasts."""

    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self.start, "pause start")
        if self.end is not None:
            _require_aware(self.end, "pause end")
            if self.end < self.start:
                raise ValueError("a pause cannot end before it starts")


# ---------------------------------------------------------------- warning policies


class Anchor(StrEnum):
    PROMISED = "promised"  # the clock the policy belongs to (a case's 承诺 clock, a complaint, …)
    LEGAL = "legal"  # the case's 法定 clock, passed alongside


class PolicyName(StrEnum):
    YULIN = "yulin"  # 榆林: yellow at 90% of the promised time, red past the promised deadline
    ONE_DAY = "one_day"  # warning 1 working day before the promised deadline, red past it
    VENDOR = "vendor"  # warning 2 days before promised, yellow 1 day past it, red 1 day past legal
    DEADLINE = "deadline"  # red past the deadline only (督办 replies, video findings, …)


class Threshold(BaseModel):
    """One level's due time: when the anchor clock has consumed
    `fraction × budget + days × day + minutes` (days and minutes may be negative)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: AlertLevel
    anchor: Anchor = Anchor.PROMISED
    fraction: float = Field(default=1.0, ge=0, description="share of the anchor's budget")
    days: int = Field(default=0, description="working days (working clocks) or 24 h periods")
    minutes: int = Field(default=0, description="working minutes or minutes, per the anchor")


class WarningPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    thresholds: tuple[Threshold, ...]

    @classmethod
    def preset(cls, name: PolicyName | str) -> WarningPolicy:
        return PRESETS[PolicyName(name)]


_W, _Y, _R = AlertLevel.WARNING, AlertLevel.YELLOW, AlertLevel.RED
PRESETS: dict[PolicyName, WarningPolicy] = {
    PolicyName.YULIN: WarningPolicy(
        name=PolicyName.YULIN,
        thresholds=(Threshold(level=_Y, fraction=0.9), Threshold(level=_R)),
    ),
    PolicyName.ONE_DAY: WarningPolicy(
        name=PolicyName.ONE_DAY,
        thresholds=(Threshold(level=_W, days=-1), Threshold(level=_R)),
    ),
    PolicyName.VENDOR: WarningPolicy(
        name=PolicyName.VENDOR,
        thresholds=(
            Threshold(level=_W, days=-2),
            Threshold(level=_Y, days=1),
            Threshold(level=_R, anchor=Anchor.LEGAL, days=1),
        ),
    ),
    PolicyName.DEADLINE: WarningPolicy(name=PolicyName.DEADLINE, thresholds=(Threshold(level=_R),)),
}


# ---------------------------------------------------------------- the clock


@dataclass(frozen=True, slots=True)
class Clock:
    start: datetime
    budget: Budget
    policy: WarningPolicy = PRESETS[PolicyName.DEADLINE]
    pauses: tuple[Pause, ...] = ()
    extensions: tuple[Budget, ...] = field(default=())  # e.g. +10 working days (§42)

    def __post_init__(self) -> None:
        _require_aware(self.start, "clock start")
        for extension in self.extensions:
            if extension.unit != self.budget.unit:
                raise ValueError(
                    f"extension in {extension.unit} on a clock counting {self.budget.unit}"
                )

    @property
    def total(self) -> Budget:
        """Budget plus extensions."""
        extra = sum(e.amount for e in self.extensions)
        return Budget(self.budget.amount + extra, self.budget.unit)

    @property
    def working_time(self) -> bool:
        return self.budget.unit in WORKING_TIME_UNITS


@dataclass(frozen=True, slots=True)
class TimeLeft:
    due: datetime | None  # None while frozen by an open pause
    minutes_left: float  # working minutes for working clocks, else minutes; < 0 when overdue
    fraction_used: float  # 0 at the start, 1 at the due time, > 1 when overdue
    paused: bool
    provisional: bool  # the due date depends on a day of a year without an official notice


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything the engine stores for a clock at `now`."""

    level: AlertLevel | None
    next_fire_at: datetime | None
    due: datetime | None
    level_due_times: dict[AlertLevel, datetime]


@dataclass(frozen=True, slots=True)
class _Frame:
    """A clock resolved against a calendar and a schedule, on a line of *positions*: integer
    microseconds of counting time (work positions for working clocks, UTC microseconds for
    elapsed clocks), so that consuming time is subtraction."""

    start: datetime
    p0: int  # position of the counting start
    total: int  # budget in microseconds of counting time
    day: int  # one "day" of this clock in microseconds of counting time
    pauses: tuple[tuple[int, int | None], ...]  # merged, sorted, clipped to >= p0
    position: Callable[[datetime], int]
    instant: Callable[[int], datetime]  # the earliest instant at a position


def _merge(
    pauses: tuple[Pause, ...], p0: int, position: Callable[[datetime], int]
) -> tuple[tuple[int, int | None], ...]:
    merged: list[tuple[int, int | None]] = []
    for pause in sorted(pauses, key=lambda p: p.start):
        end = None if pause.end is None else position(pause.end)
        if end is not None and end <= p0:
            continue
        start = max(position(pause.start), p0)
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last_start, last_end = merged[-1]
            if last_end is not None:
                merged[-1] = (last_start, None if end is None else max(last_end, end))
            continue
        merged.append((start, end))
    return tuple(merged)


def _frame(clock: Clock, cal: WorkingCalendar, schedule: Schedule) -> _Frame:
    start, unit = clock.start, clock.budget.unit
    n = clock.budget.amount + sum(e.amount for e in clock.extensions)
    tz = ZoneInfo(schedule.timezone)
    if unit in WORKING_TIME_UNITS:
        day = round(cal.working_minutes_per_day(schedule) * _US_PER_MINUTE)

        def position(t: datetime) -> int:
            return cal.work_position(t, schedule)

        def instant(p: int) -> datetime:
            return cal.at_work_position(p, schedule)

        p0, total = position(start), n * _US_PER_MINUTE
        if unit is BudgetUnit.WORKING_DAYS and n >= 1:
            p0 = cal.day_position(start.astimezone(tz).date() + _ONE_DAY, schedule)
            total = n * day
        elif unit is BudgetUnit.WORKING_DAYS:
            total = (p0 // day + 1) * day - p0
    else:
        day = _US_PER_DAY

        def position(t: datetime) -> int:
            return (t - _EPOCH) // _ONE_US

        def instant(p: int) -> datetime:
            return (_EPOCH + p * _ONE_US).astimezone(tz)

        p0, total = position(start), n * _US_PER_MINUTE
        if unit is BudgetUnit.CALENDAR_DAYS:
            local_day = start.astimezone(tz).date()
            if n >= 1:
                p0 = position(_midnight(local_day + _ONE_DAY, tz))
            total = position(_midnight(local_day + (n + 1) * _ONE_DAY, tz)) - p0
    pauses = _merge(clock.pauses, p0, position)
    return _Frame(start, p0, total, day, pauses, position, instant)


def _midnight(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(), tzinfo=tz)


def _reach(frame: _Frame, amount: int) -> datetime | None:
    """The earliest instant at which the clock has consumed `amount`; None if frozen before."""
    if amount <= 0:  # before the counting start: back along the same line, not before start
        return max(frame.start, frame.instant(frame.p0 + amount))
    at, remaining = frame.p0, amount
    for pause_start, pause_end in frame.pauses:
        if pause_start - at >= remaining:
            break
        remaining -= pause_start - at
        if pause_end is None:
            return None
        at = pause_end
    return frame.instant(at + remaining)


def _used(frame: _Frame, now: datetime) -> int:
    """Counting microseconds consumed by `now`."""
    p = frame.position(now)
    if p <= frame.p0:
        return 0
    at, used = frame.p0, 0
    for pause_start, pause_end in frame.pauses:
        if pause_start >= p:
            break
        used += pause_start - at
        if pause_end is None or pause_end >= p:
            return used
        at = pause_end
    return used + p - at


def _threshold_amount(threshold: Threshold, frame: _Frame) -> int:
    return (
        round(threshold.fraction * frame.total)
        + threshold.days * frame.day
        + threshold.minutes * _US_PER_MINUTE
    )


# ---------------------------------------------------------------- public functions


def due_at(
    clock: Clock,
    *,
    calendar: WorkingCalendar | None = None,
    schedule: Schedule = DEFAULT_SCHEDULE,
) -> datetime | None:
    """When the budget (plus extensions) is used up; None while frozen by an open pause."""
    frame = _frame(clock, calendar or official_calendar(), schedule)
    return _reach(frame, frame.total)


def time_left(
    clock: Clock,
    now: datetime,
    *,
    calendar: WorkingCalendar | None = None,
    schedule: Schedule = DEFAULT_SCHEDULE,
) -> TimeLeft:
    _require_aware(now, "now")
    cal = calendar or official_calendar()
    frame = _frame(clock, cal, schedule)
    due = _reach(frame, frame.total)
    used = _used(frame, now)
    paused = any(p.start <= now and (p.end is None or now < p.end) for p in clock.pauses)
    provisional = False
    if due is not None and clock.working_time:
        tz = ZoneInfo(schedule.timezone)
        provisional = cal.provisional_between(
            clock.start.astimezone(tz).date(), due.astimezone(tz).date()
        )
    return TimeLeft(
        due=due,
        minutes_left=(frame.total - used) / _US_PER_MINUTE,
        fraction_used=used / frame.total if frame.total else 1.0,
        paused=paused,
        provisional=provisional,
    )


def level_due_times(
    clock: Clock,
    *,
    legal: Clock | None = None,
    calendar: WorkingCalendar | None = None,
    schedule: Schedule = DEFAULT_SCHEDULE,
) -> dict[AlertLevel, datetime]:
    """When each level of `clock.policy` is reached. A level is missing if its anchor clock is
    absent (a legal threshold without `legal`) or frozen before reaching it."""
    return _due_times(clock.policy, _frames(clock, legal, calendar, schedule))


def _frames(
    clock: Clock, legal: Clock | None, calendar: WorkingCalendar | None, schedule: Schedule
) -> dict[Anchor, _Frame]:
    cal = calendar or official_calendar()
    frames = {Anchor.PROMISED: _frame(clock, cal, schedule)}
    if legal is not None:
        frames[Anchor.LEGAL] = _frame(legal, cal, schedule)
    return frames


def _due_times(policy: WarningPolicy, frames: dict[Anchor, _Frame]) -> dict[AlertLevel, datetime]:
    out: dict[AlertLevel, datetime] = {}
    for threshold in policy.thresholds:
        frame = frames.get(threshold.anchor)
        if frame is None:
            continue
        at = _reach(frame, _threshold_amount(threshold, frame))
        if at is not None and (threshold.level not in out or at < out[threshold.level]):
            out[threshold.level] = at
    return out


def _level(due_times: dict[AlertLevel, datetime], now: datetime) -> AlertLevel | None:
    reached = [level for level, at in due_times.items() if at <= now]
    return max(reached, key=SEVERITY.__getitem__, default=None)


def _next(due_times: dict[AlertLevel, datetime], now: datetime) -> datetime | None:
    return min((at for at in due_times.values() if at > now), default=None)


def level_at(
    clock: Clock,
    now: datetime,
    *,
    legal: Clock | None = None,
    calendar: WorkingCalendar | None = None,
    schedule: Schedule = DEFAULT_SCHEDULE,
) -> AlertLevel | None:
    """The most severe level reached at `now` (its due time <= now), or None."""
    _require_aware(now, "now")
    return _level(level_due_times(clock, legal=legal, calendar=calendar, schedule=schedule), now)


def next_fire_at(
    clock: Clock,
    now: datetime,
    *,
    legal: Clock | None = None,
    calendar: WorkingCalendar | None = None,
    schedule: Schedule = DEFAULT_SCHEDULE,
) -> datetime | None:
    """The earliest level due time strictly after `now`, or None (nothing left, or frozen)."""
    _require_aware(now, "now")
    return _next(level_due_times(clock, legal=legal, calendar=calendar, schedule=schedule), now)


def assess(
    clock: Clock,
    now: datetime,
    *,
    legal: Clock | None = None,
    calendar: WorkingCalendar | None = None,
    schedule: Schedule = DEFAULT_SCHEDULE,
) -> Assessment:
    """`level_at`, `next_fire_at` and `due_at` in one pass (what the engine calls per clock)."""
    _require_aware(now, "now")
    frames = _frames(clock, legal, calendar, schedule)
    due_times = _due_times(clock.policy, frames)
    own = frames[Anchor.PROMISED]
    return Assessment(
        level=_level(due_times, now),
        next_fire_at=_next(due_times, now),
        due=_reach(own, own.total),
        level_due_times=due_times,
    )
