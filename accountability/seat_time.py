"""在岗率 (DOMAIN.md → Indicators, Window presence) per window, staff member, department, centre
or region over a period, from the `presence_daily` aggregate of the video presence samples
(store/repos/presence_daily.py). Definitions:

- Scheduled minutes (应在岗分钟): the opening minutes of each window on the working days of the
  period — the window's schedule (else the centre's), lunch break excluded, working days from the
  centre's working calendar (make-up workdays included, holidays excluded); a period that reaches
  past `now` counts only the minutes before `now`.
- Observed minutes (可判定分钟): scheduled minutes in which some presence sample of the window
  knew the seat state. A minute of a camera fault, or with no samples at all (no camera, video
  worker down), cannot be judged — DOMAIN.md: a fault is never an empty seat — so it is left
  out of the rate and shows in the coverage instead.
- Seat minutes (在岗分钟): observed minutes in which someone sat in a seat of the window (any seat,
  any camera, at least one sample saying so in that minute).
- 在岗率 = seat minutes / observed minutes (with full video coverage: / scheduled minutes);
  视频覆盖率 = observed minutes / scheduled minutes. None when nothing was observed.
- Staff: the camera sees a seat, not a person. A staff member is credited with each day of each
  window at which they clocked in (attendance.clock_in) that day; when both A and B posts signed
  in, both get that window-day. Window-days nobody signed in at go to the key '' (未标明).
- Department, centre and region: sums over their windows (region key: the centre's region code).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection

from accountability.deadlines import calendar_for
from core.calendar import WorkingCalendar
from core.reference import Schedule
from store.repos import presence_daily as repo


@dataclass(frozen=True)
class SeatTime:
    key: str
    seat_minutes: int = 0
    observed_minutes: int = 0
    scheduled_minutes: float = 0.0

    @property
    def rate(self) -> float | None:
        """在岗率."""
        return self.seat_minutes / self.observed_minutes if self.observed_minutes else None

    @property
    def coverage(self) -> float | None:
        """视频覆盖率."""
        if not self.scheduled_minutes:
            return None
        return min(1.0, self.observed_minutes / self.scheduled_minutes)

    def __add__(self, other: SeatTime) -> SeatTime:
        return SeatTime(
            self.key,
            self.seat_minutes + other.seat_minutes,
            self.observed_minutes + other.observed_minutes,
            self.scheduled_minutes + other.scheduled_minutes,
        )


def scheduled_minutes(
    cal: WorkingCalendar, schedule: Schedule, day: date, now: datetime | None = None
) -> float:
    """Opening minutes of `day` (0 on a rest day), only those before `now` if given."""
    tz = ZoneInfo(schedule.timezone)
    start = datetime.combine(day, time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    if now is not None:
        end = min(end, max(start, now))
    return cal.working_minutes_between(start, end, schedule)


def _days(start: date, end: date) -> Iterable[date]:
    d = start
    while d < end:
        yield d
        d += timedelta(days=1)


class _Schedules:
    """Scheduled minutes per (window, day), with calendars and schedules loaded once."""

    def __init__(self, conn: Connection[Any], places: list[repo.WindowPlace], now: Any) -> None:
        self.conn, self.now = conn, now
        self.places = {p.code: p for p in places}
        self._cals: dict[str, WorkingCalendar] = {}
        self._scheds: dict[str, Schedule] = {}
        self._memo: dict[tuple[str, str, date], float] = {}

    def minutes(self, window: str, day: date) -> float:
        p = self.places[window]
        if p.region_code not in self._cals:
            self._cals[p.region_code] = calendar_for(self.conn, p.region_code)
        key = repr(sorted(p.schedule.items()))
        if key not in self._scheds:
            self._scheds[key] = Schedule.model_validate(p.schedule)
        memo = (p.region_code, key, day)
        if memo not in self._memo:
            sched = self._scheds[key]
            self._memo[memo] = scheduled_minutes(self._cals[p.region_code], sched, day, self.now)
        return self._memo[memo]


def _group_of(level: str, p: repo.WindowPlace) -> str:
    return {
        "window": p.code,
        "department": p.department_code,
        "center": p.center_code,
        "region": p.region_code,
    }[level]


def seat_times(
    conn: Connection[Any],
    level: str,
    start: date,
    end: date,
    *,
    now: datetime | None = None,
    region_prefix: str | None = None,
    department_code: str | None = None,
    center_code: str | None = None,
) -> dict[str, SeatTime]:
    """在岗 figures of every group of `level` (window, staff, department, center, region) in
    scope over local days [start, end)."""
    scope = {
        "region_prefix": region_prefix,
        "department_code": department_code,
        "center_code": center_code,
    }
    places = repo.windows(conn, **scope)
    sched = _Schedules(conn, places, now)
    rows = {(r.day, r.window_code): r for r in repo.days(conn, start, end, **scope)}
    if level == "staff":
        signed = repo.sign_ins(conn, start, end, **scope)
        credited = _staff_credits(signed, places, set(rows), start, end)
    else:
        credited = defaultdict(set)
        for p in places:
            credited[_group_of(level, p)] |= {(d, p.code) for d in _days(start, end)}
    out = {}
    for key, window_days in credited.items():
        seat = observed = 0
        scheduled = 0.0
        for day, window in window_days:
            minutes = sched.minutes(window, day)
            scheduled += minutes
            if (r := rows.get((day, window))) is not None and minutes:
                seat, observed = seat + r.seat_min, observed + r.observed_min
        out[key] = SeatTime(key, seat, observed, scheduled)
    return out


def _staff_credits(
    signed: set[tuple[date, str, str]],
    places: list[repo.WindowPlace],
    with_rows: set[tuple[date, str]],
    start: date,
    end: date,
) -> dict[str, set[tuple[date, str]]]:
    """The window-days each staff member signed in at; the others of windows with presence data
    go to '' (nobody signed in)."""
    codes = {p.code for p in places}
    credited: dict[str, set[tuple[date, str]]] = defaultdict(set)
    for day, window, staff in signed:
        if window in codes:
            credited[staff].add((day, window))
    covered = set().union(*credited.values()) if credited else set()
    for p in places:
        rest = {(d, p.code) for d in _days(start, end)} - covered
        if rest & with_rows:
            credited[""] |= rest
    return credited
