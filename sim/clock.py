"""Simulated time: instants are integer POSIX seconds, shown in China time (+08:00, no DST).
Working days come from `core.calendar.official_calendar()`; deadlines end at close of business."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Protocol

from core.reference import Schedule

CST = timezone(timedelta(hours=8), "CST")
OFFSET = 8 * 3600
DAY = 86400
_EPOCH = date(1970, 1, 1)


class WorkingCalendar(Protocol):
    def is_working_day(self, day: date, /) -> bool: ...
    def add_working_days(self, day: date, n: int, /) -> date: ...
    def working_days_between(self, a: date, b: date, /) -> int: ...


def official() -> WorkingCalendar:
    from core.calendar import official_calendar

    return official_calendar()  # type: ignore[no-any-return]


class Calendar:
    """The official working calendar with memoised look-ups (the sim asks the same questions
    thousands of times)."""

    def __init__(self, calendar: WorkingCalendar | None = None) -> None:
        cal = calendar or official()
        self.is_working_day = lru_cache(maxsize=None)(cal.is_working_day)
        self.add_working_days = lru_cache(maxsize=None)(cal.add_working_days)
        self.working_days_between = lru_cache(maxsize=None)(cal.working_days_between)


def midnight(day: date) -> int:
    """POSIX seconds of local midnight starting `day`."""
    return (day - _EPOCH).days * DAY - OFFSET


def local_date(t: int) -> date:
    return _EPOCH + timedelta(days=(t + OFFSET) // DAY)


def at(day: date, clock: time) -> int:
    return midnight(day) + clock.hour * 3600 + clock.minute * 60 + clock.second


def to_datetime(t: int) -> datetime:
    return datetime.fromtimestamp(t, CST)


def from_datetime(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CST)
    return int(moment.timestamp())


@lru_cache(maxsize=4096)
def _day_prefix(days: int) -> str:
    return (_EPOCH + timedelta(days=days)).isoformat() + "T"


def iso(t: int) -> str:
    """ISO 8601 with the +08:00 offset, e.g. 2025-09-15T09:12:33+08:00 (fast path)."""
    local = t + OFFSET
    days, sec = divmod(local, DAY)
    h, rem = divmod(sec, 3600)
    m, s = divmod(rem, 60)
    return f"{_day_prefix(days)}{h:02d}:{m:02d}:{s:02d}+08:00"


def sessions(day: date, schedule: Schedule) -> list[tuple[int, int]]:
    """Opening sessions of a day as (start, end) instants; the gap is the lunch break."""
    return [(at(day, s.start), at(day, s.end)) for s in schedule.sessions]


def close_of_business(day: date, schedule: Schedule) -> int:
    return at(day, schedule.sessions[-1].end)


def due_at(cal: Calendar, accepted: date, days: int, schedule: Schedule) -> int:
    """Close of business of the `days`-th working day after `accepted` (the start day is not
    counted, 民法典 §201); 0 days means close of business of the acceptance day."""
    end = cal.add_working_days(accepted, days) if days > 0 else accepted
    return close_of_business(end, schedule)


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))
